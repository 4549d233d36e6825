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
    /// The pass in progress, for the threads' chunks: forward reads `x` into `y`; backward reads `y` and
    /// `dy` into `dx`. Rows are `width` long.
    private var pass: (source: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>?,
                       destination: UnsafeMutablePointer<Float>, width: Int)?

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
        pass = (UnsafePointer(input.storage.pointer), nil, output.storage.pointer, width)
        parallelFor(threadChunkCount(rows: rows, width: width), chunksOf: 0..<rows,
                    softmaxOfRows)
        pass = nil
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
        pass = (UnsafePointer(output.storage.pointer), UnsafePointer(outputGradient.storage.pointer),
                inputGradient.storage.pointer, width)
        parallelFor(threadChunkCount(rows: rows, width: width), chunksOf: 0..<rows,
                    gradientOfRows)
        pass = nil
        return inputGradient
    }

    private func softmaxOfRows(_ chunk: Int, _ rows: Range<Int>) {
        guard let pass else { return }
        softmaxRows(pass.source, rows: rows, width: pass.width, into: pass.destination)
    }

    private func gradientOfRows(_ chunk: Int, _ rows: Range<Int>) {
        guard let pass, let outputGradient = pass.outputGradient else { return }
        softmaxGradientRows(pass.source, outputGradient: outputGradient, rows: rows, width: pass.width,
                            into: pass.destination)
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
