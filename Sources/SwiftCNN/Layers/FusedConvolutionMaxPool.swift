/// A single-channel ``Conv2D`` and the 2×2 ``MaxPool2D`` after it, run as one pass.
///
/// Separately, the convolution writes its whole output (5.5 MB for the reference CNN's first layer at
/// batch 64), the pooling reads it back, and in the backward pass the pooling writes a gradient of
/// that size for the convolution to read again. Fused, each 2×2 window's four outputs stay in registers
/// until their maximum is stored, and the kernel gradient is gathered straight from the pooled
/// gradient and which cell won. ``Sequential`` uses it in place of its first two layers when they fit;
/// the parameters stay the convolution's.
final class FusedConvolutionMaxPool {
    let convolution: Conv2D
    let pooling: MaxPool2D

    private let geometry: WindowGeometry
    private let pooledShape: [Int]
    // Kept, not rebuilt per pass: an array literal is a heap allocation.
    private let kernelShape: [Int], biasShape: [Int]
    private var output = Tensor(shape: [0])
    private let winners = ScratchBuffer<UInt8>()
    private let scratch = ScratchBuffer<Float>()
    /// The input of the last training-mode forward pass, released by backward.
    private var input: Tensor?
    private var pass: Pass?

    /// The pointers of the pass in progress and each chunk's scratch, for the threads.
    private struct Pass {
        let kernels: SingleChannelConvolution
        let x: UnsafePointer<Float>, pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<UInt8>
        let dpooled: UnsafePointer<Float>?
        let buffers: UnsafeMutablePointer<Float>
        let chunkSize: Int, parameterSize: Int

        func scratch(_ chunk: Int) -> UnsafeMutablePointer<Float> { buffers + chunk &* chunkSize + 2 &* parameterSize }

        /// Where chunk `chunk` sums its kernel and bias gradients: chunk 0 straight into the layer's.
        func partials(_ chunk: Int, kernel: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?)
            -> (kernel: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?) {
            guard chunk > 0 else { return (kernel, bias) }
            let base = buffers + chunk &* chunkSize
            return (base, bias.map { _ in base + parameterSize })
        }
    }

    /// The fused pair, or nil when the layers (already built) don't fit: a single-channel convolution the
    /// direct kernels run, with a ReLU or no activation, then 2×2 pooling with stride 2 and no padding.
    init?(_ convolution: Conv2D, _ pooling: MaxPool2D) {
        guard let geometry = convolution.geometry, convolution.algorithm == .automatic,
              SingleChannelConvolution.applies(to: geometry, filters: convolution.filters),
              SingleChannelConvolution.fusesMaxPool(poolSize: pooling.poolSize, strides: pooling.strides,
                                                    padding: pooling.padding, after: convolution.activation)
        else { return nil }
        self.convolution = convolution
        self.pooling = pooling
        self.geometry = geometry
        pooledShape = [geometry.outputHeight / 2, geometry.outputWidth / 2, convolution.filters]
        kernelShape = [geometry.windowHeight, geometry.windowWidth, 1, convolution.filters]
        biasShape = [convolution.filters]
    }

    private var kernels: SingleChannelConvolution { convolution.directPass(geometry: geometry) }

    /// The pooled output of both layers: what `pooling.forward(convolution.forward(input))` returns.
    func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(geometry.acceptsInput(input),
                     "Conv2D was built for inputs [N] + \(geometry.inputSampleShape), got \(input.shape)")
        convolution.checkParameterShapes()
        let batch = input.shape[0], rows = batch * pooledShape[0]
        output.prepare(batch: batch, sampleShape: pooledShape)
        let kernels = self.kernels, chunkCount = Swift.min(Backend.threadCount, rows)
        let chunkSize = cacheLineAligned(floats: kernels.scratchFloats)
        pass = Pass(kernels: kernels, x: input.storage.pointer, pooled: output.storage.pointer,
                    winners: winners.reserve(output.count), dpooled: nil,
                    buffers: scratch.reserve(chunkCount * chunkSize), chunkSize: chunkSize, parameterSize: 0)
        parallelFor(chunkCount, chunksOf: 0..<rows, convolveRows)
        pass = nil
        self.input = training ? input : nil
        return output
    }

    private func convolveRows(_ chunk: Int, _ rows: Range<Int>) {
        guard let pass else { return }
        pass.kernels.convolveAndMaxPool(pass.x, pooledRows: rows, into: pass.pooled, winners: pass.winners,
                                        scratch: pass.scratch(chunk))
    }

    /// Sets the convolution's parameter gradients from the gradient of the pooled output. The first layer
    /// of a model needs no input gradient, so none is computed.
    func backward(_ outputGradient: Tensor) {
        guard let input else { preconditionFailure("Conv2D.backward needs a training-mode forward pass first") }
        self.input = nil
        precondition(outputGradient.shape == output.shape,
                     "MaxPool2D.backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(output.shape)")
        let batch = outputGradient.shape[0], kernels = self.kernels
        convolution.kernel.gradient.prepare(shape: kernelShape)
        convolution.bias?.gradient.prepare(shape: biasShape)
        let chunkCount = Swift.min(Backend.threadCount, batch)
        let parameterSize = cacheLineAligned(floats: kernelShape.reduce(1, *))
        let chunkSize = 2 * parameterSize + cacheLineAligned(floats: kernels.scratchFloats)
        let pass = Pass(kernels: kernels, x: input.storage.pointer, pooled: output.storage.pointer,
                        winners: winners.reserve(output.count), dpooled: outputGradient.storage.pointer,
                        buffers: scratch.reserve(chunkCount * chunkSize), chunkSize: chunkSize,
                        parameterSize: parameterSize)
        self.pass = pass
        parallelFor(chunkCount, chunksOf: 0..<batch, backpropagateSamples)
        self.pass = nil
        let (dw, db) = gradientPointers
        for chunk in 1..<Swift.max(1, chunkCount) {
            let partials = pass.partials(chunk, kernel: dw, bias: db)
            dw.add(partials.kernel, count: kernelShape.reduce(1, *))
            if let db, let bias = partials.bias { db.add(bias, count: convolution.filters) }
        }
    }

    private var gradientPointers: (kernel: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?) {
        (convolution.kernel.gradient.storage.pointer, convolution.bias?.gradient.storage.pointer)
    }

    private func backpropagateSamples(_ chunk: Int, _ samples: Range<Int>) {
        guard let pass, let dpooled = pass.dpooled else { return }
        let (dw, db) = gradientPointers
        let partials = pass.partials(chunk, kernel: dw, bias: db)
        pass.kernels.maxPoolParameterGradients(pass.x, pooledGradient: dpooled, pooled: pass.pooled, winners: pass.winners,
                                               samples: samples, kernelGradient: partials.kernel,
                                               biasGradient: partials.bias, scratch: pass.scratch(chunk))
    }
}
