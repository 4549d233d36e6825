import Foundation
import SwiftCNN

/// What the benchmarks report about the machine and the process, read from Linux's `/proc`.
public enum Machine {
    /// The CPU's `model name` from `/proc/cpuinfo`, as the peer benchmarks report it; "unknown" elsewhere.
    public static let cpuModel = cpuinfoField("model name")

    /// The CPU's `vendor_id`, `cpu family` and `model` from `/proc/cpuinfo`, which every benchmark record
    /// carries (as `cpu_vendor`, `cpu_family` and `cpu_model_number`, the peers' and the race's names).
    public static let cpuVendor = cpuinfoField("vendor_id")
    public static let cpuFamily = cpuinfoField("cpu family")
    public static let cpuModelNumber = cpuinfoField("model")

    /// The CPU and the OpenBLAS kernels in use, for the head of a table of rates: a virtual machine's
    /// model name can be as vague as "AMD EPYC", while vendor, family and model tell the core apart
    /// (family 25 model 1 is a Zen 3), e.g. `AuthenticAMD family 25 model 1 (AMD EPYC), Zen kernels`.
    public static var cpuStamp: String {
        "\(cpuVendor) family \(cpuFamily) model \(cpuModelNumber) "
            + "(\(cpuModel)), \(Backend.kernels.coreName) kernels"
    }

    /// The value of the first `/proc/cpuinfo` line named `name` (the whole name before the colon);
    /// "unknown" when there is none.
    private static func cpuinfoField(_ name: String) -> String {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in cpuinfo.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"),
                  line[..<colon].trimmingCharacters(in: .whitespaces) == name else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return "unknown"
    }

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
