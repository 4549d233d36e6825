/// The number format convolutions multiply in.
///
/// Every layer keeps its weights, sums, activations, gradients, loss and softmax in FP32 whatever the
/// precision; ``bfloat16`` rounds only the two operands of the convolutions' products to BF16 (8 bits of
/// significand), the mixed precision of Kalamkar et al. (2019) and of PyTorch's CPU autocast.
public enum Precision: Sendable, CaseIterable, CustomStringConvertible {
    /// IEEE single precision throughout.
    case float32
    /// BF16 operands and FP32 sums in the convolutions' products, through AVX512_BF16's `vdpbf16ps`,
    /// which multiplied at twice the FP32 rate on an AMD Zen 4 (and at half of it on an Intel Xeon of
    /// family 6 model 207). Applies to the several-channel direct kernels of convolutions with a multiple
    /// of 16 filters: the forward pass and the input gradient over an even number of channels, and the
    /// kernel gradient. Single-channel convolutions, the input gradients of strided convolutions, and
    /// dense layers stay FP32.
    case bfloat16

    /// Whether this CPU multiplies in this format natively. SwiftCNN never emulates BF16: emulated, it
    /// would only be slower than FP32.
    public var isSupported: Bool {
        switch self {
        case .float32: return true
        case .bfloat16:
            #if arch(x86_64)
            return CPUFeatures.current.isSuperset(of: [.avx2, .fma, .avx512F, .avx512DQ, .avx512BW, .avx512VL, .avx512BF16])
            #else
            return false
            #endif
        }
    }

    public var description: String {
        switch self {
        case .float32: return "FP32"
        case .bfloat16: return "BF16 products, FP32 sums"
        }
    }
}
