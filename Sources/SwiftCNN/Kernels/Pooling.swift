// x: [N,H,W,C] → y: [N,OH,OW,C], each channel pooled on its own over the window cells inside the image
// (padding cells are ignored, as in Keras: they never win a max and never count in an average).
// argmax: one entry per element of y, the offset within its sample of x where the maximum came from.
// In NHWC the C channels of a cell are contiguous, so the inner loops run over channels.
// The kernels take whole-batch pointers and compute a range of output rows (forward) or of samples
// (backward), so that layers can split a batch across threads.

/// Max pooling of output rows `outputRows` (row r is sample r / OH, output row r % OH).
///
/// Each full group of 16 channels keeps its running maximum and winner in SIMD registers over the window
/// and is stored once; the channels after the last full group are blended cell by cell in memory.
func maxPool(_ x: UnsafePointer<Float>, geometry g: WindowGeometry, outputRows: Range<Int>,
             into y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>) {
    let sampleCount = g.inputSampleCount, channels = g.channels, groupedChannels = channels / 16 &* 16
    let lanes = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    for outputRow in outputRows {
        let n = outputRow / g.outputHeight, oh = outputRow % g.outputHeight
        let image = x + n &* sampleCount
        let vertical = g.rowSpan(ofOutputRow: oh)
        var offset = outputRow &* g.outputWidth &* channels
        for ow in 0..<g.outputWidth {
            let horizontal = g.columnSpan(ofOutputColumn: ow)
            let firstCell = ((vertical.first &+ vertical.lower) &* g.inputWidth
                             &+ horizontal.first &+ horizontal.lower) &* channels
            for group in stride(from: 0, to: groupedChannels, by: 16) {
                var best = UnsafeRawPointer(image + (firstCell &+ group)).loadUnaligned(as: SIMD16<Float>.self)
                var winner = lanes &+ Int32(truncatingIfNeeded: firstCell &+ group)
                for kh in vertical.lower..<vertical.upper {
                    for kw in horizontal.lower..<horizontal.upper {
                        let cell = ((vertical.first &+ kh) &* g.inputWidth &+ horizontal.first &+ kw) &* channels &+ group
                        let value = UnsafeRawPointer(image + cell).loadUnaligned(as: SIMD16<Float>.self)
                        let better = value .> best
                        best.replace(with: value, where: better)
                        winner.replace(with: lanes &+ Int32(truncatingIfNeeded: cell), where: better)
                    }
                }
                UnsafeMutableRawPointer(y + (offset &+ group)).storeBytes(of: best, as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(argmax + (offset &+ group)).storeBytes(of: winner, as: SIMD16<Int32>.self)
            }
            if groupedChannels < channels {
                maxPoolChannels(groupedChannels..<channels, of: image, geometry: g, vertical: vertical,
                                horizontal: horizontal, into: y + offset, argmax: argmax + offset)
            }
            offset &+= channels
        }
    }
}

/// The maxima and winners of `channels` over one window, blended cell by cell in `best` and `winner`
/// (this output position's values); for the channels after the last full group of 16.
@inline(never)
private func maxPoolChannels(_ channels: Range<Int>, of image: UnsafePointer<Float>, geometry g: WindowGeometry,
                             vertical: (first: Int, lower: Int, upper: Int),
                             horizontal: (first: Int, lower: Int, upper: Int),
                             into best: UnsafeMutablePointer<Float>, argmax winner: UnsafeMutablePointer<Int32>) {
    let firstCell = ((vertical.first &+ vertical.lower) &* g.inputWidth &+ horizontal.first &+ horizontal.lower) &* g.channels
    for c in channels {
        best[c] = image[firstCell &+ c]
        winner[c] = Int32(truncatingIfNeeded: firstCell &+ c)
    }
    for kh in vertical.lower..<vertical.upper {
        for kw in horizontal.lower..<horizontal.upper {
            let cell = ((vertical.first &+ kh) &* g.inputWidth &+ horizontal.first &+ kw) &* g.channels
            let values = image + cell, cellIndex = Int32(truncatingIfNeeded: cell)
            // Blending with a bit mask instead of `better ? value : current` keeps LLVM from turning the
            // stores into per-lane branches, so the loop vectorises.
            for c in channels {
                let value = values[c], current = best[c], currentWinner = winner[c]
                let keep: UInt32 = value > current ? 0 : ~0
                best[c] = Float(bitPattern: (current.bitPattern & keep) | (value.bitPattern & ~keep))
                let candidate = cellIndex &+ Int32(truncatingIfNeeded: c)
                winner[c] = (currentWinner & Int32(bitPattern: keep)) | (candidate & ~Int32(bitPattern: keep))
            }
        }
    }
}

/// The max-pooling gradient of samples `samples`, which it overwrites in `dx`.
func maxPoolBackward(_ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, geometry g: WindowGeometry,
                     samples: Range<Int>, into dx: UnsafeMutablePointer<Float>) {
    if g.tilesWithoutOverlap {
        scatterTiled(dy, winners: argmax, geometry: g, samples: samples, into: dx)
        return
    }
    let sampleCount = g.inputSampleCount, pooledCount = g.outputPositions &* g.channels
    for n in samples {
        let image = dx + n &* sampleCount
        image.update(repeating: 0, count: sampleCount)
        let gradients = dy + n &* pooledCount, winners = argmax + n &* pooledCount
        for i in 0..<pooledCount {
            image[Int(winners[i])] += gradients[i]
        }
    }
}

/// The max-pooling gradient for windows that tile the image without overlapping: each input cell
/// belongs to at most one window, so every cell is written once, in order — its window's gradient if it
/// won, else zero — instead of zeroing the image and scattering into it.
private func scatterTiled(_ gradients: UnsafePointer<Float>, winners: UnsafePointer<Int32>, geometry g: WindowGeometry,
                          samples: Range<Int>, into inputGradient: UnsafeMutablePointer<Float>) {
    let channels = g.channels, rowLength = g.inputWidth &* channels
    let coveredRows = g.outputHeight &* g.windowHeight, coveredLength = g.outputWidth &* g.windowWidth &* channels
    let sampleCount = g.inputSampleCount, pooledCount = g.outputPositions &* channels
    for n in samples {
        let image = inputGradient + n &* sampleCount
        let sampleGradients = gradients + n &* pooledCount, sampleWinners = winners + n &* pooledCount
        for ih in 0..<coveredRows {
            let row = image + ih &* rowLength
            let oh = ih / g.windowHeight
            var cell = ih &* rowLength
            for ow in 0..<g.outputWidth {
                let pooled = (oh &* g.outputWidth &+ ow) &* channels
                let gradient = sampleGradients + pooled, winner = sampleWinners + pooled
                for _ in 0..<g.windowWidth {
                    let destination = image + cell
                    let cellIndex = Int32(truncatingIfNeeded: cell)
                    for c in 0..<channels {
                        let keep: UInt32 = winner[c] == cellIndex &+ Int32(truncatingIfNeeded: c) ? ~0 : 0
                        destination[c] = Float(bitPattern: gradient[c].bitPattern & keep)
                    }
                    cell &+= channels
                }
            }
            (row + coveredLength).update(repeating: 0, count: rowLength &- coveredLength)
        }
        (image + coveredRows &* rowLength).update(repeating: 0, count: (g.inputHeight &- coveredRows) &* rowLength)
    }
}

/// Average pooling of output rows `outputRows` (row r is sample r / OH, output row r % OH).
func averagePool(_ x: UnsafePointer<Float>, geometry g: WindowGeometry, outputRows: Range<Int>,
                 into y: UnsafeMutablePointer<Float>) {
    let sampleCount = g.inputSampleCount, channels = g.channels
    for outputRow in outputRows {
        let n = outputRow / g.outputHeight, oh = outputRow % g.outputHeight
        let image = x + n &* sampleCount
        let vertical = g.rowSpan(ofOutputRow: oh)
        var mean = y + outputRow &* g.outputWidth &* channels
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

/// The average-pooling gradient of samples `samples`, which it overwrites in `dx`.
func averagePoolBackward(_ dy: UnsafePointer<Float>, geometry g: WindowGeometry, samples: Range<Int>,
                         into dx: UnsafeMutablePointer<Float>) {
    let sampleCount = g.inputSampleCount, channels = g.channels
    for n in samples {
        let image = dx + n &* sampleCount
        image.update(repeating: 0, count: sampleCount)
        var gradient = dy + n &* g.outputPositions &* channels
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
