import Foundation

/// How long the benchmark suites run: full runs by default, a few iterations with `BENCHMARK_SHORT=1`,
/// which CI uses to keep the benchmarks building and running without spending minutes on them.
public enum BenchmarkMode {
    /// Whether `BENCHMARK_SHORT` is set to anything but `0` or the empty string.
    public static let isShort: Bool = {
        let value = ProcessInfo.processInfo.environment["BENCHMARK_SHORT"] ?? ""
        return !value.isEmpty && value != "0"
    }()
}
