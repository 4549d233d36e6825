/// The leaky rectified linear unit, element-wise on inputs of any shape: `x` for positive `x`,
/// `slope · x` otherwise.
///
/// A layer of its own for models that apply the non-linearity after another layer (such as
/// ``BatchNormalization``); otherwise fuse it into ``Dense`` or ``Conv2D`` with
/// `activation: .leakyReLU(slope:)`.
public final class LeakyReLU: ElementwiseActivationLayer {
    public let name = "leaky_relu"
    /// The factor applied to negative inputs (Keras's `negative_slope`).
    public let slope: Float
    let elementwise: ElementwiseActivation

    /// The layer with `slope` for negative inputs; 0.3 is Keras's default.
    public init(slope: Float = 0.3) {
        // The backward pass tells negative inputs by the sign of the output, which needs slope > 0.
        precondition(slope > 0 && slope.isFinite, "LeakyReLU needs a positive slope, got \(slope)")
        self.slope = slope
        elementwise = ElementwiseActivation(.leakyReLU(slope: slope))
    }
}
