import Foundation

/// The softmax over the last axis: each row becomes a probability distribution, `eˣⁱ / Σⱼ eˣʲ`.
///
/// To train a classifier, end the model in logits and use ``SoftmaxCrossEntropy``, which fuses the
/// softmax into the loss for a stable gradient; this layer is for models whose output must be
/// probabilities. Each row's maximum is subtracted before exponentiating, so large logits do not
/// overflow.
public final class Softmax: Layer {
    public let name = "softmax"
    public var parameters: [Parameter] { [] }
    private var output = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])
    /// Whether ``output`` comes from a training-mode forward call, so that backward may use it.
    private var holdsTrainingOutput = false

    /// The layer; it has no parameters.
    public init() {}

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        guard let classes = inputShape.last, classes > 0 else {
            throw LayerError.incompatibleInput(layer: name, inputShape: inputShape,
                                               expected: "a non-empty last axis to normalise over")
        }
        return inputShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(input.rank >= 1 && input.shape[input.rank - 1] > 0,
                     "Softmax needs a non-empty last axis; input shape is \(input.shape)")
        output.prepare(shape: input.shape)
        let width = input.shape[input.rank - 1], rows = input.count / width
        let pass = Probabilities(x: input.storage.pointer, y: output.storage.pointer, width: width)
        parallelFor(threadChunkCount(rows: rows, width: width), chunksOf: 0..<rows, pass)
        holdsTrainingOutput = training
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        precondition(holdsTrainingOutput, "Softmax.backward needs a training-mode forward call first")
        precondition(outputGradient.shape == output.shape,
                     "Softmax output gradient has shape \(outputGradient.shape), its output \(output.shape)")
        guard needsInputGradient else { return nil }
        inputGradient.prepare(shape: output.shape)
        let width = output.shape[output.rank - 1], rows = output.count / width
        let pass = JacobianProduct(y: output.storage.pointer, dy: outputGradient.storage.pointer,
                                   dx: inputGradient.storage.pointer, width: width)
        parallelFor(threadChunkCount(rows: rows, width: width), chunksOf: 0..<rows, pass)
        return inputGradient
    }

    /// The forward pass, handed to the threads: the softmax of a range of rows, `width` long.
    private struct Probabilities: ChunkedWork {
        let x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, width: Int

        func run(chunk: Int, _ rows: Range<Int>) {
            softmaxRows(x, rows: rows, width: width, into: y)
        }
    }

    /// The backward pass, handed to the threads: the input gradient of a range of rows, `width` long.
    private struct JacobianProduct: ChunkedWork {
        let y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, width: Int

        func run(chunk: Int, _ rows: Range<Int>) {
            softmaxGradientRows(y, outputGradient: dy, rows: rows, width: width, into: dx)
        }
    }
}

// MARK: - Kernels

// x, y, dy, dx: [R, width], one distribution per row; `rows` is the slice of R to compute.

/// `y = softmax(x)` row by row, after subtracting each row's maximum.
private func softmaxRows(_ x: UnsafePointer<Float>, rows: Range<Int>, width: Int, into y: UnsafeMutablePointer<Float>) {
    for row in rows {
        let input = x + row &* width, output = y + row &* width
        var largest = input[0]
        for column in 1..<width where input[column] > largest {
            largest = input[column]
        }
        var sum: Float = 0
        for column in 0..<width {
            let e = Foundation.exp(input[column] - largest)
            output[column] = e
            sum += e
        }
        let scale = 1 / sum
        for column in 0..<width {
            output[column] *= scale
        }
    }
}

/// `dx = y ⊙ (dy − Σ dy ⊙ y)` row by row: the softmax Jacobian, `diag(y) − y yᵀ`, applied to `dy`.
private func softmaxGradientRows(
    _ y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, rows: Range<Int>, width: Int,
    into dx: UnsafeMutablePointer<Float>
) {
    for row in rows {
        let offset = row &* width
        let probabilities = y + offset, gradient = dy + offset, result = dx + offset
        var dot: Float = 0
        for column in 0..<width {
            dot += gradient[column] * probabilities[column]
        }
        for column in 0..<width {
            result[column] = probabilities[column] * (gradient[column] - dot)
        }
    }
}
