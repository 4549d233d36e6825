/// An element-wise non-linearity, fused into ``Conv2D`` and ``Dense`` or used as a layer of its own.
public enum Activation: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The identity.
    case linear
    /// `max(x, 0)`.
    case relu
    /// `x` for positive `x`, `slope · x` otherwise; `slope` must be positive.
    case leakyReLU(slope: Float)
    /// `1 / (1 + e⁻ˣ)`.
    case sigmoid
    /// The hyperbolic tangent.
    case tanh

    public var description: String {
        switch self {
        case .linear: return "linear"
        case .relu: return "relu"
        case let .leakyReLU(slope): return "leaky_relu(\(slope))"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        }
    }
}
