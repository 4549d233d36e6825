// x: [N,H,W,C], w: [KH,KW,C,M], b: [C·M] → y: [N,OH,OW,C·M]; dy like y → dx like x, dw like w, db like b
// Output channel o = c·M + m convolves input channel c alone with the kernel slice w[·,·,c,m]:
// y[n,oh,ow,o] = b[o] + Σ x[n, oh·SH − padTop + kh, ow·SW − padLeft + kw, o / M] · w[kh,kw,o] over the
// window cells inside the image (padding reads as zero), w viewed as [KH,KW,C·M]. In that view the
// kernel's row for a window cell lines up with the output's channels, so the inner loops run along
// channels, contiguous in x, w, y and their gradients. Each channel's products are a handful per
// output, too few for a matrix product to pay.
// The kernels take whole-batch pointers and compute a range of output rows (forward) or of samples
// (backward), so that a layer can split a batch across threads.

/// The depthwise convolution of output rows `outputRows` (row r is sample r / OH, output row r % OH),
/// with the bias `b` added (none when nil) and `activation` applied.
func depthwiseConvolve(_ x: UnsafePointer<Float>, kernel w: UnsafePointer<Float>, bias b: UnsafePointer<Float>?,
                       depthMultiplier: Int, activation: Activation, geometry g: WindowGeometry,
                       outputRows: Range<Int>, into y: UnsafeMutablePointer<Float>) {
    let channels = g.channels, outputChannels = channels &* depthMultiplier
    for outputRow in outputRows {
        let n = outputRow / g.outputHeight, oh = outputRow % g.outputHeight
        let image = x + n &* g.inputSampleCount
        let vertical = g.rowSpan(ofOutputRow: oh)
        let row = y + outputRow &* g.outputWidth &* outputChannels
        for ow in 0..<g.outputWidth {
            let horizontal = g.columnSpan(ofOutputColumn: ow)
            let sums = row + ow &* outputChannels
            sums.update(repeating: 0, count: outputChannels)
            for kh in vertical.lower..<vertical.upper {
                for kw in horizontal.lower..<horizontal.upper {
                    let cell = ((vertical.first &+ kh) &* g.inputWidth &+ horizontal.first &+ kw) &* channels
                    let weights = w + (kh &* g.windowWidth &+ kw) &* outputChannels
                    if depthMultiplier == 1 {
                        for c in 0..<channels { sums[c] += image[cell &+ c] * weights[c] }
                    } else {
                        var o = 0
                        for c in 0..<channels {
                            let value = image[cell &+ c]
                            for _ in 0..<depthMultiplier {
                                sums[o] += value * weights[o]
                                o &+= 1
                            }
                        }
                    }
                }
            }
        }
        addBias(b, thenApply: activation, toRows: row, count: g.outputWidth, width: outputChannels)
    }
}

/// The backward pass of samples `samples`, given the outputs `y` of the forward pass and the gradient `dy`
/// with respect to them: sets `dw` and `db` (nil without a bias) to these samples' kernel and bias
/// gradients, and overwrites their input gradient in `dx` when it is given.
///
/// `scratch` holds one sample's gradient with respect to the pre-activation outputs (OH·OW·C·M floats);
/// a linear activation does not use it.
func depthwiseConvolutionBackward(_ x: UnsafePointer<Float>, kernel w: UnsafePointer<Float>,
                                  output y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                  activation: Activation, depthMultiplier: Int, geometry g: WindowGeometry,
                                  samples: Range<Int>, scratch: UnsafeMutablePointer<Float>,
                                  kernelGradient dw: UnsafeMutablePointer<Float>,
                                  biasGradient db: UnsafeMutablePointer<Float>?,
                                  inputGradient dx: UnsafeMutablePointer<Float>?) {
    let channels = g.channels, outputChannels = channels &* depthMultiplier
    let sampleCount = g.inputSampleCount, outputCount = g.outputPositions &* outputChannels
    dw.update(repeating: 0, count: g.windowHeight &* g.windowWidth &* outputChannels)
    db?.update(repeating: 0, count: outputChannels)
    for n in samples {
        let image = x + n &* sampleCount
        let dz: UnsafePointer<Float>
        if activation == .linear {
            dz = dy + n &* outputCount
            if let db { addColumnSums(of: dz, rows: g.outputPositions, width: outputChannels, to: db) }
        } else {
            activationGradient(dy + n &* outputCount, output: y + n &* outputCount, activation: activation,
                               rows: g.outputPositions, width: outputChannels, into: scratch, addingColumnSumsTo: db)
            dz = UnsafePointer(scratch)
        }
        let imageGradient = dx.map { $0 + n &* sampleCount }
        imageGradient?.update(repeating: 0, count: sampleCount)
        for oh in 0..<g.outputHeight {
            let vertical = g.rowSpan(ofOutputRow: oh)
            for ow in 0..<g.outputWidth {
                let horizontal = g.columnSpan(ofOutputColumn: ow)
                let gradients = dz + (oh &* g.outputWidth &+ ow) &* outputChannels
                for kh in vertical.lower..<vertical.upper {
                    for kw in horizontal.lower..<horizontal.upper {
                        let cell = ((vertical.first &+ kh) &* g.inputWidth &+ horizontal.first &+ kw) &* channels
                        let offset = (kh &* g.windowWidth &+ kw) &* outputChannels
                        accumulateCellGradients(values: image + cell, gradients: gradients, weights: w + offset,
                                                channels: channels, depthMultiplier: depthMultiplier,
                                                kernelGradient: dw + offset, inputGradient: imageGradient.map { $0 + cell })
                    }
                }
            }
        }
    }
}

/// One window cell's share of the backward pass: `dw[o] += x[o / M] · dz[o]` and, when `dx` is given,
/// `dx[c] += Σₘ w[c·M + m] · dz[c·M + m]`.
@inline(__always)
private func accumulateCellGradients(values x: UnsafePointer<Float>, gradients dz: UnsafePointer<Float>,
                                     weights w: UnsafePointer<Float>, channels: Int, depthMultiplier: Int,
                                     kernelGradient dw: UnsafeMutablePointer<Float>,
                                     inputGradient dx: UnsafeMutablePointer<Float>?) {
    if depthMultiplier == 1 {
        for c in 0..<channels { dw[c] += x[c] * dz[c] }
        if let dx {
            for c in 0..<channels { dx[c] += w[c] * dz[c] }
        }
        return
    }
    var o = 0
    for c in 0..<channels {
        let value = x[c]
        var sum: Float = 0
        for _ in 0..<depthMultiplier {
            dw[o] += value * dz[o]
            sum += w[o] * dz[o]
            o &+= 1
        }
        dx?[c] += sum
    }
}
