/// The forward and backward pass shared by ``ReLU``, ``LeakyReLU``, ``Sigmoid`` and ``Tanh``.
///
/// The output is kept as a workspace and the derivative is computed from it, so no copy of the input
/// is needed for backward. A class, so that a layer holding it in a `let` keeps its workspaces from
/// one batch to the next.
final class ElementwiseActivation {
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

    func forward(_ input: Tensor, training: Bool) -> Tensor {
        output.prepare(shape: input.shape)
        let pass = Activated(x: input.storage.pointer, y: output.storage.pointer, activation: activation)
        let count = input.count
        parallelFor(threadChunkCount(for: count, minimumChunk: Self.minimumChunk), chunksOf: 0..<count, pass)
        holdsTrainingOutput = training
        return output
    }

    /// The forward pass, handed to the threads: `y = activation(x)` over a range of elements.
    private struct Activated: ChunkedWork {
        let x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, activation: Activation

        func run(chunk: Int, _ elements: Range<Int>) {
            let start = elements.lowerBound
            (y + start).update(from: x + start, count: elements.count)
            activation.apply(y + start, count: elements.count)
        }
    }

    func backward(_ outputGradient: Tensor, needsInputGradient: Bool, layer: String) -> Tensor? {
        precondition(holdsTrainingOutput, "\(layer).backward needs a training-mode forward call first")
        precondition(outputGradient.shape == output.shape,
                     "\(layer) output gradient has shape \(outputGradient.shape), its output \(output.shape)")
        guard needsInputGradient else { return nil }
        inputGradient.prepare(shape: output.shape)
        let pass = Differentiated(dy: outputGradient.storage.pointer, y: output.storage.pointer,
                                  dx: inputGradient.storage.pointer, activation: activation)
        let count = output.count
        parallelFor(threadChunkCount(for: count, minimumChunk: Self.minimumChunk), chunksOf: 0..<count, pass)
        return inputGradient
    }

    /// The backward pass, handed to the threads: the input gradient over a range of elements, from the
    /// output gradient `dy` and the output `y`.
    private struct Differentiated: ChunkedWork {
        let dy: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
        let activation: Activation

        func run(chunk: Int, _ elements: Range<Int>) {
            let start = elements.lowerBound
            activationGradient(dy + start, output: y + start, activation: activation,
                               rows: 1, width: elements.count, into: dx + start, addingColumnSumsTo: nil)
        }
    }
}
