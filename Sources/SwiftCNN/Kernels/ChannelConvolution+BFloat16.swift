// w: [KH,KW,C,F] → [KH·KW·C/2, F, 2] BF16 pairs; x, dz → BF16 pairs of values and of pixels. The products
// in BF16, the sums in FP32 (`ChannelConvolutionBF16.c`, `ChannelKernelGradientBF16.c`). Naive reference:
// `convolutionReference` and `convolutionParameterGradientsReference` of operands rounded by
// `roundedToBFloat16`.

import CVectorKernels

extension ChannelConvolution {
    /// This convolution with its products in BF16 (``Precision/bfloat16``), its kernel rounded and packed
    /// into `buffer` (``bfloat16KernelCount`` elements). Nil where the BF16 kernel does not apply: a CPU
    /// without AVX512_BF16, or an odd channel count, whose windows' rows would end halfway through a pair.
    func inBFloat16(packingInto buffer: ScratchBuffer<UInt16>) -> ChannelConvolution? {
        #if arch(x86_64)
        guard Precision.bfloat16.isSupported, instructions == .avx512, geometry.channels % 2 == 0 else { return nil }
        let packed = buffer.reserve(bfloat16KernelCount)
        cnn_pack_bfloat16_kernel(kernel, Int32(geometry.patchLength), Int32(filters), packed)
        var converted = self
        converted.bfloat16Kernel = UnsafePointer(packed)
        return converted
        #else
        return nil
        #endif
    }

    /// This convolution with its kernel gradient's products in `precision` where it can: BF16 on a CPU
    /// with AVX512_BF16 (any channel count: the pairs run along the output pixels), FP32 otherwise.
    func kernelGradient(in precision: Precision) -> ChannelConvolution {
        var converted = self
        converted.kernelGradientInBFloat16 = precision == .bfloat16 && Precision.bfloat16.isSupported
            && instructions == .avx512
        return converted
    }

    /// `cnn_channels_kernel_gradient_bf16` over `count` samples, with `pairs` its scratch.
    func addBFloat16KernelGradient(_ c: inout cnn_convolution, images: UnsafePointer<UnsafePointer<Float>?>,
                                   count: Int, gradient: UnsafePointer<Float>, to dw: UnsafeMutablePointer<Float>,
                                   pairs: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        cnn_channels_kernel_gradient_bf16(&c, images, Int32(count), Int32(geometry.outputHeight), gradient, dw,
                                          UnsafeMutableRawPointer(pairs).assumingMemoryBound(to: UInt32.self))
        #else
        preconditionFailure("BF16 products need AVX512_BF16")
        #endif
    }

    /// Elements of the packed BF16 kernel.
    var bfloat16KernelCount: Int { geometry.patchLength &* filters }

    /// This convolution computed in `precision`: itself in FP32, and in BF16 where the BF16 kernel applies.
    func converted(to precision: Precision, packingInto buffer: ScratchBuffer<UInt16>) -> ChannelConvolution {
        precision == .bfloat16 ? inBFloat16(packingInto: buffer) ?? self : self
    }
}
