/// The instruction-set extensions of the CPU that SwiftCNN runs on, read with CPUID at run time.
///
/// A feature counts only when the operating system also saves its registers (XCR0), so a hypervisor that
/// hides AVX-512 state from guests is seen as having no AVX-512.
public struct CPUFeatures: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let sse3 = CPUFeatures(rawValue: 1 << 0)
    public static let ssse3 = CPUFeatures(rawValue: 1 << 1)
    public static let sse41 = CPUFeatures(rawValue: 1 << 2)
    public static let sse42 = CPUFeatures(rawValue: 1 << 3)
    public static let avx = CPUFeatures(rawValue: 1 << 4)
    public static let fma = CPUFeatures(rawValue: 1 << 5)
    public static let avx2 = CPUFeatures(rawValue: 1 << 6)
    public static let avx512F = CPUFeatures(rawValue: 1 << 7)
    public static let avx512DQ = CPUFeatures(rawValue: 1 << 8)
    public static let avx512BW = CPUFeatures(rawValue: 1 << 9)
    public static let avx512VL = CPUFeatures(rawValue: 1 << 10)
    public static let avx512BF16 = CPUFeatures(rawValue: 1 << 11)

    private static let names: [(CPUFeatures, String)] = [
        (.sse3, "SSE3"), (.ssse3, "SSSE3"), (.sse41, "SSE4.1"), (.sse42, "SSE4.2"),
        (.avx, "AVX"), (.fma, "FMA"), (.avx2, "AVX2"),
        (.avx512F, "AVX-512F"), (.avx512DQ, "AVX-512DQ"), (.avx512BW, "AVX-512BW"),
        (.avx512VL, "AVX-512VL"), (.avx512BF16, "AVX-512BF16"),
    ]

    /// The feature names, in the order of the instruction sets' history.
    public var description: String {
        Self.names.filter { contains($0.0) }.map(\.1).joined(separator: " ")
    }

    /// The features of this machine's CPU.
    public static let current: CPUFeatures = detect()

    private static func detect() -> CPUFeatures {
        guard let leaf1 = OpenBLAS.cpuid(leaf: 1) else { return [] }
        func bit(_ register: UInt32, _ index: UInt32) -> Bool { register & (1 << index) != 0 }

        var features: CPUFeatures = []
        if bit(leaf1.ecx, 0) { features.insert(.sse3) }
        if bit(leaf1.ecx, 9) { features.insert(.ssse3) }
        if bit(leaf1.ecx, 19) { features.insert(.sse41) }
        if bit(leaf1.ecx, 20) { features.insert(.sse42) }

        // XCR0 bits: 1 SSE, 2 AVX (YMM upper halves), 5–7 AVX-512 (opmask, ZMM upper halves, ZMM16–31).
        let osSaves = bit(leaf1.ecx, 27) ? OpenBLAS.xgetbv(0) : 0
        let ymmEnabled = osSaves & 0b110 == 0b110
        let zmmEnabled = ymmEnabled && osSaves & 0b1110_0000 == 0b1110_0000
        guard ymmEnabled, bit(leaf1.ecx, 28) else { return features }
        features.insert(.avx)
        if bit(leaf1.ecx, 12) { features.insert(.fma) }

        guard let leaf7 = OpenBLAS.cpuid(leaf: 7) else { return features }
        if bit(leaf7.ebx, 5) { features.insert(.avx2) }
        guard zmmEnabled else { return features }
        if bit(leaf7.ebx, 16) { features.insert(.avx512F) }
        if bit(leaf7.ebx, 17) { features.insert(.avx512DQ) }
        if bit(leaf7.ebx, 30) { features.insert(.avx512BW) }
        if bit(leaf7.ebx, 31) { features.insert(.avx512VL) }
        if let leaf7s1 = OpenBLAS.cpuid(leaf: 7, subleaf: 1), bit(leaf7s1.eax, 5) {
            features.insert(.avx512BF16)
        }
        return features
    }
}
