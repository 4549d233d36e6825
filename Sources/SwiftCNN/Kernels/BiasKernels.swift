// y, dy, dz: [..., F] viewed as rows of F values (the F outputs of one position); b, db: [F]
// The element-wise work around a layer's matrix product: bias and activation after it in the forward
// pass, the activation derivative and the bias gradient before the products of the backward pass.

/// Rows below this many elements per thread are not worth a thread hand-off.
private let elementsPerThread = 16_384

extension Tensor {
    /// Adds `bias` to each row of F values (F = the last dimension), then applies `activation`, in place,
    /// in one pass while the row is in cache. A nil `bias` adds nothing.
    mutating func addBias(_ bias: Tensor?, thenApply activation: Activation) {
        let width = shape.last ?? 1
        if let bias {
            precondition(bias.count == width, "Bias of shape \(bias.shape) does not fit rows of \(width) in \(shape)")
        }
        guard bias != nil || activation != .linear, count > 0 else { return }
        makeUnique()
        let values = storage.pointer, addend = bias?.storage.pointer
        parallelFor(chunksOf: 0..<(count / width), minimumChunk: Swift.max(1, elementsPerThread / width)) { rows in
            let chunk = values + rows.lowerBound &* width
            if let addend {
                var row = chunk
                for _ in rows {
                    for f in 0..<width { row[f] += addend[f] }
                    row += width
                }
            }
            activation.apply(chunk, count: rows.count &* width)
        }
    }

    /// Makes `self` the gradient with respect to the pre-activation values, given `outputGradient`
    /// (the gradient with respect to the activation's `output`): their product with the derivative.
    /// `self` is a workspace, reused when possible.
    mutating func setToActivationGradient(_ outputGradient: Tensor, output: Tensor, activation: Activation) {
        precondition(outputGradient.shape == output.shape,
                     "Gradient of shape \(outputGradient.shape) does not match the output's \(output.shape)")
        prepare(shape: output.shape)
        let gradient = outputGradient.storage.pointer, values = output.storage.pointer
        let destination = storage.pointer
        parallelFor(chunksOf: 0..<count, minimumChunk: elementsPerThread) { range in
            let start = range.lowerBound
            (destination + start).update(from: gradient + start, count: range.count)
            activation.applyDerivative(to: destination + start, output: values + start, count: range.count)
        }
    }

    /// Sums the rows of F values (F = the last dimension) into `sums`, of shape [F]: the bias gradient
    /// from the gradient of a layer's outputs. `sums` is a workspace, reused when possible.
    func sumRows(into sums: inout Tensor) {
        let width = shape.last ?? 1
        sums.prepare(batch: width, sampleShape: [])
        let total = sums.storage.pointer
        total.update(repeating: 0, count: width)
        var row = UnsafePointer(storage.pointer)
        for _ in 0..<(width == 0 ? 0 : count / width) {
            for f in 0..<width { total[f] += row[f] }
            row += width
        }
    }
}
