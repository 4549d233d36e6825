import CVectorKernels

/// The instruction sets the vector kernels are compiled for.
enum VectorInstructions: CaseIterable, Sendable {
    /// The processor's base instructions (SSE2 on x86-64, NEON on ARM).
    case baseline
    /// AVX2 with fused multiply-add: 8 floats per register.
    case avx2
    /// AVX-512 (F, DQ, BW, VL) with fused multiply-add: 16 floats per register.
    case avx512

    /// The widest set this CPU runs.
    static let best: VectorInstructions = allCases.last(where: \.isSupported) ?? .baseline

    /// Whether this CPU (and its operating system) runs these instructions.
    var isSupported: Bool {
        let features = CPUFeatures.current
        switch self {
        case .baseline: return true
        case .avx2: return features.isSuperset(of: [.avx2, .fma])
        case .avx512: return features.isSuperset(of: [.avx2, .fma, .avx512F, .avx512DQ, .avx512BW, .avx512VL])
        }
    }

    /// The C kernels' name for the set.
    var isa: cnn_isa {
        switch self {
        case .baseline: return cnn_isa_baseline
        case .avx2: return cnn_isa_avx2
        case .avx512: return cnn_isa_avx512
        }
    }
}
