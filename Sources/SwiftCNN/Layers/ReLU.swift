/// The rectified linear unit, `max(x, 0)`, element-wise on inputs of any shape.
///
/// A layer of its own for models that apply the non-linearity after another layer (such as
/// ``BatchNormalization``); otherwise fuse it into ``Dense`` or ``Conv2D`` with `activation: .relu`.
public final class ReLU: ElementwiseActivationLayer {
    public let name = "relu"
    let elementwise = ElementwiseActivation(.relu)

    /// The layer; it has no parameters.
    public init() {}
}
