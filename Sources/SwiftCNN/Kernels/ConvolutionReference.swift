// x: [N,H,W,C], w: [KH,KW,C,F], b: [F] → y: [N,OH,OW,F]
// Direct convolution (cross-correlation, as in every deep-learning library), one output at a time.
// Slow on purpose: tests check Conv2D's im2col + GEMM path against it.

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
                            let ih = oh * g.strideHeight - g.padTop + kh
                            let iw = ow * g.strideWidth - g.padLeft + kw
                            guard (0..<g.inputHeight).contains(ih), (0..<g.inputWidth).contains(iw) else { continue }
                            for c in 0..<g.channels {
                                sum += Double(x[n, ih, iw, c]) * Double(kernel[kh, kw, c, f])
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
