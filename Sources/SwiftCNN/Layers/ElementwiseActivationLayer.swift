/// A layer that applies one ``Activation`` element-wise to inputs of any shape: ``ReLU``, ``LeakyReLU``,
/// ``Sigmoid`` and ``Tanh``, which differ only in their activation and name.
protocol ElementwiseActivationLayer: Layer {
    /// The passes through the activation, with their workspaces.
    var elementwise: ElementwiseActivation { get }
}

extension ElementwiseActivationLayer {
    public var parameters: [Parameter] { [] }

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        inputShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        elementwise.forward(input, training: training)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        elementwise.backward(outputGradient, needsInputGradient: needsInputGradient, layer: name)
    }
}
