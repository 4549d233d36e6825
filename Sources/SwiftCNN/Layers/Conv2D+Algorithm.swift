// How a Conv2D computes its passes: the algorithm a user picks, and the direct kernels it lets the layer use.

import Foundation

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
        /// ``automatic``, but a 3×3 convolution with stride 1 over a multiple of 16 channels into a
        /// multiple of 16 filters computes its forward pass, its input gradient (a convolution of the
        /// output gradient, over the filters into the channels) and its kernel gradient by Winograd's
        /// F(4×4, 3×3): 4× fewer multiplications, for a rounding error a few times the direct kernel's
        /// (about 10⁻⁵ of an output of size 1, rather than 10⁻⁶). These passes run in FP32 whatever
        /// ``Backend/precision`` says, and the forward pass fuses with a following 2×2 max pooling as the
        /// direct kernels' does. Opt-in, as in oneDNN, because of the rounding.
        case winograd
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
        case .automatic, .winograd: return ChannelConvolution.isMeasuredFaster
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
    /// when it applies and the algorithm allows it, multiplying in ``Backend/precision`` where it can; by
    /// Winograd's F(4×4, 3×3) when the algorithm asks for it and it applies (the turned kernel transformed
    /// into ``winogradFlippedKernel`` at each pass: in training the weights change at every step).
    func inputGradientPass(geometry g: WindowGeometry) -> AnyDirectConvolution? {
        guard allowsChannelKernel, let transposed = inputGradientGeometry else { return nil }
        let flipped = flippedKernel.reserve(g.patchLength * filters)
        guard let pass = ChannelConvolution.inputGradient(over: transposed, channels: g.channels,
                                                          kernel: kernel.value.storage.pointer, flipped: flipped)
        else { return nil }
        guard algorithm == .winograd, WinogradConvolution.applies(to: transposed, filters: g.channels) else {
            return .channels(pass.converted(to: Backend.precision, packingInto: bfloat16Kernel))
        }
        let transformed = winogradFlippedKernel.reserve(WinogradConvolution.transformedKernelCount(channels: filters,
                                                                                                     filters: g.channels))
        WinogradConvolution.transform(flipped, channels: filters, filters: g.channels, into: transformed)
        return .winograd(WinogradConvolution(geometry: transposed, filters: g.channels, kernel: transformed, bias: nil,
                                             activation: .linear))
    }

    /// Whether the algorithm asks for Winograd's kernel and it applies to this layer's passes over `g`.
    func runsWinograd(geometry g: WindowGeometry) -> Bool {
        algorithm == .winograd && WinogradConvolution.applies(to: g, filters: filters)
    }

    /// The Winograd kernel's view of this layer's forward pass, its kernel transformed into
    /// ``winogradKernel`` unless it already holds these weights, when the algorithm asks for it and it
    /// applies.
    func winogradPass(geometry g: WindowGeometry) -> WinogradConvolution? {
        guard runsWinograd(geometry: g) else { return nil }
        let transformed = winogradKernel.reserve(WinogradConvolution.transformedKernelCount(channels: g.channels,
                                                                                              filters: filters))
        let weights = kernel.value.storage.pointer, count = g.patchLength &* filters
        let source = winogradSource.reserve(count)
        if winogradSourceCount != count || memcmp(source, weights, count &* MemoryLayout<Float>.stride) != 0 {
            WinogradConvolution.transform(weights, channels: g.channels, filters: filters, into: transformed)
            source.update(from: weights, count: count)
            winogradSourceCount = count
        }
        return WinogradConvolution(geometry: g, filters: filters, kernel: transformed,
                                   bias: bias.map { UnsafePointer($0.value.storage.pointer) }, activation: activation)
    }

    /// The kernel that computes the kernel gradient, when a direct one does: Winograd's when the algorithm
    /// asks for it and it applies, the several-channel kernel (its products in ``Backend/precision`` where
    /// it can) where it applies and the algorithm allows it.
    ///
    /// Winograd's kernel gradient reads the samples and their output gradient, never the transformed
    /// kernel, so it gets the forward pass's buffer as it stands (neither grown nor refilled) rather than
    /// having the weights compared with it, and possibly transformed into it, on every backward pass.
    func kernelGradientPass(geometry g: WindowGeometry) -> AnyDirectConvolution? {
        if runsWinograd(geometry: g) {
            return .winograd(WinogradConvolution(geometry: g, filters: filters, kernel: winogradKernel.pointer,
                                                 bias: nil, activation: activation))
        }
        return channelPass(geometry: g, precision: .float32).map { .channels($0.kernelGradient(in: Backend.precision)) }
    }

    /// The kernel that computes the forward pass in `precision` where it can, when one of the direct
    /// kernels does: Winograd's, the single-channel kernels or the several-channel kernel; nil for im2col
    /// and matrix products.
    func forwardKernels(geometry g: WindowGeometry, precision: Precision) -> AnyDirectConvolution? {
        if let winograd = winogradPass(geometry: g) { return .winograd(winograd) }
        if convolvesDirectly { return .singleChannel(directPass(geometry: g)) }
        return channelPass(geometry: g, precision: precision).map { .channels($0) }
    }

    /// The single-channel kernels' view of this layer, when ``SingleChannelConvolution/applies(to:filters:)``.
    func directPass(geometry: WindowGeometry) -> SingleChannelConvolution {
        SingleChannelConvolution(geometry: geometry, filters: filters, kernel: kernel.value.storage.pointer,
                                 bias: bias.map { UnsafePointer($0.value.storage.pointer) }, activation: activation)
    }
}
