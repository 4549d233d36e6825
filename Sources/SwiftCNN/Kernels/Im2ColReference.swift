// x: [N,H,W,C] ⇄ cols: [N·OH·OW, KH·KW·C], written straight from the definition, one element at a time.
// Slow on purpose: tests check the fast kernels in Im2Col.swift against these.

/// Calls `body(row, column, n, ih, iw, c)` for every element of the im2col matrix of a batch of `batch`
/// samples that comes from inside the image: `cols[row, column] = x[n, ih, iw, c]`.
private func forEachColumnElement(of g: WindowGeometry, batch: Int,
                                  _ body: (_ row: Int, _ column: Int, _ n: Int, _ ih: Int, _ iw: Int, _ c: Int) -> Void) {
    for n in 0..<batch {
        for oh in 0..<g.outputHeight {
            for ow in 0..<g.outputWidth {
                let row = (n * g.outputHeight + oh) * g.outputWidth + ow
                for kh in 0..<g.windowHeight {
                    for kw in 0..<g.windowWidth {
                        guard let cell = g.inputCell(output: oh, ow, window: kh, kw) else { continue }
                        for c in 0..<g.channels {
                            body(row, (kh * g.windowWidth + kw) * g.channels + c, n, cell.row, cell.column, c)
                        }
                    }
                }
            }
        }
    }
}

/// im2col by definition: `cols[(n·OH + oh)·OW + ow, (kh·KW + kw)·C + c] = x[n, oh·SH − padTop + kh,
/// ow·SW − padLeft + kw, c]`, or 0 where that cell lies outside the image.
func im2colReference(_ x: Tensor, geometry g: WindowGeometry) -> Tensor {
    let batch = x.shape[0]
    var columns = Tensor(shape: [batch * g.outputPositions, g.patchLength])
    forEachColumnElement(of: g, batch: batch) { row, column, n, ih, iw, c in
        columns[row, column] = x[n, ih, iw, c]
    }
    return columns
}

/// col2im by definition: every element of `columns` added to the input cell im2col took it from.
func col2imReference(_ columns: Tensor, geometry g: WindowGeometry) -> Tensor {
    let batch = columns.shape[0] / g.outputPositions
    var x = Tensor(shape: [batch] + g.inputSampleShape)
    forEachColumnElement(of: g, batch: batch) { row, column, n, ih, iw, c in
        x[n, ih, iw, c] += columns[row, column]
    }
    return x
}
