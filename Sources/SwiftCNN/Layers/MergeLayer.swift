/// A layer that combines the outputs of several layers into one, such as ``Add`` or ``Concatenate``: the
/// joins of residual and branching networks, built with the functional API.
///
/// ```swift
/// let sum = Add()([shortcut, residual])
/// ```
///
/// The single-input requirements of ``Layer`` do not apply to a merge layer: a model never calls them.
/// Its inputs come in the order they were listed when the layer was applied.
public protocol MergeLayer: Layer {
    /// Prepares the layer for inputs of `inputShapes` (one shape per input, each without the batch
    /// dimension) and returns the output shape, as ``Layer/build(inputShape:generator:)`` does for one.
    ///
    /// - Throws: ``LayerError/incompatibleInputs(layer:inputShapes:expected:)`` when the shapes cannot be
    ///   combined.
    func build(inputShapes: [[Int]], generator: inout Xoshiro256) throws -> [Int]

    /// The output for a batch of each input; every input has the same batch size.
    func forward(_ inputs: [Tensor], training: Bool) -> Tensor

    /// Given the gradient with respect to the output of the last training-mode forward call, sets each
    /// parameter's gradient and writes the gradient with respect to input `i` into `inputGradients[i]`
    /// where `needsInputGradients[i]` is true (leaving the others as they are).
    ///
    /// The gradients are written into an array the caller keeps, so a warmed-up step allocates nothing.
    func backward(_ outputGradient: Tensor, needsInputGradients: [Bool], into inputGradients: inout [Tensor])
}

extension MergeLayer {
    /// A merge layer takes two or more inputs; one alone is a misuse that the model reports.
    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        throw LayerError.incompatibleInputs(layer: name, inputShapes: [inputShape], expected: "two or more inputs")
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        forward([input], training: training)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        var gradients = [Tensor(shape: [0])]
        backward(outputGradient, needsInputGradients: [needsInputGradient], into: &gradients)
        return needsInputGradient ? gradients[0] : nil
    }
}
