// x: [N,H,W,C] → y: [N,OH,OW,C] and back, written straight from the definitions, one element at a time.
// Slow on purpose: tests check the fast kernels in Pooling.swift against these. The max-pooling
// gradient here searches each window again instead of using a recorded argmax.

/// Calls `body(n, oh, ow, c, cells)` for every output element of a batch of `batch` samples, with the
/// cells of its window that lie inside the image, in row-major order.
private func forEachOutput(of g: WindowGeometry, batch: Int,
                           _ body: (_ n: Int, _ oh: Int, _ ow: Int, _ c: Int, _ cells: [(ih: Int, iw: Int)]) -> Void) {
    for n in 0..<batch {
        for oh in 0..<g.outputHeight {
            for ow in 0..<g.outputWidth {
                var cells: [(ih: Int, iw: Int)] = []
                for kh in 0..<g.windowHeight {
                    for kw in 0..<g.windowWidth {
                        if let cell = g.inputCell(output: oh, ow, window: kh, kw) { cells.append((cell.row, cell.column)) }
                    }
                }
                for c in 0..<g.channels { body(n, oh, ow, c, cells) }
            }
        }
    }
}

/// Max pooling by definition: the largest value among each window's cells inside the image.
func maxPoolReference(_ x: Tensor, geometry g: WindowGeometry) -> Tensor {
    var y = Tensor(shape: [x.shape[0]] + g.pooledSampleShape)
    forEachOutput(of: g, batch: x.shape[0]) { n, oh, ow, c, cells in
        y[n, oh, ow, c] = cells.map { x[n, $0.ih, $0.iw, c] }.max()!
    }
    return y
}

/// The max-pooling gradient by definition: each output gradient added to the first cell of its window
/// holding the window's maximum.
func maxPoolBackwardReference(_ outputGradient: Tensor, input x: Tensor, geometry g: WindowGeometry) -> Tensor {
    var inputGradient = Tensor(shape: x.shape)
    forEachOutput(of: g, batch: x.shape[0]) { n, oh, ow, c, cells in
        let maximum = cells.map { x[n, $0.ih, $0.iw, c] }.max()!
        let winner = cells.first { x[n, $0.ih, $0.iw, c] == maximum }!
        inputGradient[n, winner.ih, winner.iw, c] += outputGradient[n, oh, ow, c]
    }
    return inputGradient
}

/// Average pooling by definition: the mean of each window's cells inside the image.
func averagePoolReference(_ x: Tensor, geometry g: WindowGeometry) -> Tensor {
    var y = Tensor(shape: [x.shape[0]] + g.pooledSampleShape)
    forEachOutput(of: g, batch: x.shape[0]) { n, oh, ow, c, cells in
        let sum = cells.reduce(0.0) { $0 + Double(x[n, $1.ih, $1.iw, c]) }
        y[n, oh, ow, c] = Float(sum / Double(cells.count))
    }
    return y
}

/// The average-pooling gradient by definition: each output gradient shared equally by its window's
/// cells inside the image.
func averagePoolBackwardReference(_ outputGradient: Tensor, geometry g: WindowGeometry) -> Tensor {
    let batch = outputGradient.shape[0]
    var inputGradient = Tensor(shape: [batch] + g.inputSampleShape)
    forEachOutput(of: g, batch: batch) { n, oh, ow, c, cells in
        let share = outputGradient[n, oh, ow, c] / Float(cells.count)
        for cell in cells { inputGradient[n, cell.ih, cell.iw, c] += share }
    }
    return inputGradient
}
