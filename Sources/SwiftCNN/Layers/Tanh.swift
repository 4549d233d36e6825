/// The hyperbolic tangent, element-wise on inputs of any shape.
///
/// A layer of its own for models that apply the non-linearity after another layer (such as
/// ``BatchNormalization``); otherwise fuse it into ``Dense`` or ``Conv2D`` with `activation: .tanh`.
public final class Tanh: ElementwiseActivationLayer {
    public let name = "tanh"
    let elementwise = ElementwiseActivation(.tanh)

    /// The layer; it has no parameters.
    public init() {}
}
