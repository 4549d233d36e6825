// x: [N,H,W,C], w: [KH,KW,C,F], b: [F] → y: [N,OH,OW,F]; with 2×2 max pooling fused, pooled and winners:
// [N,OH/2,OW/2,F]. What the direct convolution kernels share.

import CVectorKernels

/// A convolution computed by a C kernel of `CVectorKernels` over ranges of output rows, so that a layer
/// can split a batch across threads: its geometry, weights and activation, the instruction set it runs
/// in, and the C kernel that computes its rows.
protocol DirectConvolution {
    var geometry: WindowGeometry { get }
    var filters: Int { get }
    var kernel: UnsafePointer<Float> { get }
    var bias: UnsafePointer<Float>? { get }
    var activation: Activation { get }
    var instructions: VectorInstructions { get }
    /// Floats of scratch each thread hands the kernels.
    var scratchFloats: Int { get }
    /// Whether the kernel reads the samples as they lie and pads them itself (the BF16 kernel, as it
    /// converts the rows it reads), so that no padded copy is made.
    var padsWhileReading: Bool { get }

    /// Output rows `first ..< first + count` of one sample `image` (as ``kernelInput(_:of:scratch:)`` gives
    /// it: padded unless the kernel pads while reading), into `output`, by the C kernel, which may use
    /// `scratch` (the thread's scratch past the padded copy of the image, if one is made).
    func convolveRows(_ c: inout cnn_convolution, of image: UnsafePointer<Float>, first: Int, count: Int,
                      into output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>)

    /// Pooled rows `first ..< first + count` of one sample `image`, the convolution followed by 2×2 max
    /// pooling, into `pooled` and `winners`, by the C kernel, which may use `scratch` as above.
    func convolveAndMaxPoolRows(_ c: inout cnn_convolution, of image: UnsafePointer<Float>, first: Int, count: Int,
                                into pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<UInt8>,
                                scratch: UnsafeMutablePointer<Float>)
}

extension DirectConvolution {
    /// The samples as the kernels read them, zero-padded where the layer pads.
    var padded: PaddedImage { PaddedImage(geometry: geometry) }

    /// How the C kernels see this convolution.
    var description: cnn_convolution {
        let g = geometry
        return cnn_convolution(
            kernel: kernel, bias: bias, row_stride: padded.rowStride, channels: Int32(g.channels),
            kernel_height: Int32(g.windowHeight), kernel_width: Int32(g.windowWidth),
            stride_height: Int32(g.strideHeight), stride_width: Int32(g.strideWidth),
            output_width: Int32(g.outputWidth), filters: Int32(filters), relu: activation == .relu ? 1 : 0)
    }

    var padsWhileReading: Bool { false }

    /// Floats of scratch the padded copy of a sample takes: none where no padding is needed or the kernel
    /// pads as it reads.
    var paddedCopyFloats: Int { padsWhileReading ? 0 : padded.scratchFloats }

    /// Sample `n` of `x` as the kernel reads it: the sample itself, or its padded copy in `scratch`.
    func kernelInput(_ n: Int, of x: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        padsWhileReading ? x + n &* geometry.inputSampleCount : padded.sample(n, of: x, scratch: scratch)
    }

    /// `y = activation(conv(x, w) + b)` for output rows `rows` (row r is sample r / OH, row r % OH); each
    /// thread hands its own `scratch` of ``scratchFloats`` floats.
    func convolve(_ x: UnsafePointer<Float>, outputRows rows: Range<Int>, into y: UnsafeMutablePointer<Float>,
                  scratch: UnsafeMutablePointer<Float>) {
        var c = description
        let height = geometry.outputHeight, rowLength = geometry.outputWidth &* filters
        forEachSample(in: rows, height: height) { n, first, count in
            let output = y + (n &* height &+ first) &* rowLength
            convolveRows(&c, of: kernelInput(n, of: x, scratch: scratch), first: first, count: count, into: output,
                         scratch: scratch + paddedCopyFloats)
            if activation != .relu { activation.apply(output, count: count &* rowLength) }
        }
    }

    /// Whether a max pooling of this convolution's output over `poolSize` windows moved by `strides` can
    /// run inside the convolution: 2×2 windows tiling the output without padding, after an activation
    /// that the maximum commutes with and whose derivative the pooled value gives.
    static func fusesMaxPool(poolSize: (height: Int, width: Int), strides: (height: Int, width: Int),
                             padding: Padding, after activation: Activation) -> Bool {
        poolSize == (2, 2) && strides == (2, 2) && padding == .valid
            && (activation == .relu || activation == .linear)
    }

    /// The convolution followed by 2×2 max pooling, for pooled rows `rows` (row r is sample r / (OH/2)):
    /// `pooled` gets each window's largest output, `winners` which of its four cells that was (0–3,
    /// row-major, the first on ties). Each thread hands its own `scratch` of ``scratchFloats`` floats.
    func convolveAndMaxPool(_ x: UnsafePointer<Float>, pooledRows rows: Range<Int>, into pooled: UnsafeMutablePointer<Float>,
                            winners: UnsafeMutablePointer<UInt8>, scratch: UnsafeMutablePointer<Float>) {
        var c = description
        let height = geometry.outputHeight / 2, rowLength = geometry.outputWidth / 2 &* filters
        forEachSample(in: rows, height: height) { n, first, count in
            let offset = (n &* height &+ first) &* rowLength
            convolveAndMaxPoolRows(&c, of: kernelInput(n, of: x, scratch: scratch), first: first, count: count,
                                   into: pooled + offset, winners: winners + offset, scratch: scratch + paddedCopyFloats)
        }
    }
}
