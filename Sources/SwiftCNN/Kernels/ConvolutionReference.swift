// x: [N,H,W,C], w: [KH,KW,C,F], b: [F] → y: [N,OH,OW,F]; dz like y → dw like w, db like b
// Direct convolution (cross-correlation, as in every deep-learning library) and its parameter gradients,
// one output at a time. Slow on purpose: tests check Conv2D's im2col + GEMM path and the single-channel
// kernels against them.

/// `y[n, oh, ow, f] = b[f] + Σ x[n, oh·SH − padTop + kh, ow·SW − padLeft + kw, c] · w[kh, kw, c, f]`
/// over the window cells inside the image (padding contributes zeros).
func convolutionReference(_ x: Tensor, kernel: Tensor, bias: Tensor?, geometry g: WindowGeometry) -> Tensor {
    let batch = x.shape[0], filters = kernel.shape[3]
    var y = Tensor(shape: [batch, g.outputHeight, g.outputWidth, filters])
    for n in 0..<batch {
        for oh in 0..<g.outputHeight {
            for ow in 0..<g.outputWidth {
                for f in 0..<filters {
                    var sum = Double(bias?[f] ?? 0)
                    for kh in 0..<g.windowHeight {
                        for kw in 0..<g.windowWidth {
                            guard let cell = g.inputCell(output: oh, ow, window: kh, kw) else { continue }
                            for c in 0..<g.channels {
                                sum += Double(x[n, cell.row, cell.column, c]) * Double(kernel[kh, kw, c, f])
                            }
                        }
                    }
                    y[n, oh, ow, f] = Float(sum)
                }
            }
        }
    }
    return y
}

/// The parameter gradients of a convolution by definition, given the gradient `dz` ([N,OH,OW,F]) of its
/// pre-activation outputs: `dw[kh, kw, c, f] = Σ x[n, oh·SH − padTop + kh, ow·SW − padLeft + kw, c] ·
/// dz[n, oh, ow, f]` over the window cells inside the image, and `db[f] = Σ dz[n, oh, ow, f]`.
func convolutionParameterGradientsReference(_ x: Tensor, outputGradient dz: Tensor,
                                            geometry g: WindowGeometry) -> (kernel: Tensor, bias: Tensor) {
    let batch = x.shape[0], filters = dz.shape[3]
    var kernel = Tensor(shape: [g.windowHeight, g.windowWidth, g.channels, filters])
    var bias = Tensor(shape: [filters])
    for f in 0..<filters {
        var biasSum = 0.0
        for n in 0..<batch {
            for oh in 0..<g.outputHeight {
                for ow in 0..<g.outputWidth { biasSum += Double(dz[n, oh, ow, f]) }
            }
        }
        bias[f] = Float(biasSum)
        for kh in 0..<g.windowHeight {
            for kw in 0..<g.windowWidth {
                for c in 0..<g.channels {
                    var sum = 0.0
                    for n in 0..<batch {
                        for oh in 0..<g.outputHeight {
                            for ow in 0..<g.outputWidth {
                                guard let cell = g.inputCell(output: oh, ow, window: kh, kw) else { continue }
                                sum += Double(x[n, cell.row, cell.column, c]) * Double(dz[n, oh, ow, f])
                            }
                        }
                    }
                    kernel[kh, kw, c, f] = Float(sum)
                }
            }
        }
    }
    return (kernel, bias)
}
