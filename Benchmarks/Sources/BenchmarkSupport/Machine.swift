import Foundation

/// What the benchmarks report about the machine and the process, read from Linux's `/proc`.
public enum Machine {
    /// The CPU's `model name` from `/proc/cpuinfo`, as the peer benchmarks report it; "unknown" elsewhere.
    public static let cpuModel: String = {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("model name") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return "unknown"
    }()

    /// The process's peak resident memory so far in bytes (`VmHWM` in `/proc/self/status`), or nil when
    /// the system doesn't report it.
    public static var peakResidentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            // "VmHWM:     123456 kB"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }
}
