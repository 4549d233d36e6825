/// The forward and backward pass shared by ``ReLU``, ``LeakyReLU``, ``Sigmoid`` and ``Tanh``.
///
/// The output is kept as a workspace and the derivative is computed from it, so no copy of the input
/// is needed for backward.
struct ElementwiseActivation {
    let activation: Activation
    private var output = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])
    /// Whether ``output`` comes from a training-mode forward call, so that backward may use it.
    private var holdsTrainingOutput = false

    /// Enough elements per thread that spreading the work pays for waking the threads.
    private static let minimumChunk = 1 << 15

    init(_ activation: Activation) {
        self.activation = activation
    }

    mutating func forward(_ input: Tensor, training: Bool) -> Tensor {
        output.prepare(shape: input.shape)
        let x = input.storage.pointer, y = output.storage.pointer
        let activation = self.activation
        parallelFor(chunksOf: 0..<input.count, minimumChunk: Self.minimumChunk) { range in
            let start = range.lowerBound
            (y + start).update(from: x + start, count: range.count)
            activation.apply(y + start, count: range.count)
        }
        holdsTrainingOutput = training
        return output
    }

    mutating func backward(_ outputGradient: Tensor, needsInputGradient: Bool, layer: String) -> Tensor? {
        precondition(holdsTrainingOutput, "\(layer).backward needs a training-mode forward call first")
        precondition(outputGradient.shape == output.shape,
                     "\(layer) output gradient has shape \(outputGradient.shape), its output \(output.shape)")
        guard needsInputGradient else { return nil }
        inputGradient.setToActivationGradient(outputGradient, output: output, activation: activation)
        return inputGradient
    }
}
