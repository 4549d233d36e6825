// x: [N,H,W,C], w: [KH,KW,C,F], b: [F] → y: [N,OH,OW,F], F a multiple of 16, any window, strides and
// padding. Naive reference: `convolutionReference`.
// The forward pass as an implicit matrix product in C (`CVectorKernels`): each output pixel's window is
// read where it lies in the image rather than copied into an im2col row, and the kernel is read as it
// is stored, saving the copy and the packing that a BLAS call spends on every call. `Conv2D` picks it
// over im2col and OpenBLAS by `ChannelConvolution.isMeasuredFaster`.

import CVectorKernels

/// The forward pass of a convolution over several input channels, computed directly: its geometry,
/// weights and activation, and the kernel that runs it over a range of output rows, so that a layer can
/// split a batch across threads. Each thread hands it its own scratch of ``scratchFloats`` floats.
struct ChannelConvolution: DirectConvolution {
    let geometry: WindowGeometry
    let filters: Int
    let kernel: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    let activation: Activation
    var instructions = VectorInstructions.best
    /// The kernel in BF16 pairs (``inBFloat16(packingInto:)``) when the products run in BF16; nil in FP32.
    var bfloat16Kernel: UnsafePointer<UInt16>?
    /// Whether ``addKernelGradient(of:samples:outputGradient:to:scratch:)`` multiplies in BF16.
    var kernelGradientInBFloat16 = false

    /// Whether the kernel can run a convolution with this geometry and filter count.
    static func applies(to g: WindowGeometry, filters: Int) -> Bool {
        g.channels > 1 && filters % 16 == 0
    }

    /// Whether the direct kernel measured faster than im2col and OpenBLAS on the instruction set it runs
    /// here.
    ///
    /// With AVX2 (`conv-efficiency --compare-algorithms` on an AMD EPYC Zen 3, 1 and 2 threads) the
    /// forward pass took 0.43–0.90 of im2col and OpenBLAS's time on every convolution of the benchmark
    /// networks at every batch size, one image to a thousand, and the backward pass with the direct kernel
    /// and input gradients (the latter for stride 1) 0.42–0.96 of im2col, the products and col2im's at
    /// batch 64. With AVX-512 (an Intel Xeon, family 6 model 207, against OpenBLAS's SkylakeX kernels, 1 and 2
    /// threads) the forward pass took 0.43–1.30 and the backward pass 0.38–1.25 of the same, slower in 4 of
    /// 66 forward and 5 of 66 backward cases: the pointwise stride-2 convolutions (up to 1.10 forward), the
    /// stride-2 3×3 convolution of one image (1.30 forward, 1.25 backward) and the backward pass of the
    /// [13,13,32] and [7,7,64] convolutions at a batch of 1000 (up to 1.12). The baseline variant has not
    /// been measured against OpenBLAS, so there the layer keeps im2col and OpenBLAS.
    static var isMeasuredFaster: Bool { VectorInstructions.best != .baseline }

    /// Floats of scratch each thread needs: a zero-padded copy of one image when the layer pads, or in
    /// BF16 the padded BF16 copy of the rows a call reads (at most the whole padded image, two values a
    /// float).
    var scratchFloats: Int {
        bfloat16Kernel == nil ? padded.scratchFloats : cacheLineAligned(floats: (padded.height &* padded.rowStride &+ 1) / 2)
    }

    /// In BF16 the kernel pads the rows it converts.
    var padsWhileReading: Bool { bfloat16Kernel != nil }

    func convolveRows(_ c: inout cnn_convolution, of image: UnsafePointer<Float>, first: Int, count: Int,
                      into output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        if let bfloat16Kernel {
            padded.withDescription { padding in
                cnn_convolve_channels_rows_bf16(&c, bfloat16Kernel, image, padding, Int32(first), Int32(count), output,
                                                UnsafeMutableRawPointer(scratch).assumingMemoryBound(to: UInt16.self))
            }
            return
        }
        #endif
        cnn_convolve_channels_rows(instructions.isa, &c, image, Int32(first), Int32(count), output)
    }

    func convolveAndMaxPoolRows(_ c: inout cnn_convolution, of image: UnsafePointer<Float>, first: Int, count: Int,
                                into pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<UInt8>,
                                scratch: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        if let bfloat16Kernel {
            padded.withDescription { padding in
                cnn_convolve_channels_max_pool_rows_bf16(&c, bfloat16Kernel, image, padding, Int32(first), Int32(count),
                                                         pooled, winners,
                                                         UnsafeMutableRawPointer(scratch).assumingMemoryBound(to: UInt16.self))
            }
            return
        }
        #endif
        cnn_convolve_channels_max_pool_rows(instructions.isa, &c, image, Int32(first), Int32(count), pooled, winners)
    }
}

// x: [N,H,W,C], dz: [N,OH,OW,F] → dw: [KH,KW,C,F] += Σ windows ⊗ dz. Naive reference:
// `convolutionParameterGradientsReference`.
extension ChannelConvolution {
    /// Samples the kernel gradient sums over in one call: enough that each of its tiles, which loads and
    /// stores its sums once a call, runs over at least 256 output pixels (16 samples of a 4×4 output),
    /// at most 16 samples.
    var kernelGradientSamples: Int {
        Swift.min(16, Swift.max(1, (256 &+ geometry.outputPositions &- 1) / geometry.outputPositions))
    }

    /// Floats of scratch ``addKernelGradient(of:samples:outputGradient:to:scratch:)`` needs: a padded copy
    /// of each sample of a call when the layer pads, and in BF16 each sample's values and output gradient
    /// in pairs (one float's room a pair).
    var kernelGradientScratchFloats: Int {
        kernelGradientSamples &* padded.scratchFloats &+ (kernelGradientInBFloat16 ? bfloat16PairFloats : 0)
    }

    /// Floats of the BF16 kernel gradient's pairs for a call's samples.
    private var bfloat16PairFloats: Int {
        let pairedGradient = geometry.outputHeight &* ((geometry.outputWidth &+ 1) / 2) &* filters
        return cacheLineAligned(floats: kernelGradientSamples &* (padded.height &* padded.rowStride &+ pairedGradient))
    }

    /// Adds the kernel gradient of samples `samples` of `x` to `dw`, given the gradient `dz` of their
    /// outputs before the activation (`[samples.count, OH, OW, F]`), in place of im2col and a matrix
    /// product. The samples are summed in order, so a range of samples always gives the same bits; each
    /// thread hands its own `scratch` of ``kernelGradientScratchFloats`` floats.
    func addKernelGradient(of x: UnsafePointer<Float>, samples: Range<Int>, outputGradient dz: UnsafePointer<Float>,
                           to dw: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        var c = description
        let perCall = kernelGradientSamples, paddedFloats = padded.scratchFloats
        let outputSampleCount = geometry.outputPositions &* filters, height = Int32(geometry.outputHeight)
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: perCall) { images in
            var first = samples.lowerBound
            while first < samples.upperBound {
                let count = Swift.min(perCall, samples.upperBound &- first)
                for index in 0..<count {
                    images[index] = padded.sample(first &+ index, of: x, scratch: scratch + index &* paddedFloats)
                }
                let gradient = dz + (first &- samples.lowerBound) &* outputSampleCount
                if kernelGradientInBFloat16 {
                    addBFloat16KernelGradient(&c, images: images.baseAddress!, count: count, gradient: gradient, to: dw,
                                              pairs: scratch + perCall &* paddedFloats)
                } else {
                    cnn_channels_kernel_gradient(instructions.isa, &c, images.baseAddress, Int32(count), height, gradient, dw)
                }
                first &+= count
            }
        }
    }
}

// dz: [N,OH,OW,F], w: [KH,KW,C,F] → dx: [N,H,W,C] through the flipped kernel w′: [KH,KW,F,C].
extension ChannelConvolution {
    /// Where the windows of the convolution that gives a stride-1 convolution's input gradient land:
    /// `dx[i, j] = Σ dz[i + padTop − kh, j + padLeft − kw] · w[kh, kw]` is a convolution of `dz` (`filters`
    /// channels) padded by `KH − 1 − padTop` rows above (`KW − 1 − padLeft` columns left) with the kernel
    /// turned half a turn and its channel axes swapped. Nil for strides above 1. Layers make it once, when
    /// they are built: a geometry holds arrays, and a warmed-up step allocates nothing.
    static func inputGradientGeometry(of g: WindowGeometry, filters: Int) -> WindowGeometry? {
        guard g.strideHeight == 1, g.strideWidth == 1 else { return nil }
        return WindowGeometry(
            inputHeight: g.outputHeight, inputWidth: g.outputWidth, channels: filters,
            windowHeight: g.windowHeight, windowWidth: g.windowWidth, strideHeight: 1, strideWidth: 1,
            padTop: g.windowHeight - 1 - g.padTop, padLeft: g.windowWidth - 1 - g.padLeft,
            outputHeight: g.inputHeight, outputWidth: g.inputWidth)
    }

    /// The convolution over `transposed` (``inputGradientGeometry(of:filters:)``) that gives the input
    /// gradient of a convolution with `channels` input channels and kernel `w` (`[KH, KW, channels, F]`),
    /// with the turned kernel written to `flipped` (`KH·KW·channels·F` floats). Nil where the kernel does
    /// not apply: `channels` not a multiple of 16.
    static func inputGradient(over transposed: WindowGeometry, channels: Int, kernel w: UnsafePointer<Float>,
                              flipped: UnsafeMutablePointer<Float>) -> ChannelConvolution? {
        guard applies(to: transposed, filters: channels) else { return nil }
        let (height, width, filters) = (transposed.windowHeight, transposed.windowWidth, transposed.channels)
        for kh in 0..<height {
            for kw in 0..<width {
                let source = w + ((height &- 1 &- kh) &* width &+ (width &- 1 &- kw)) &* channels &* filters
                let destination = flipped + (kh &* width &+ kw) &* filters &* channels
                for f in 0..<filters {
                    for c in 0..<channels {
                        destination[f &* channels &+ c] = source[c &* filters &+ f]
                    }
                }
            }
        }
        return ChannelConvolution(geometry: transposed, filters: channels, kernel: flipped, bias: nil, activation: .linear)
    }
}
