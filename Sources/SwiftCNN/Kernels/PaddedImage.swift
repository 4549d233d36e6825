// x: [N,H,W,C] → one sample [PH,PW,C], zero-padded so that every window of the geometry lies inside it:
// PH = (OH−1)·SH + KH rows, PW = (OW−1)·SW + KW columns, the image placed padTop rows down and padLeft right.

import CVectorKernels

/// The samples as the direct convolution kernels read them: kernels that read every cell of every
/// window, with no test for the border, need a zero-padded copy of a sample when the layer pads.
struct PaddedImage {
    let geometry: WindowGeometry

    /// Rows of the padded sample.
    var height: Int { (geometry.outputHeight - 1) * geometry.strideHeight + geometry.windowHeight }
    /// Columns of the padded sample.
    var width: Int { (geometry.outputWidth - 1) * geometry.strideWidth + geometry.windowWidth }

    /// Whether some window reaches outside the image, so that the kernels need the padded copy.
    var isNeeded: Bool {
        geometry.padTop > 0 || geometry.padLeft > 0 || height > geometry.inputHeight || width > geometry.inputWidth
    }

    /// Floats of scratch ``sample(_:of:scratch:)`` writes: none when no padding is needed.
    var scratchFloats: Int { isNeeded ? cacheLineAligned(floats: height * width * geometry.channels) : 0 }

    /// Floats from one row of the sample the kernels read to the next.
    var rowStride: Int { (isNeeded ? width : geometry.inputWidth) * geometry.channels }

    /// Sample `n` of `x`, or its zero-padded copy in `scratch` (``scratchFloats`` floats).
    func sample(_ n: Int, of x: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let g = geometry, source = x + n &* g.inputSampleCount
        guard isNeeded else { return source }
        let channels = g.channels, paddedRow = width &* channels
        scratch.update(repeating: 0, count: height &* paddedRow)
        let rows = Swift.min(g.inputHeight, height &- g.padTop), columns = Swift.min(g.inputWidth, width &- g.padLeft)
        for row in 0..<rows {
            let destination = scratch + ((row &+ g.padTop) &* paddedRow &+ g.padLeft &* channels)
            destination.update(from: source + row &* g.inputWidth &* channels, count: columns &* channels)
        }
        return UnsafePointer(scratch)
    }

    /// Calls `body` with how a kernel that pads as it reads finds the rows of the padded sample (the
    /// sample as it lies, and where it sits in the padded one), or with nil when nothing needs padding.
    func withDescription<Result>(_ body: (UnsafePointer<cnn_padding>?) -> Result) -> Result {
        guard isNeeded else { return body(nil) }
        let g = geometry
        var description = cnn_padding(row_stride: g.inputWidth &* g.channels, height: Int32(g.inputHeight),
                                      width: Int32(g.inputWidth), pad_top: Int32(g.padTop), pad_left: Int32(g.padLeft))
        return withUnsafePointer(to: &description) { body($0) }
    }
}

/// Calls `body(n, first, count)` for the part of `rows` (row r is row r % height of sample r / height) in
/// each sample.
func forEachSample(in rows: Range<Int>, height: Int, _ body: (Int, Int, Int) -> Void) {
    var row = rows.lowerBound
    while row < rows.upperBound {
        let n = row / height, first = row % height, count = Swift.min(height &- first, rows.upperBound &- row)
        body(n, first, count)
        row &+= count
    }
}
