// x: [N,H,W,C], w: [3,3,C,F] → u: [36,C,F], b: [F] → y: [N,OH,OW,F], stride 1, C and F multiples of 16;
// with 2×2 max pooling fused, pooled and winners: [N,OH/2,OW/2,F]. Naive reference: `convolutionReference`.
// Winograd's F(4×4, 3×3) in C (`WinogradConvolution.c`): 4× fewer multiplications than the direct
// kernel for a few times its rounding error, so a layer runs it only when asked (`Conv2D.Algorithm.winograd`).

import CVectorKernels

/// The forward pass of a 3×3, stride-1 convolution by Winograd's F(4×4, 3×3): its geometry, its kernel
/// transformed (``transform(_:channels:filters:into:instructions:)``), bias and activation, and the C
/// kernel that runs it over ranges of output rows; and its kernel gradient, computed the same way, which
/// reads no kernel. Each thread hands it its own scratch of ``scratchFloats`` floats. It reads the samples
/// as they lie and treats the padding as zeros, so no padded copy is made.
struct WinogradConvolution: DirectConvolution {
    let geometry: WindowGeometry
    let filters: Int
    /// The transformed kernel, `[36, channels, filters]`, which the forward pass reads (the kernel gradient
    /// reads none).
    let kernel: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    let activation: Activation
    var instructions = VectorInstructions.best

    /// Whether the kernel can run a convolution with this geometry and filter count: a 3×3 window with
    /// stride 1 over a multiple of 16 channels into a multiple of 16 filters.
    static func applies(to g: WindowGeometry, filters: Int) -> Bool {
        g.windowHeight == 3 && g.windowWidth == 3 && g.strideHeight == 1 && g.strideWidth == 1
            && g.channels % 16 == 0 && filters % 16 == 0
    }

    /// Floats of the transformed kernel of a convolution over `channels` channels into `filters`.
    static func transformedKernelCount(channels: Int, filters: Int) -> Int { 36 &* channels &* filters }

    /// Writes `kernel` (`[3, 3, channels, filters]`) transformed into `transformed`
    /// (``transformedKernelCount(channels:filters:)`` floats).
    static func transform(_ kernel: UnsafePointer<Float>, channels: Int, filters: Int,
                          into transformed: UnsafeMutablePointer<Float>,
                          instructions: VectorInstructions = .best) {
        cnn_winograd_transform_kernel(instructions.isa, kernel, Int32(channels), Int32(filters), transformed)
    }

    var scratchFloats: Int {
        cacheLineAligned(floats: cnn_winograd_scratch_floats(Int32(geometry.channels), Int32(filters)))
    }

    var padsWhileReading: Bool { true }

    func convolveRows(_ c: inout cnn_convolution, of image: UnsafePointer<Float>, first: Int, count: Int,
                      into output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        var padding = imagePadding
        cnn_winograd_convolve_rows(instructions.isa, &c, image, &padding, Int32(first), Int32(count), output, scratch)
    }

    func convolveAndMaxPoolRows(_ c: inout cnn_convolution, of image: UnsafePointer<Float>, first: Int, count: Int,
                                into pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<UInt8>,
                                scratch: UnsafeMutablePointer<Float>) {
        var padding = imagePadding
        cnn_winograd_convolve_max_pool_rows(instructions.isa, &c, image, &padding, Int32(first), Int32(count),
                                            pooled, winners, scratch)
    }

    /// Floats of scratch each thread hands ``addKernelGradient(of:samples:outputGradient:to:scratch:)``.
    var kernelGradientScratchFloats: Int {
        cacheLineAligned(floats: cnn_winograd_kernel_gradient_scratch_floats(Int32(geometry.channels), Int32(filters)))
    }

    /// Adds the kernel gradient of samples `samples` of `x` to `dw`, given the gradient `dz` of their
    /// outputs before the activation (`[samples.count, OH, OW, F]`), summed in Winograd's domain over the
    /// samples' tiles in order and then transformed back, so a range of samples always gives the same bits.
    func addKernelGradient(of x: UnsafePointer<Float>, samples: Range<Int>, outputGradient dz: UnsafePointer<Float>,
                           to dw: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        var c = description, padding = imagePadding
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: samples.count) { images in
            for (index, n) in samples.enumerated() { images[index] = x + n &* geometry.inputSampleCount }
            cnn_winograd_kernel_gradient(instructions.isa, &c, images.baseAddress, &padding, Int32(samples.count),
                                         Int32(geometry.outputHeight), dz, dw, scratch)
        }
    }

    /// Where each sample sits in the padded image the windows move over.
    private var imagePadding: cnn_padding {
        let g = geometry
        return cnn_padding(row_stride: g.inputWidth &* g.channels, height: Int32(g.inputHeight),
                           width: Int32(g.inputWidth), pad_top: Int32(g.padTop), pad_left: Int32(g.padLeft))
    }
}
