/// The forward and backward pass shared by ``ReLU``, ``LeakyReLU``, ``Sigmoid`` and ``Tanh``.
///
/// The output is kept as a workspace and the derivative is computed from it, so no copy of the input
/// is needed for backward. A class, so that the threads' chunks run one of its methods without
/// allocating a context for them.
final class ElementwiseActivation {
    let activation: Activation
    private var output = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])
    /// Whether ``output`` comes from a training-mode forward call, so that backward may use it.
    private var holdsTrainingOutput = false
    /// The pointers of the pass in progress, for the threads' chunks: the input (forward) or the output
    /// gradient (backward), and where the result goes.
    private var pass: (source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>)?

    /// Enough elements per thread that spreading the work pays for waking the threads.
    private static let minimumChunk = 1 << 15

    init(_ activation: Activation) {
        self.activation = activation
    }

    func forward(_ input: Tensor, training: Bool) -> Tensor {
        output.prepare(shape: input.shape)
        pass = (UnsafePointer(input.storage.pointer), output.storage.pointer)
        let count = input.count
        parallelFor(threadChunkCount(for: count, minimumChunk: Self.minimumChunk), chunksOf: 0..<count, activateChunk)
        pass = nil
        holdsTrainingOutput = training
        return output
    }

    private func activateChunk(_ chunk: Int, _ elements: Range<Int>) {
        guard let pass else { return }
        let start = elements.lowerBound
        (pass.destination + start).update(from: pass.source + start, count: elements.count)
        activation.apply(pass.destination + start, count: elements.count)
    }

    func backward(_ outputGradient: Tensor, needsInputGradient: Bool, layer: String) -> Tensor? {
        precondition(holdsTrainingOutput, "\(layer).backward needs a training-mode forward call first")
        precondition(outputGradient.shape == output.shape,
                     "\(layer) output gradient has shape \(outputGradient.shape), its output \(output.shape)")
        guard needsInputGradient else { return nil }
        inputGradient.prepare(shape: output.shape)
        pass = (UnsafePointer(outputGradient.storage.pointer), inputGradient.storage.pointer)
        let count = output.count
        parallelFor(threadChunkCount(for: count, minimumChunk: Self.minimumChunk), chunksOf: 0..<count, differentiateChunk)
        pass = nil
        return inputGradient
    }

    private func differentiateChunk(_ chunk: Int, _ elements: Range<Int>) {
        guard let pass else { return }
        let start = elements.lowerBound
        activationGradient(pass.source + start, output: output.storage.pointer + start, activation: activation,
                           rows: 1, width: elements.count, into: pass.destination + start, addingColumnSumsTo: nil)
    }
}
