/// The rectified linear unit, `max(x, 0)`, element-wise on inputs of any shape.
///
/// A layer of its own for models that apply the non-linearity after another layer (such as
/// ``BatchNormalization``); otherwise fuse it into ``Dense`` or ``Conv2D`` with `activation: .relu`.
public final class ReLU: Layer {
    public let name = "relu"
    public var parameters: [Parameter] { [] }
    private var pass = ElementwiseActivation(.relu)

    /// The layer; it has no parameters.
    public init() {}

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        inputShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        pass.forward(input, training: training)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        pass.backward(outputGradient, needsInputGradient: needsInputGradient, layer: name)
    }
}
