// x: [N,H,W,C] → y: [N,OH,OW,C], each channel pooled on its own over the window cells inside the image
// (padding cells are ignored, as in Keras: they never win a max and never count in an average).
// argmax: one entry per element of y, the offset within its sample of x where the maximum came from.
// In NHWC the C channels of a cell are contiguous, so the inner loops run over channels.

/// Max pooling of `x` into `y`, recording in `argmax` where each maximum came from, so the backward pass
/// scatters gradients without searching again. Ties go to the first cell in row-major order.
///
/// `y` and `argmax` are workspaces: reused when possible, and `argmax` only grows.
func maxPool(_ x: Tensor, geometry g: WindowGeometry, into y: inout Tensor, argmax: inout [Int32]) {
    precondition(g.acceptsInput(x), "maxPool expects inputs of shape [N] + \(g.inputSampleShape), got \(x.shape)")
    precondition(g.inputSampleCount <= Int(Int32.max),
                 "maxPool records argmax as 32-bit offsets; a sample of shape \(g.inputSampleShape) is too large")
    let batch = x.shape[0]
    y.prepare(batch: batch, sampleShape: g.pooledSampleShape)
    if argmax.count < y.count {
        argmax = [Int32](repeating: 0, count: y.count)
    }
    let source = x.storage.pointer, destination = y.storage.pointer
    let sampleCount = g.inputSampleCount, channels = g.channels
    argmax.withUnsafeMutableBufferPointer { argmax in
        let indices = argmax.baseAddress!
        parallelFor(chunksOf: 0..<(batch * g.outputHeight), minimumChunk: 8) { outputRows in
            for outputRow in outputRows {
                let n = outputRow / g.outputHeight, oh = outputRow % g.outputHeight
                let image = source + n &* sampleCount
                let vertical = g.rowSpan(ofOutputRow: oh)
                var offset = outputRow &* g.outputWidth &* channels
                for ow in 0..<g.outputWidth {
                    let horizontal = g.columnSpan(ofOutputColumn: ow)
                    let best = destination + offset, winner = indices + offset
                    let firstCell = ((vertical.first &+ vertical.lower) &* g.inputWidth
                                     &+ horizontal.first &+ horizontal.lower) &* channels
                    for c in 0..<channels {
                        best[c] = image[firstCell &+ c]
                        winner[c] = Int32(truncatingIfNeeded: firstCell &+ c)
                    }
                    for kh in vertical.lower..<vertical.upper {
                        for kw in horizontal.lower..<horizontal.upper {
                            let cell = ((vertical.first &+ kh) &* g.inputWidth &+ horizontal.first &+ kw) &* channels
                            let values = image + cell, cellIndex = Int32(truncatingIfNeeded: cell)
                            // Blending with a bit mask instead of `better ? value : current` keeps LLVM from
                            // turning the stores into per-lane branches, so the loop vectorises.
                            for c in 0..<channels {
                                let value = values[c], current = best[c], currentWinner = winner[c]
                                let keep: UInt32 = value > current ? 0 : ~0
                                best[c] = Float(bitPattern: (current.bitPattern & keep) | (value.bitPattern & ~keep))
                                let candidate = cellIndex &+ Int32(truncatingIfNeeded: c)
                                winner[c] = (currentWinner & Int32(bitPattern: keep)) | (candidate & ~Int32(bitPattern: keep))
                            }
                        }
                    }
                    offset &+= channels
                }
            }
        }
    }
}

/// The gradient of max pooling: each element of `outputGradient` goes to the input cell that won its
/// window in the forward pass (given by `argmax`), summed where one cell won several windows.
/// `inputGradient` is a workspace, reused when possible, and fully overwritten.
func maxPoolBackward(_ outputGradient: Tensor, argmax: [Int32], geometry g: WindowGeometry,
                     into inputGradient: inout Tensor) {
    precondition(g.acceptsOutput(outputGradient, channels: g.channels),
                 "maxPoolBackward expects gradients of shape [N] + \(g.pooledSampleShape), got \(outputGradient.shape)")
    precondition(argmax.count >= outputGradient.count,
                 "maxPoolBackward needs the argmax of a forward pass over \(outputGradient.shape[0]) samples")
    let batch = outputGradient.shape[0]
    inputGradient.prepare(batch: batch, sampleShape: g.inputSampleShape)
    let source = outputGradient.storage.pointer, destination = inputGradient.storage.pointer
    let sampleCount = g.inputSampleCount, pooledCount = g.outputPositions &* g.channels
    argmax.withUnsafeBufferPointer { argmax in
        let indices = argmax.baseAddress!
        parallelFor(chunksOf: 0..<batch) { samples in
            for n in samples {
                let image = destination + n &* sampleCount
                image.update(repeating: 0, count: sampleCount)
                let gradients = source + n &* pooledCount, winners = indices + n &* pooledCount
                for i in 0..<pooledCount {
                    image[Int(winners[i])] += gradients[i]
                }
            }
        }
    }
}

/// Average pooling of `x` into `y`: each output is the mean of the window cells inside the image.
/// `y` is a workspace, reused when possible.
func averagePool(_ x: Tensor, geometry g: WindowGeometry, into y: inout Tensor) {
    precondition(g.acceptsInput(x), "averagePool expects inputs of shape [N] + \(g.inputSampleShape), got \(x.shape)")
    let batch = x.shape[0]
    y.prepare(batch: batch, sampleShape: g.pooledSampleShape)
    let source = x.storage.pointer, destination = y.storage.pointer
    let sampleCount = g.inputSampleCount, channels = g.channels
    parallelFor(chunksOf: 0..<(batch * g.outputHeight), minimumChunk: 8) { outputRows in
        for outputRow in outputRows {
            let n = outputRow / g.outputHeight, oh = outputRow % g.outputHeight
            let image = source + n &* sampleCount
            let vertical = g.rowSpan(ofOutputRow: oh)
            var mean = destination + outputRow &* g.outputWidth &* channels
            for ow in 0..<g.outputWidth {
                let horizontal = g.columnSpan(ofOutputColumn: ow)
                mean.update(repeating: 0, count: channels)
                for kh in vertical.lower..<vertical.upper {
                    for kw in horizontal.lower..<horizontal.upper {
                        let values = image + ((vertical.first &+ kh) &* g.inputWidth &+ horizontal.first &+ kw) &* channels
                        for c in 0..<channels { mean[c] += values[c] }
                    }
                }
                let cells = (vertical.upper &- vertical.lower) &* (horizontal.upper &- horizontal.lower)
                let scale = 1 / Float(cells)
                for c in 0..<channels { mean[c] *= scale }
                mean += channels
            }
        }
    }
}

/// The gradient of average pooling: each element of `outputGradient`, divided by the number of cells its
/// window averaged, is added to each of those cells. `inputGradient` is a workspace, reused when
/// possible, and fully overwritten.
func averagePoolBackward(_ outputGradient: Tensor, geometry g: WindowGeometry, into inputGradient: inout Tensor) {
    precondition(g.acceptsOutput(outputGradient, channels: g.channels),
                 "averagePoolBackward expects gradients of shape [N] + \(g.pooledSampleShape), got \(outputGradient.shape)")
    let batch = outputGradient.shape[0]
    inputGradient.prepare(batch: batch, sampleShape: g.inputSampleShape)
    let source = outputGradient.storage.pointer, destination = inputGradient.storage.pointer
    let sampleCount = g.inputSampleCount, channels = g.channels
    parallelFor(chunksOf: 0..<batch) { samples in
        for n in samples {
            let image = destination + n &* sampleCount
            image.update(repeating: 0, count: sampleCount)
            var gradient = source + n &* g.outputPositions &* channels
            for oh in 0..<g.outputHeight {
                let vertical = g.rowSpan(ofOutputRow: oh)
                for ow in 0..<g.outputWidth {
                    let horizontal = g.columnSpan(ofOutputColumn: ow)
                    let cells = (vertical.upper &- vertical.lower) &* (horizontal.upper &- horizontal.lower)
                    let scale = 1 / Float(cells)
                    for kh in vertical.lower..<vertical.upper {
                        for kw in horizontal.lower..<horizontal.upper {
                            let values = image + ((vertical.first &+ kh) &* g.inputWidth &+ horizontal.first &+ kw) &* channels
                            for c in 0..<channels { values[c] += gradient[c] * scale }
                        }
                    }
                    gradient += channels
                }
            }
        }
    }
}
