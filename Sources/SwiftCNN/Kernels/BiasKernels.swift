// rows, dy, y, dz: `count` rows of `width` values (the F outputs of one position); bias, sums: [width]
// The element-wise work around a layer's matrix product: bias and activation after it in the forward
// pass, the activation derivative and the bias gradient before the products of the backward pass.
// Layers call these on the block of rows a product has just written or is about to read, while it is
// in cache, instead of sweeping the whole batch again.

/// Adds `bias` to each row, then applies `activation`, in place, in one pass. A nil `bias` adds nothing.
func addBias(_ bias: UnsafePointer<Float>?, thenApply activation: Activation,
             toRows rows: UnsafeMutablePointer<Float>, count: Int, width: Int) {
    guard let bias else {
        activation.apply(rows, count: count &* width)
        return
    }
    var row = rows
    if activation == .relu {
        for _ in 0..<count {
            for f in 0..<width {
                let value = row[f] + bias[f]
                row[f] = value > 0 ? value : 0
            }
            row += width
        }
        return
    }
    for _ in 0..<count {
        for f in 0..<width { row[f] += bias[f] }
        row += width
    }
    activation.apply(rows, count: count &* width)
}

/// Writes `dz = dy · activation′` for rows of outputs `y`, and adds each column's sum of `dz` to `sums`
/// when given (the bias gradient). `dz` may be `dy` itself.
func activationGradient(_ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>, activation: Activation,
                        rows count: Int, width: Int, into dz: UnsafeMutablePointer<Float>,
                        addingColumnSumsTo sums: UnsafeMutablePointer<Float>?) {
    if activation == .relu {
        var offset = 0
        for _ in 0..<count {
            for f in 0..<width {
                let keep: UInt32 = y[offset &+ f] > 0 ? ~0 : 0
                dz[offset &+ f] = Float(bitPattern: dy[offset &+ f].bitPattern & keep)
            }
            offset &+= width
        }
    } else {
        if UnsafePointer(dz) != dy { dz.update(from: dy, count: count &* width) }
        activation.applyDerivative(to: dz, output: y, count: count &* width)
    }
    if let sums { addColumnSums(of: dz, rows: count, width: width, to: sums) }
}

/// Adds the sum of each column of `count` rows to `sums`.
func addColumnSums(of rows: UnsafePointer<Float>, rows count: Int, width: Int, to sums: UnsafeMutablePointer<Float>) {
    var row = rows
    for _ in 0..<count {
        for f in 0..<width { sums[f] += row[f] }
        row += width
    }
}
