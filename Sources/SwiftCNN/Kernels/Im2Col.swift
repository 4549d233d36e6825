// x: [N,H,W,C] ⇄ cols: [N·OH·OW, KH·KW·C], row (n, oh, ow), column (kh, kw, c).
// A convolution becomes one matrix product, cols · w with w: [KH,KW,C,F] viewed as [KH·KW·C, F].
// In NHWC, the KW·C values a window takes from one image row are contiguous in x and in cols, so both
// kernels move whole row segments and only clip them at the border.

/// Unrolls every window of `x` into a row of `columns`: the im2col matrix `[N·OH·OW, KH·KW·C]`, with
/// zeros where a window reaches into the padding. `columns` is a workspace, reused when possible.
func im2col(_ x: Tensor, geometry: WindowGeometry, into columns: inout Tensor) {
    precondition(geometry.acceptsInput(x),
                 "im2col expects inputs of shape [N] + \(geometry.inputSampleShape), got \(x.shape)")
    let batch = x.shape[0]
    columns.prepare(batch: batch * geometry.outputPositions, sampleShape: geometry.patchShape)
    let source = x.storage.pointer, destination = columns.storage.pointer
    let g = geometry
    let sampleCount = g.inputSampleCount, patchLength = g.patchLength
    let segmentLength = g.windowWidth &* g.channels
    parallelFor(chunksOf: 0..<(batch * g.outputHeight), minimumChunk: 8) { imageRows in
        for imageRow in imageRows {
            let n = imageRow / g.outputHeight, oh = imageRow % g.outputHeight
            let image = source + n &* sampleCount
            let vertical = g.rowSpan(ofOutputRow: oh)
            var patch = destination + imageRow &* g.outputWidth &* patchLength
            for ow in 0..<g.outputWidth {
                let horizontal = g.columnSpan(ofOutputColumn: ow)
                let lead = horizontal.lower &* g.channels
                let length = (horizontal.upper &- horizontal.lower) &* g.channels
                for kh in 0..<g.windowHeight {
                    let segment = patch + kh &* segmentLength
                    guard kh >= vertical.lower, kh < vertical.upper else {
                        segment.update(repeating: 0, count: segmentLength)
                        continue
                    }
                    let ih = vertical.first &+ kh
                    let start = image + (ih &* g.inputWidth &+ horizontal.first &+ horizontal.lower) &* g.channels
                    for i in 0..<lead { segment[i] = 0 }
                    for i in 0..<length { segment[lead &+ i] = start[i] }
                    for i in (lead &+ length)..<segmentLength { segment[i] = 0 }
                }
                patch += patchLength
            }
        }
    }
}

/// The adjoint of ``im2col(_:geometry:into:)``: sums every row of `columns` back onto the window it came
/// from, giving `x` of shape `[N, H, W, C]`. Overlapping windows accumulate; padding cells are dropped.
/// `x` is a workspace, reused when possible, and fully overwritten.
func col2im(_ columns: Tensor, geometry: WindowGeometry, into x: inout Tensor) {
    let g = geometry
    precondition(columns.rank == 2 && columns.shape[1] == g.patchLength
                 && columns.shape[0] % g.outputPositions == 0,
                 "col2im expects columns of shape [N·\(g.outputPositions), \(g.patchLength)], got \(columns.shape)")
    let batch = columns.shape[0] / g.outputPositions
    x.prepare(batch: batch, sampleShape: g.inputSampleShape)
    let source = columns.storage.pointer, destination = x.storage.pointer
    let sampleCount = g.inputSampleCount, patchLength = g.patchLength
    let segmentLength = g.windowWidth &* g.channels
    // Samples own disjoint parts of x, so threads split the batch and never write the same cell.
    parallelFor(chunksOf: 0..<batch) { samples in
        for n in samples {
            let image = destination + n &* sampleCount
            image.update(repeating: 0, count: sampleCount)
            var patch = source + n &* g.outputPositions &* patchLength
            for oh in 0..<g.outputHeight {
                let vertical = g.rowSpan(ofOutputRow: oh)
                for ow in 0..<g.outputWidth {
                    let horizontal = g.columnSpan(ofOutputColumn: ow)
                    let lead = horizontal.lower &* g.channels
                    let length = (horizontal.upper &- horizontal.lower) &* g.channels
                    for kh in vertical.lower..<vertical.upper {
                        let segment = patch + (kh &* segmentLength &+ lead)
                        let ih = vertical.first &+ kh
                        let start = image + (ih &* g.inputWidth &+ horizontal.first &+ horizontal.lower) &* g.channels
                        for i in 0..<length { start[i] += segment[i] }
                    }
                    patch += patchLength
                }
            }
        }
    }
}
