import Benchmark
import BenchmarkSupport

extension Benchmark.Configuration {
    /// The settings every suite starts from: the time and allocation metrics, and the FLOP rate for
    /// work that is matrix products, run for up to `seconds` (a few iterations only with
    /// `BENCHMARK_SHORT=1`).
    public static func swiftCNN(seconds: Int, countsFLOPs: Bool = true) -> Benchmark.Configuration {
        Benchmark.Configuration(
            metrics: [.wallClock, .throughput, .mallocCountTotal] + (countsFLOPs ? [.flopRate] : []),
            warmupIterations: BenchmarkMode.isShort ? 1 : 3,
            maxDuration: .seconds(BenchmarkMode.isShort ? 1 : seconds),
            maxIterations: BenchmarkMode.isShort ? 3 : 10_000)
    }
}
