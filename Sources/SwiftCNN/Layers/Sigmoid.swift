/// The logistic function `1 / (1 + e⁻ˣ)`, element-wise on inputs of any shape.
///
/// A layer of its own for models that apply the non-linearity after another layer (such as
/// ``BatchNormalization``); otherwise fuse it into ``Dense`` or ``Conv2D`` with `activation: .sigmoid`.
public final class Sigmoid: ElementwiseActivationLayer {
    public let name = "sigmoid"
    let elementwise = ElementwiseActivation(.sigmoid)

    /// The layer; it has no parameters.
    public init() {}
}
