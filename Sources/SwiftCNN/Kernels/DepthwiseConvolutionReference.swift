// x: [N,H,W,C], w: [KH,KW,C,M], b: [C·M] → y: [N,OH,OW,C·M]; dz like y → dx like x, dw like w, db like b
// The depthwise convolution and its gradients straight from the definition, one element at a time, in
// Double. Slow on purpose: tests check the kernels in DepthwiseConvolution.swift against these.

/// `y[n, oh, ow, c·M + m] = b[c·M + m] + Σ x[n, oh·SH − padTop + kh, ow·SW − padLeft + kw, c] · w[kh, kw, c, m]`
/// over the window cells inside the image, before any activation.
func depthwiseConvolutionReference(_ x: Tensor, kernel: Tensor, bias: Tensor?, geometry g: WindowGeometry) -> Tensor {
    let batch = x.shape[0], multiplier = kernel.shape[3]
    var y = Tensor(shape: [batch, g.outputHeight, g.outputWidth, g.channels * multiplier])
    for n in 0..<batch {
        for oh in 0..<g.outputHeight {
            for ow in 0..<g.outputWidth {
                for c in 0..<g.channels {
                    for m in 0..<multiplier {
                        var sum = Double(bias?[c * multiplier + m] ?? 0)
                        for kh in 0..<g.windowHeight {
                            for kw in 0..<g.windowWidth {
                                guard let cell = g.inputCell(output: oh, ow, window: kh, kw) else { continue }
                                sum += Double(x[n, cell.row, cell.column, c]) * Double(kernel[kh, kw, c, m])
                            }
                        }
                        y[n, oh, ow, c * multiplier + m] = Float(sum)
                    }
                }
            }
        }
    }
    return y
}

/// The gradients of a depthwise convolution by definition, given the gradient `dz` ([N,OH,OW,C·M]) of its
/// pre-activation outputs: every product `x[n, ih, iw, c] · w[kh, kw, c, m]` that went into
/// `y[n, oh, ow, c·M + m]` sends `dz[n, oh, ow, c·M + m]` times the other factor to each factor's
/// gradient, and `db[c·M + m]` is the sum of `dz[·, ·, ·, c·M + m]`.
func depthwiseConvolutionGradientsReference(_ x: Tensor, kernel: Tensor, outputGradient dz: Tensor,
                                            geometry g: WindowGeometry) -> (input: Tensor, kernel: Tensor, bias: Tensor) {
    let batch = x.shape[0], multiplier = kernel.shape[3]
    var dx = [Double](repeating: 0, count: x.count)
    var dw = [Double](repeating: 0, count: kernel.count)
    var db = [Double](repeating: 0, count: g.channels * multiplier)
    for n in 0..<batch {
        for oh in 0..<g.outputHeight {
            for ow in 0..<g.outputWidth {
                for c in 0..<g.channels {
                    for m in 0..<multiplier {
                        let gradient = Double(dz[n, oh, ow, c * multiplier + m])
                        db[c * multiplier + m] += gradient
                        for kh in 0..<g.windowHeight {
                            for kw in 0..<g.windowWidth {
                                guard let cell = g.inputCell(output: oh, ow, window: kh, kw) else { continue }
                                let xIndex = x.offset(of: [n, cell.row, cell.column, c])
                                let wIndex = kernel.offset(of: [kh, kw, c, m])
                                dx[xIndex] += Double(kernel[kh, kw, c, m]) * gradient
                                dw[wIndex] += Double(x[n, cell.row, cell.column, c]) * gradient
                            }
                        }
                    }
                }
            }
        }
    }
    return (Tensor(shape: x.shape, scalars: dx.map { Float($0) }),
            Tensor(shape: kernel.shape, scalars: dw.map { Float($0) }),
            Tensor(shape: [g.channels * multiplier], scalars: db.map { Float($0) }))
}
