// x: [N,H,W,C] ⇄ cols: [N·OH·OW, KH·KW·C], written straight from the definition, one element at a time.
// Slow on purpose: tests check the fast kernels in Im2Col.swift against these.

/// im2col by definition: `cols[(n·OH + oh)·OW + ow, (kh·KW + kw)·C + c] = x[n, oh·SH − padTop + kh,
/// ow·SW − padLeft + kw, c]`, or 0 where that cell lies outside the image.
func im2colReference(_ x: Tensor, geometry g: WindowGeometry) -> Tensor {
    let batch = x.shape[0]
    var columns = Tensor(shape: [batch * g.outputPositions, g.patchLength])
    for n in 0..<batch {
        for oh in 0..<g.outputHeight {
            for ow in 0..<g.outputWidth {
                for kh in 0..<g.windowHeight {
                    for kw in 0..<g.windowWidth {
                        let ih = oh * g.strideHeight - g.padTop + kh
                        let iw = ow * g.strideWidth - g.padLeft + kw
                        guard (0..<g.inputHeight).contains(ih), (0..<g.inputWidth).contains(iw) else { continue }
                        for c in 0..<g.channels {
                            let row = (n * g.outputHeight + oh) * g.outputWidth + ow
                            columns[row, (kh * g.windowWidth + kw) * g.channels + c] = x[n, ih, iw, c]
                        }
                    }
                }
            }
        }
    }
    return columns
}

/// col2im by definition: every element of `columns` added to the input cell im2col took it from.
func col2imReference(_ columns: Tensor, geometry g: WindowGeometry) -> Tensor {
    let batch = columns.shape[0] / g.outputPositions
    var x = Tensor(shape: [batch] + g.inputSampleShape)
    for n in 0..<batch {
        for oh in 0..<g.outputHeight {
            for ow in 0..<g.outputWidth {
                for kh in 0..<g.windowHeight {
                    for kw in 0..<g.windowWidth {
                        let ih = oh * g.strideHeight - g.padTop + kh
                        let iw = ow * g.strideWidth - g.padLeft + kw
                        guard (0..<g.inputHeight).contains(ih), (0..<g.inputWidth).contains(iw) else { continue }
                        for c in 0..<g.channels {
                            let row = (n * g.outputHeight + oh) * g.outputWidth + ow
                            x[n, ih, iw, c] += columns[row, (kh * g.windowWidth + kw) * g.channels + c]
                        }
                    }
                }
            }
        }
    }
    return x
}
