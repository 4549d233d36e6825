/// Joins two or more inputs along their last (channel) axis, as Keras's `Concatenate` with its default
/// `axis=-1`: the join of branching networks such as Inception blocks and DenseNets.
///
/// ```swift
/// let joined = Concatenate()([branch1, branch2])   // [14, 14, 16] and [14, 14, 8] → [14, 14, 24]
/// ```
///
/// The inputs must agree on every axis but the last; in the output each position holds the first
/// input's channels, then the second's, and so on.
public final class Concatenate: MergeLayer {
    public let name = "concatenate"
    public let parameters: [Parameter] = []

    /// Each input's shape per sample; set by ``build(inputShapes:generator:)``.
    private var inputSampleShapes: [[Int]] = []
    /// Each input's last-axis size, and where its columns start in the output's last axis.
    private var widths: [Int] = []
    private var offsets: [Int] = []
    private var outputSampleShape: [Int] = []

    // Workspaces, reused from one batch to the next.
    private var output = Tensor(shape: [0])

    /// A layer that concatenates along the last axis.
    public init() {}

    /// - Throws: ``LayerError/incompatibleInputs(layer:inputShapes:expected:)`` unless there are two or
    ///   more inputs of positive shapes that agree on every axis but the last, with at most `Int32.max`
    ///   values along the joined axis.
    public func build(inputShapes: [[Int]], generator: inout Xoshiro256) throws -> [Int] {
        let leading = inputShapes.first.map { Array($0.dropLast()) } ?? []
        let widths = inputShapes.compactMap(\.last)
        guard inputShapes.count >= 2, widths.count == inputShapes.count,
              inputShapes.allSatisfy({ $0.dropLast().elementsEqual(leading) && $0.allSatisfy { $0 > 0 } }),
              widths.allSatisfy({ $0 <= Int(Int32.max) }), widths.reduce(0, +) <= Int(Int32.max) else {
            throw LayerError.incompatibleInputs(
                layer: name, inputShapes: inputShapes,
                expected: "two or more inputs of positive shapes equal on every axis but the last, at most \(Int32.max) along it")
        }
        inputSampleShapes = inputShapes
        self.widths = widths
        offsets = widths.indices.map { widths[..<$0].reduce(0, +) }
        outputSampleShape = leading + [widths.reduce(0, +)]
        return outputSampleShape
    }

    public func forward(_ inputs: [Tensor], training: Bool) -> Tensor {
        precondition(!widths.isEmpty, "Concatenate.forward called before build(inputShapes:generator:)")
        precondition(inputs.count == widths.count, "Concatenate was built for \(widths.count) inputs, got \(inputs.count)")
        let batch = inputs[0].shape.first ?? 0
        for (input, shape) in zip(inputs, inputSampleShapes) {
            precondition(input.rank == shape.count + 1 && input.shape[0] == batch && input.shape.dropFirst().elementsEqual(shape),
                         "Concatenate was built for an input [\(batch)] + \(shape), got \(input.shape)")
        }
        output.prepare(batch: batch, sampleShape: outputSampleShape)
        let total = outputSampleShape[outputSampleShape.count - 1], rows = output.count / total
        for index in inputs.indices {
            let pass = Copy(source: inputs[index].storage.pointer, destination: output.storage.pointer,
                            width: widths[index], offset: offsets[index], outputWidth: total, direction: .intoOutput)
            parallelFor(threadChunkCount(rows: rows, width: widths[index]), chunksOf: 0..<rows, pass)
        }
        return output
    }

    /// Writes each needed input's columns of `outputGradient` into `inputGradients`, reusing the tensor
    /// already in its slot when nothing else holds it.
    public func backward(_ outputGradient: Tensor, needsInputGradients: [Bool], into inputGradients: inout [Tensor]) {
        precondition(outputGradient.shape == output.shape,
                     "Concatenate.backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(output.shape)")
        precondition(needsInputGradients.count == widths.count && inputGradients.count == widths.count,
                     "Concatenate.backward needs one flag and one gradient slot for each of its \(widths.count) inputs")
        let batch = outputGradient.shape[0], total = outputSampleShape[outputSampleShape.count - 1]
        let rows = outputGradient.count / total
        for index in widths.indices where needsInputGradients[index] {
            inputGradients[index].prepare(batch: batch, sampleShape: inputSampleShapes[index])
            let pass = Copy(source: outputGradient.storage.pointer, destination: inputGradients[index].storage.pointer,
                            width: widths[index], offset: offsets[index], outputWidth: total, direction: .outOfOutput)
            parallelFor(threadChunkCount(rows: rows, width: widths[index]), chunksOf: 0..<rows, pass)
        }
    }

    /// One input's copy in either pass, handed to the threads: a range of rows (positions of the batch).
    private struct Copy: ChunkedWork {
        enum Direction { case intoOutput, outOfOutput }

        let source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>
        /// The input's last-axis size, where its columns start in the output's rows, and their length.
        let width: Int, offset: Int, outputWidth: Int
        let direction: Direction

        func run(chunk: Int, _ rows: Range<Int>) {
            switch direction {
            case .intoOutput:
                copyRows(source, width: width, rows: rows, into: destination, columnOffset: offset, outputWidth: outputWidth)
            case .outOfOutput:
                copyColumns(source, columnOffset: offset, width: width, outputWidth: outputWidth, rows: rows,
                            into: destination)
            }
        }
    }
}
