import Dispatch

/// Wall-clock time elapsed since it was started, from the monotonic clock.
struct Stopwatch {
    private var start = DispatchTime.now().uptimeNanoseconds

    /// Seconds since the stopwatch was created or last restarted.
    var seconds: Double {
        Double(DispatchTime.now().uptimeNanoseconds &- start) * 1e-9
    }

    mutating func restart() {
        start = DispatchTime.now().uptimeNanoseconds
    }
}
