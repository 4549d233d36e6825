/// The element-wise sum of two or more inputs of the same shape, as Keras's `Add`: the join of a
/// residual connection, where a block's output is added to its input.
///
/// ```swift
/// let sum = Add()([shortcut, residual])   // [14, 14, 32] and [14, 14, 32] → [14, 14, 32]
/// ```
///
/// The shapes must be equal: unlike Keras, `Add` does not broadcast. The inputs are summed in the order
/// they were listed, so the rounding does not depend on the thread count. The gradient with respect to
/// every input is the output gradient itself, handed on without a copy.
public final class Add: MergeLayer {
    public let name = "add"
    public let parameters: [Parameter] = []

    /// The shape shared by the inputs and the output, per sample; set by ``build(inputShapes:generator:)``.
    private var sampleShape: [Int] = []
    private var inputCount = 0
    /// A workspace, reused from one batch to the next.
    private var output = Tensor(shape: [0])

    /// An adding layer.
    public init() {}

    /// - Throws: ``LayerError/incompatibleInputs(layer:inputShapes:expected:)`` unless there are two or
    ///   more inputs, all of one positive shape.
    public func build(inputShapes: [[Int]], generator: inout Xoshiro256) throws -> [Int] {
        guard inputShapes.count >= 2, let first = inputShapes.first, !first.isEmpty, first.allSatisfy({ $0 > 0 }),
              inputShapes.allSatisfy({ $0 == first }) else {
            throw LayerError.incompatibleInputs(layer: name, inputShapes: inputShapes,
                                                expected: "two or more inputs of one positive shape (add does not broadcast)")
        }
        sampleShape = first
        inputCount = inputShapes.count
        return first
    }

    public func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        precondition(inputCount > 0, "Add.forward called before build(inputShapes:generator:)")
        precondition(inputs.count == inputCount, "Add was built for \(inputCount) inputs, got \(inputs.count)")
        let batch = inputs[0].shape.first ?? 0
        for input in inputs {
            precondition(input.rank == sampleShape.count + 1 && input.shape[0] == batch
                         && input.shape.dropFirst().elementsEqual(sampleShape),
                         "Add was built for inputs [\(batch)] + \(sampleShape), got \(input.shape)")
        }
        output.prepare(batch: batch, sampleShape: sampleShape)
        let count = output.count
        parallelFor(threadChunkCount(for: count, minimumChunk: 1 << 15), chunksOf: 0..<count,
                    Sum(inputs: inputs, y: output.storage.pointer))
        return output
    }

    /// The forward pass, handed to the threads: the sum over a range of elements.
    private struct Sum: ChunkedWork {
        let inputs: [Tensor], y: UnsafeMutablePointer<Float>

        func run(chunk: Int, _ elements: Range<Int>) {
            addElements(inputs[0].storage.pointer, inputs[1].storage.pointer, elements: elements, into: y)
            for input in inputs.dropFirst(2) {
                addElements(y, input.storage.pointer, elements: elements, into: y)
            }
        }
    }

    public func backward(_ outputGradient: Tensor, needsInputGradients: [Bool], into inputGradients: inout [Tensor]) {
        precondition(outputGradient.shape == output.shape,
                     "Add.backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(output.shape)")
        precondition(needsInputGradients.count == inputCount && inputGradients.count == inputCount,
                     "Add.backward needs one flag and one gradient slot for each of its \(inputCount) inputs")
        for index in 0..<inputCount where needsInputGradients[index] {
            inputGradients[index] = outputGradient
        }
    }
}
