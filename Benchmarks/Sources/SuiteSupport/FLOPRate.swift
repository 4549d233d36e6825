import Benchmark
import BenchmarkSupport

extension BenchmarkMetric {
    /// Floating-point operations per second of one iteration, from a count the benchmark gives (see
    /// `Benchmark.measuringFLOPs(_:_:)`). Recorded in FLOP/s because custom metrics hold
    /// integers; the results table scales it (`G` for GFLOP/s).
    public static let flopRate = BenchmarkMetric.custom("FLOP/s", polarity: .prefersLarger, useScalingFactor: false)
}

extension Benchmark {
    /// Runs `body`, which performs `flops` floating-point operations, and records its rate as
    /// ``BenchmarkMetric/flopRate``; with no operations to count (`flops` zero) it just runs `body`.
    public func measuringFLOPs(_ flops: Double, _ body: () -> Void) {
        guard flops > 0 else { return body() }
        let seconds = Timing.seconds(body)
        measurement(.flopRate, Int((flops / max(seconds, 1e-9)).rounded()))
    }
}
