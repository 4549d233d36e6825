// x: [N,H,W,C] seen through a KH×KW window moved by strides (SH, SW); output: [N,OH,OW,·].
// Output position (oh, ow) looks at rows oh·SH − padTop ..< oh·SH − padTop + KH and the matching
// columns; cells outside the image are padding (zero for convolution, ignored for pooling).

/// Where a sliding window lands on channels-last images: the geometry shared by im2col, col2im and
/// the pooling kernels.
///
/// Padding below and to the right is implied by the output size; only the padding before (top, left)
/// is needed to place a window. Every window overlaps the image in at least one cell, so a pooled value
/// always has something to pool.
struct WindowGeometry: Equatable, Sendable {
    let inputHeight: Int
    let inputWidth: Int
    let channels: Int
    let windowHeight: Int
    let windowWidth: Int
    let strideHeight: Int
    let strideWidth: Int
    let padTop: Int
    let padLeft: Int
    let outputHeight: Int
    let outputWidth: Int

    /// `[H, W, C]`: one input sample.
    let inputSampleShape: [Int]
    /// `[OH, OW, C]`: one pooled sample, which keeps the channels.
    let pooledSampleShape: [Int]

    init(inputHeight: Int, inputWidth: Int, channels: Int,
         windowHeight: Int, windowWidth: Int, strideHeight: Int, strideWidth: Int,
         padTop: Int, padLeft: Int, outputHeight: Int, outputWidth: Int) {
        precondition(inputHeight > 0 && inputWidth > 0 && channels > 0 && windowHeight > 0 && windowWidth > 0
                     && strideHeight > 0 && strideWidth > 0 && padTop >= 0 && padLeft >= 0
                     && padTop < windowHeight && padLeft < windowWidth
                     && outputHeight > 0 && outputWidth > 0
                     && (outputHeight - 1) * strideHeight - padTop < inputHeight
                     && (outputWidth - 1) * strideWidth - padLeft < inputWidth,
                     """
                     Invalid window geometry: input \(inputHeight)×\(inputWidth)×\(channels), window \
                     \(windowHeight)×\(windowWidth), strides \(strideHeight)×\(strideWidth), padding before \
                     \(padTop)×\(padLeft), output \(outputHeight)×\(outputWidth)
                     """)
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.channels = channels
        self.windowHeight = windowHeight
        self.windowWidth = windowWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padTop = padTop
        self.padLeft = padLeft
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        inputSampleShape = [inputHeight, inputWidth, channels]
        pooledSampleShape = [outputHeight, outputWidth, channels]
    }

    /// Elements in one input sample: H·W·C.
    var inputSampleCount: Int { inputHeight * inputWidth * channels }

    /// Window positions per sample: OH·OW.
    var outputPositions: Int { outputHeight * outputWidth }

    /// Elements in one window: KH·KW·C, the width of the im2col matrix.
    var patchLength: Int { windowHeight * windowWidth * channels }

    /// Whether every window is a single cell and they tile the image exactly, so the input, viewed as
    /// [N·H·W, C], already is its im2col matrix.
    var isPointwise: Bool {
        windowHeight == 1 && windowWidth == 1 && strideHeight == 1 && strideWidth == 1
            && padTop == 0 && padLeft == 0 && outputHeight == inputHeight && outputWidth == inputWidth
    }

    /// Whether the windows step by their own size from the top-left corner without padding, so that each
    /// cell of the image belongs to at most one window.
    var tilesWithoutOverlap: Bool {
        strideHeight == windowHeight && strideWidth == windowWidth && padTop == 0 && padLeft == 0
            && outputHeight * windowHeight <= inputHeight && outputWidth * windowWidth <= inputWidth
    }

    /// Whether `x` is a batch of inputs this geometry was made for: `[N, H, W, C]`.
    func acceptsInput(_ x: Tensor) -> Bool {
        x.rank == 4 && x.shape.dropFirst().elementsEqual(inputSampleShape)
    }

    /// The image cell under cell (`kh`, `kw`) of the window of output position (`oh`, `ow`), or nil when
    /// it lies in the padding: the definition the naive reference kernels are written from.
    func inputCell(output oh: Int, _ ow: Int, window kh: Int, _ kw: Int) -> (row: Int, column: Int)? {
        let row = oh * strideHeight - padTop + kh, column = ow * strideWidth - padLeft + kw
        guard (0..<inputHeight).contains(row), (0..<inputWidth).contains(column) else { return nil }
        return (row, column)
    }

    /// The image rows `firstRow ..< firstRow + count` that window row `outputRow` covers, clipped to the
    /// image: returned as window offsets `lower ..< upper` (0 ≤ lower ≤ upper ≤ KH) and the first image row.
    @inline(__always)
    func rowSpan(ofOutputRow outputRow: Int) -> (first: Int, lower: Int, upper: Int) {
        let first = outputRow &* strideHeight &- padTop
        return (first, Swift.max(0, 0 &- first), Swift.min(windowHeight, inputHeight &- first))
    }

    /// The clipped columns of window column `outputColumn`, like ``rowSpan(ofOutputRow:)``.
    @inline(__always)
    func columnSpan(ofOutputColumn outputColumn: Int) -> (first: Int, lower: Int, upper: Int) {
        let first = outputColumn &* strideWidth &- padLeft
        return (first, Swift.max(0, 0 &- first), Swift.min(windowWidth, inputWidth &- first))
    }
}
