// inputs: k tensors of one shape → y: that shape, the element-wise sum, written straight from the
// definition in Double. Tests check the kernel in ElementwiseSum.swift and the Add layer against it.

/// `y[i] = Σₖ inputs[k][i]`.
func elementwiseSumReference(_ inputs: [Tensor]) -> Tensor {
    var sums = [Double](repeating: 0, count: inputs[0].count)
    for input in inputs {
        for (index, value) in input.scalars.enumerated() { sums[index] += Double(value) }
    }
    return Tensor(shape: inputs[0].shape, scalars: sums.map { Float($0) })
}
