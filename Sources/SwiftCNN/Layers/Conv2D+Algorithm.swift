// How a Conv2D computes its passes: the algorithm a user picks, and the direct kernels it lets the layer use.

extension Conv2D {
    /// How a convolution is computed.
    public enum Algorithm: Sendable {
        /// The fastest that applies: a direct vector kernel for a single input channel with a 3×3 or 5×5
        /// window and a multiple of 16 filters; for several input channels and a multiple of 16 filters,
        /// a direct forward pass and kernel gradient (a pointwise convolution's gradient is a product
        /// over the input as it lies), and a direct input gradient for stride 1 and a multiple of 16
        /// input channels, where they measured faster than OpenBLAS (on CPUs with AVX2 or AVX-512);
        /// im2col and matrix products otherwise. Inside a model, a direct forward pass with a ReLU or no
        /// activation runs fused with a following 2×2 max pooling (a single-channel one where it is the
        /// first layer with parameters).
        case automatic
        /// Always im2col and matrix products, for comparison.
        case matrixProduct
        /// The direct kernels wherever they apply, whatever the batch, for comparison.
        case direct
    }
}

extension Conv2D {
    /// Whether the algorithm lets the several-channel direct kernel compute the passes it applies to:
    /// always for ``Algorithm/direct``, and for ``Algorithm/automatic`` where it measured faster on this
    /// CPU's instruction set. The choice never depends on the thread count, so that any thread count gives
    /// the same numbers.
    var allowsChannelKernel: Bool {
        switch algorithm {
        case .matrixProduct: return false
        case .direct: return true
        case .automatic: return ChannelConvolution.isMeasuredFaster
        }
    }

    /// The several-channel direct kernel's view of this layer's forward pass, when it applies and the
    /// algorithm allows it, multiplying in `precision` where it can (its BF16 kernel packed into
    /// ``bfloat16Kernel``).
    func channelPass(geometry g: WindowGeometry, precision: Precision) -> ChannelConvolution? {
        guard allowsChannelKernel, ChannelConvolution.applies(to: g, filters: filters) else { return nil }
        return ChannelConvolution(geometry: g, filters: filters, kernel: kernel.value.storage.pointer,
                                  bias: bias?.value.storage.pointer, activation: activation)
            .converted(to: precision, packingInto: bfloat16Kernel)
    }

    /// The direct kernel that computes the input gradient, with the kernel turned in ``flippedKernel``,
    /// when it applies and the algorithm allows it, multiplying in ``Backend/precision`` where it can.
    func inputGradientPass(geometry g: WindowGeometry) -> ChannelConvolution? {
        guard allowsChannelKernel, let transposed = inputGradientGeometry else { return nil }
        let flipped = flippedKernel.reserve(g.patchLength * filters)
        return ChannelConvolution.inputGradient(over: transposed, channels: g.channels, kernel: kernel.value.storage.pointer,
                                                flipped: flipped)?
            .converted(to: Backend.precision, packingInto: bfloat16Kernel)
    }

    /// The single-channel kernels' view of this layer, when ``SingleChannelConvolution/applies(to:filters:)``.
    func directPass(geometry: WindowGeometry) -> SingleChannelConvolution {
        SingleChannelConvolution(geometry: geometry, filters: filters, kernel: kernel.value.storage.pointer,
                                 bias: bias.map { UnsafePointer($0.value.storage.pointer) }, activation: activation)
    }
}
