// x: [N,H,W,C] ⇄ cols: [N·OH·OW, KH·KW·C], row (n, oh, ow), column (kh, kw, c).
// A convolution becomes one matrix product, cols · w with w: [KH,KW,C,F] viewed as [KH·KW·C, F].
// In NHWC, the KW·C values a window takes from one image row are contiguous in x and in cols, so both
// kernels move whole row segments and only clip them at the border.
// The block kernels fill or read part of the matrix — a range of image rows, or of samples — so that a
// layer can unroll a few rows at a time into a buffer that stays in cache for the product that uses it.

/// Unrolls every window of `x` into a row of `columns`: the im2col matrix `[N·OH·OW, KH·KW·C]`, with
/// zeros where a window reaches into the padding. `columns` is a workspace, reused when possible.
func im2col(_ x: Tensor, geometry: WindowGeometry, into columns: inout Tensor) {
    precondition(geometry.acceptsInput(x),
                 "im2col expects inputs of shape [N] + \(geometry.inputSampleShape), got \(x.shape)")
    let batch = x.shape[0]
    columns.prepare(batch: batch * geometry.outputPositions, sampleShape: geometry.patchShape)
    let source = x.storage.pointer, destination = columns.storage.pointer
    let rowLength = geometry.outputWidth * geometry.patchLength
    parallelFor(chunksOf: 0..<(batch * geometry.outputHeight), minimumChunk: 8) { imageRows in
        im2col(source, geometry: geometry, imageRows: imageRows,
               into: destination + imageRows.lowerBound &* rowLength)
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
    let sampleRows = g.outputPositions &* g.patchLength
    // Samples own disjoint parts of x, so threads split the batch and never write the same cell.
    parallelFor(chunksOf: 0..<batch) { samples in
        col2im(source + samples.lowerBound &* sampleRows, geometry: g, samples: samples, into: destination)
    }
}

/// The im2col rows of output image rows `imageRows` (row r is sample r / OH, output row r % OH) of the
/// batch at `x`, written from `columns` on: OW rows of the matrix per image row.
func im2col(_ x: UnsafePointer<Float>, geometry g: WindowGeometry, imageRows: Range<Int>,
            into columns: UnsafeMutablePointer<Float>) {
    let sampleCount = g.inputSampleCount, patchLength = g.patchLength
    let segmentLength = g.windowWidth &* g.channels
    var patch = columns
    for imageRow in imageRows {
        let n = imageRow / g.outputHeight, oh = imageRow % g.outputHeight
        let image = x + n &* sampleCount
        let vertical = g.rowSpan(ofOutputRow: oh)
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
                (segment + lead).update(from: start, count: length)
                for i in (lead &+ length)..<segmentLength { segment[i] = 0 }
            }
            patch += patchLength
        }
    }
}

/// The col2im of samples `samples`: their OH·OW rows each, read from `columns` on, are summed onto
/// their windows in the batch at `x`. Those samples of `x` are overwritten.
func col2im(_ columns: UnsafePointer<Float>, geometry g: WindowGeometry, samples: Range<Int>,
            into x: UnsafeMutablePointer<Float>) {
    let sampleCount = g.inputSampleCount, patchLength = g.patchLength
    let segmentLength = g.windowWidth &* g.channels
    var patch = columns
    for n in samples {
        let image = x + n &* sampleCount
        image.update(repeating: 0, count: sampleCount)
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
