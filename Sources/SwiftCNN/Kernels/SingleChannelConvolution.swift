// x: [N,H,W,1], w: [KH,KW,1,F], b: [F] → y: [N,OH,OW,F], F a multiple of 16, 3×3 or 5×5 windows;
// with 2×2 max pooling fused: pooled and winners [N,OH/2,OW/2,F]. dy like y, dpooled like pooled,
// dw like w. Naive references: `convolutionReference`, `convolutionParameterGradientsReference`.
// A convolution over one input channel (a first layer on grey images) has only KH·KW terms per output:
// too thin a product for a matrix multiply to run well, and not worth unrolling into im2col. Its
// kernels are C (`CVectorKernels`), because they need AVX-512 and FMA, which Swift code in a library
// cannot ask for; this file is the only one that calls them.

import CVectorKernels

/// The instruction sets the vector kernels are compiled for.
enum VectorInstructions: CaseIterable, Sendable {
    /// The processor's base instructions (SSE2 on x86-64, NEON on ARM).
    case baseline
    /// AVX2 with fused multiply-add: 8 floats per register.
    case avx2
    /// AVX-512 (F, DQ, BW, VL) with fused multiply-add: 16 floats per register.
    case avx512

    /// The widest set this CPU runs.
    static let best: VectorInstructions = allCases.last(where: \.isSupported) ?? .baseline

    /// Whether this CPU (and its operating system) runs these instructions.
    var isSupported: Bool {
        let features = CPUFeatures.current
        switch self {
        case .baseline: return true
        case .avx2: return features.isSuperset(of: [.avx2, .fma])
        case .avx512: return features.isSuperset(of: [.avx2, .fma, .avx512F, .avx512DQ, .avx512BW, .avx512VL])
        }
    }

    fileprivate var isa: cnn_isa {
        switch self {
        case .baseline: return cnn_isa_baseline
        case .avx2: return cnn_isa_avx2
        case .avx512: return cnn_isa_avx512
        }
    }
}

/// One pass of a single-channel convolution: its geometry, weights and activation, and the kernels
/// that run it over ranges of rows or samples, so that layers can split a batch across threads. Each
/// thread hands its own scratch of ``scratchFloats`` floats.
struct SingleChannelConvolution {
    let geometry: WindowGeometry
    let filters: Int
    let kernel: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    let activation: Activation
    var instructions = VectorInstructions.best

    /// Whether these kernels can run a convolution with this geometry and filter count.
    static func applies(to g: WindowGeometry, filters: Int) -> Bool {
        g.channels == 1 && filters % 16 == 0 && g.windowHeight == g.windowWidth
            && (g.windowHeight == 3 || g.windowHeight == 5)
    }

    /// Whether a max pooling of this convolution's output over `poolSize` windows moved by `strides` can
    /// run inside the convolution: 2×2 windows tiling the output without padding, after an activation
    /// that the maximum commutes with and whose derivative the pooled value gives.
    static func fusesMaxPool(poolSize: (height: Int, width: Int), strides: (height: Int, width: Int),
                             padding: Padding, after activation: Activation) -> Bool {
        poolSize == (2, 2) && strides == (2, 2) && padding == .valid
            && (activation == .relu || activation == .linear)
    }

    /// Floats of scratch each thread needs: a zero-padded copy of one image when the layer pads, and for
    /// the unpooled gradients one image's activation gradient.
    var scratchFloats: Int {
        (needsPadding ? cacheLineAligned(floats: paddedHeight * paddedWidth) : 0)
            + (activation == .linear ? 0 : geometry.outputPositions * filters)
    }

    private var paddedHeight: Int { (geometry.outputHeight - 1) * geometry.strideHeight + geometry.windowHeight }
    private var paddedWidth: Int { (geometry.outputWidth - 1) * geometry.strideWidth + geometry.windowWidth }

    /// Whether some window reaches outside the image, so that the kernels, which read every cell of
    /// every window, need a padded copy.
    private var needsPadding: Bool {
        geometry.padTop > 0 || geometry.padLeft > 0
            || paddedHeight > geometry.inputHeight || paddedWidth > geometry.inputWidth
    }

    private var description: cnn_single_channel {
        cnn_single_channel(
            kernel: kernel, bias: bias, row_stride: needsPadding ? paddedWidth : geometry.inputWidth,
            kernel_height: Int32(geometry.windowHeight), kernel_width: Int32(geometry.windowWidth),
            stride_height: Int32(geometry.strideHeight), stride_width: Int32(geometry.strideWidth),
            output_width: Int32(geometry.outputWidth), filters: Int32(filters), relu: activation == .relu ? 1 : 0)
    }

    /// Sample `n` of `x`, or its zero-padded copy in `scratch`.
    private func image(_ n: Int, of x: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let g = geometry, source = x + n &* g.inputHeight &* g.inputWidth
        guard needsPadding else { return source }
        scratch.update(repeating: 0, count: paddedHeight &* paddedWidth)
        let rows = Swift.min(g.inputHeight, paddedHeight &- g.padTop), columns = Swift.min(g.inputWidth, paddedWidth &- g.padLeft)
        for row in 0..<rows {
            let destination: UnsafeMutablePointer<Float> = scratch + ((row &+ g.padTop) &* paddedWidth &+ g.padLeft)
            destination.update(from: source + row &* g.inputWidth, count: columns)
        }
        return UnsafePointer(scratch)
    }

    /// Calls `body(n, first, count)` for the parts of `rows` (rows r of sample r / height) in each sample.
    private func forEachSample(in rows: Range<Int>, height: Int, _ body: (Int, Int, Int) -> Void) {
        var row = rows.lowerBound
        while row < rows.upperBound {
            let n = row / height, first = row % height, count = Swift.min(height &- first, rows.upperBound &- row)
            body(n, first, count)
            row &+= count
        }
    }

    /// `y = activation(conv(x, w) + b)` for output rows `rows` (row r is sample r / OH, row r % OH).
    func convolve(_ x: UnsafePointer<Float>, outputRows rows: Range<Int>, into y: UnsafeMutablePointer<Float>,
                  scratch: UnsafeMutablePointer<Float>) {
        var c = description
        let rowLength = geometry.outputWidth &* filters
        forEachSample(in: rows, height: geometry.outputHeight) { n, first, count in
            let output = y + (n &* geometry.outputHeight &+ first) &* rowLength
            cnn_convolve_rows(instructions.isa, &c, image(n, of: x, scratch: scratch), Int32(first), Int32(count), output)
            if activation != .relu { activation.apply(output, count: count &* rowLength) }
        }
    }

    /// The convolution followed by 2×2 max pooling, for pooled rows `rows` (row r is sample r / (OH/2)):
    /// `pooled` gets each window's largest output, `winners` which of its four cells that was (0–3,
    /// row-major, the first on ties).
    func convolveAndMaxPool(_ x: UnsafePointer<Float>, pooledRows rows: Range<Int>, into pooled: UnsafeMutablePointer<Float>,
                            winners: UnsafeMutablePointer<UInt8>, scratch: UnsafeMutablePointer<Float>) {
        var c = description
        let height = geometry.outputHeight / 2, rowLength = geometry.outputWidth / 2 &* filters
        forEachSample(in: rows, height: height) { n, first, count in
            let offset = (n &* height &+ first) &* rowLength
            cnn_convolve_max_pool_rows(instructions.isa, &c, image(n, of: x, scratch: scratch), Int32(first), Int32(count),
                                       pooled + offset, winners + offset)
        }
    }

    /// The parameter gradients over samples `samples`: `dw = Σ x-window ⊗ dz` and `db = Σ dz`, where `dz` is
    /// `dy` times the activation's derivative at the output `y`. Both are overwritten.
    func parameterGradients(_ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                            samples: Range<Int>, kernelGradient dw: UnsafeMutablePointer<Float>,
                            biasGradient db: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>) {
        var c = description
        startSums(dw, db)
        let imageSize = geometry.outputPositions &* filters
        let dz = scratch + (needsPadding ? cacheLineAligned(floats: paddedHeight * paddedWidth) : 0)
        for n in samples {
            var gradient = dy + n &* imageSize
            if activation != .linear {
                activationGradient(gradient, output: y + n &* imageSize, activation: activation,
                                   rows: geometry.outputPositions, width: filters, into: dz, addingColumnSumsTo: nil)
                gradient = UnsafePointer(dz)
            }
            cnn_convolution_gradients(instructions.isa, &c, image(n, of: x, scratch: scratch),
                                      Int32(geometry.outputHeight), gradient, dw, db)
        }
    }

    /// The parameter gradients through the fused max pooling over samples `samples`, from the pooled
    /// outputs' gradient and the forward pass's `pooled` and `winners`. Both are overwritten.
    func maxPoolParameterGradients(_ x: UnsafePointer<Float>, pooledGradient dpooled: UnsafePointer<Float>,
                                   pooled: UnsafePointer<Float>, winners: UnsafePointer<UInt8>, samples: Range<Int>,
                                   kernelGradient dw: UnsafeMutablePointer<Float>, biasGradient db: UnsafeMutablePointer<Float>?,
                                   scratch: UnsafeMutablePointer<Float>) {
        var c = description
        startSums(dw, db)
        let height = geometry.outputHeight / 2, imageSize = height &* (geometry.outputWidth / 2) &* filters
        for n in samples {
            let offset = n &* imageSize
            cnn_convolution_max_pool_gradients(instructions.isa, &c, image(n, of: x, scratch: scratch), Int32(height),
                                               dpooled + offset, pooled + offset, winners + offset, dw, db)
        }
    }

    private func startSums(_ dw: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>?) {
        dw.update(repeating: 0, count: geometry.windowHeight &* geometry.windowWidth &* filters)
        db?.update(repeating: 0, count: filters)
    }
}
