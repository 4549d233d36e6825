// xᵢ: [N, …, Cᵢ] ⇄ y: [N, …, ΣCᵢ], along the last axis, written straight from the definition, one
// element at a time. Tests check the kernels in Concatenation.swift and the Concatenate layer against these.

/// `y[…, offsetᵢ + j] = inputs[i][…, j]`, with `offsetᵢ` the total last-axis size of the inputs before `i`.
func concatenationReference(_ inputs: [Tensor]) -> Tensor {
    let leading = Array(inputs[0].shape.dropLast())
    let widths = inputs.map { $0.shape.last! }, sources = inputs.map(\.scalars)
    var values: [Float] = []
    for position in 0..<leading.reduce(1, *) {
        for (source, width) in zip(sources, widths) {
            for j in 0..<width { values.append(source[position * width + j]) }
        }
    }
    return Tensor(shape: leading + [widths.reduce(0, +)], scalars: values)
}

/// The gradient of each input by definition: input `i`'s last-axis columns of `outputGradient`, as a
/// tensor of its own of last-axis size `widths[i]`.
func concatenationGradientsReference(_ outputGradient: Tensor, widths: [Int]) -> [Tensor] {
    let leading = Array(outputGradient.shape.dropLast()), total = outputGradient.shape.last!
    let positions = leading.reduce(1, *), gradient = outputGradient.scalars
    var offset = 0
    return widths.map { width in
        var values: [Float] = []
        for position in 0..<positions {
            for j in 0..<width { values.append(gradient[position * total + offset + j]) }
        }
        offset += width
        return Tensor(shape: leading + [width], scalars: values)
    }
}
