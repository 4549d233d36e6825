// x: [N,H,W,C] ⇄ cols: [N·OH·OW, KH·KW·C], row (n, oh, ow), column (kh, kw, c).
// A convolution becomes one matrix product, cols · w with w: [KH,KW,C,F] viewed as [KH·KW·C, F].
// In NHWC, the KW·C values a window takes from one image row are contiguous in x and in cols, so both
// kernels move whole row segments and only clip them at the border.
// The block kernels fill or read part of the matrix — a range of image rows, or of samples — so that a
// layer can unroll a few rows at a time into a buffer that stays in cache for the product that uses it.

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
