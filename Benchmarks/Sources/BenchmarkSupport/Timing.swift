/// Wall-clock timing for the command-line measurements.
public enum Timing {
    /// The wall seconds `body` takes.
    @inline(never)
    public static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let elapsed = try clock.measure(body)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// The nearest-rank `percent` percentile of `values`, which must not be empty: the smallest value that
    /// at least `percent`% of them do not exceed (the peer script computes it the same way).
    public static func percentile(_ percent: Double, of values: [Double]) -> Double {
        precondition(!values.isEmpty && percent > 0 && percent <= 100, "A percentile needs values and 0 < percent ≤ 100")
        let rank = Int((percent / 100 * Double(values.count)).rounded(.up))
        return values.sorted()[rank - 1]
    }

    /// The median of `values`, which must not be empty (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "The median needs at least one value")
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Floating-point operations per second, in units of 10⁹.
    public static func gigaflopsPerSecond(flops: Double, seconds: Double) -> Double {
        flops / seconds / 1e9
    }
}
