import Foundation

/// Which OpenBLAS kernels SwiftCNN runs its matrix products on, and why.
///
/// OpenBLAS builds with `DYNAMIC_ARCH` choose kernels from a table of CPU models, and older releases take
/// newer CPUs for much older ones (Debian 12's 0.3.21 runs SSE3 "Prescott" kernels on current Xeons, and
/// AVX2 "Haswell" kernels on AVX-512 EPYCs). SwiftCNN instead chooses from the CPU's features before its
/// first BLAS call. A user's `OPENBLAS_CORETYPE` environment variable always wins.
public struct BLASKernelChoice: Sendable, CustomStringConvertible {
    /// Why the kernels in use were chosen.
    public enum Reason: Sendable, Equatable {
        /// The user set `OPENBLAS_CORETYPE`, and OpenBLAS followed it.
        case environment
        /// SwiftCNN switched from OpenBLAS's own choice to kernels matching these CPU features.
        case cpuFeatures
        /// OpenBLAS's own choice was already as good as the CPU's features allow, or could not be changed.
        case openBLAS
    }

    /// The OpenBLAS core whose kernels are in use, as OpenBLAS names it (for example `SkylakeX`).
    public let coreName: String
    /// The core OpenBLAS picked by itself from its model table.
    public let detectedCoreName: String
    /// The CPU features read at run time.
    public let features: CPUFeatures
    public let reason: Reason

    public var description: String {
        switch reason {
        case .environment:
            if let better = Self.shouldSwitch(from: coreName, features: features) {
                return "\(coreName) (forced by OPENBLAS_CORETYPE; this CPU runs the faster \(better) kernels when it is unset)"
            }
            return "\(coreName) (from OPENBLAS_CORETYPE)"
        case .cpuFeatures:
            return "\(coreName) (chosen from CPU features; OpenBLAS guessed \(detectedCoreName))"
        case .openBLAS:
            return "\(coreName) (OpenBLAS's choice)"
        }
    }

    /// The OpenBLAS core type whose kernels best use `features`, or nil when none is known to be better
    /// than OpenBLAS's generic ones.
    public static func coreType(for features: CPUFeatures) -> String? {
        if features.isSuperset(of: [.avx512F, .avx512DQ, .avx512BW, .avx512VL]) { return "SkylakeX" }
        if features.isSuperset(of: [.avx2, .fma]) { return "Haswell" }
        if features.contains(.avx) { return "Sandybridge" }
        return nil
    }

    /// The vector width tier of an OpenBLAS x86-64 core: 0 for SSE, 1 for AVX, 2 for AVX2, 3 for AVX-512;
    /// nil for a name this table doesn't know (a newer OpenBLAS's core, which is then trusted).
    public static func tier(ofCore name: String) -> Int? {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return 3
        case "haswell", "zen": return 2
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": return 1
        case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "opteron", "opteron_sse3",
             "barcelona", "bobcat", "katmai", "coppermine", "northwood", "banias", "athlon", "nano":
            return 0
        default: return nil
        }
    }

    /// Whether SwiftCNN should replace OpenBLAS's `detected` core by the one `features` call for.
    public static func shouldSwitch(from detected: String, features: CPUFeatures) -> String? {
        guard let wanted = coreType(for: features),
              let wantedTier = tier(ofCore: wanted),
              let detectedTier = tier(ofCore: detected),
              detectedTier < wantedTier
        else { return nil }
        return wanted
    }

    /// The choice made for this process: computed, and applied to OpenBLAS, exactly once.
    /// The kernels chosen, once; OpenBLAS is single-threaded from then on (see ``OpenBLAS/makeSingleThreaded()``).
    static let applied: BLASKernelChoice = {
        let choice = apply()
        OpenBLAS.makeSingleThreaded()
        return choice
    }()

    private static func apply() -> BLASKernelChoice {
        let features = CPUFeatures.current
        let detected = OpenBLAS.coreName
        if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != nil {
            return BLASKernelChoice(coreName: detected, detectedCoreName: detected, features: features, reason: .environment)
        }
        guard let wanted = shouldSwitch(from: detected, features: features),
              OpenBLAS.reloadKernels(coreType: wanted)
        else {
            return BLASKernelChoice(coreName: detected, detectedCoreName: detected, features: features, reason: .openBLAS)
        }
        return BLASKernelChoice(coreName: OpenBLAS.coreName, detectedCoreName: detected, features: features, reason: .cpuFeatures)
    }
}
