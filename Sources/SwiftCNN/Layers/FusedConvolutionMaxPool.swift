/// A single-channel ``Conv2D`` and the 2×2 ``MaxPool2D`` after it, run as one pass.
///
/// Separately, the convolution writes its whole output (5.5 MB for the reference CNN's first layer at
/// batch 64), the pooling reads it back, and in the backward pass the pooling writes a gradient of
/// that size for the convolution to read again. Fused, each 2×2 window's four outputs stay in registers
/// until their maximum is stored, and the kernel gradient is gathered straight from the pooled
/// gradient and which cell won. A model runs it in place of the two layers when they fit
/// (``ConvolutionMaxPoolFusion``); the parameters stay the convolution's. As the first layer with parameters it
/// computes no input gradient.
final class FusedConvolutionMaxPool: Layer {
    let name = "conv2d+max_pooling2d"
    let convolution: Conv2D

    private let geometry: WindowGeometry
    private let pooledShape: [Int]
    private var output = Tensor(shape: [0])
    private let winners = ScratchBuffer<UInt8>()
    private let scratch = ScratchBuffer<Float>()
    /// The input of the last training-mode forward pass, released by backward.
    private var input: Tensor?

    /// The fused pair, or nil when the layers (already built) don't fit: a convolution the single-channel
    /// kernels run, with a ReLU or no activation, then 2×2 pooling with stride 2 and no padding.
    init?(_ convolution: Conv2D, _ pooling: MaxPool2D) {
        guard let geometry = convolution.geometry, convolution.convolvesDirectly,
              SingleChannelConvolution.fusesMaxPool(poolSize: pooling.poolSize, strides: pooling.strides,
                                                    padding: pooling.padding, after: convolution.activation)
        else { return nil }
        self.convolution = convolution
        self.geometry = geometry
        pooledShape = [geometry.outputHeight / 2, geometry.outputWidth / 2, convolution.filters]
    }

    var parameters: [Parameter] { convolution.parameters }

    /// The pooled shape; both layers are built already.
    func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        precondition(inputShape == geometry.inputSampleShape,
                     "The fused Conv2D was built for inputs \(geometry.inputSampleShape), got \(inputShape)")
        return pooledShape
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
        let pass = ForwardPass(kernels: kernels, x: input.storage.pointer, pooled: output.storage.pointer,
                               winners: winners.reserve(output.count),
                               buffers: scratch.reserve(chunkCount * chunkSize), chunkSize: chunkSize)
        parallelFor(chunkCount, chunksOf: 0..<rows, pass)
        self.input = training ? input : nil
        return output
    }

    /// The forward pass, handed to the threads: a range of the batch's pooled rows, each chunk with its
    /// scratch, `chunkSize` floats apart.
    private struct ForwardPass: ChunkedWork {
        let kernels: SingleChannelConvolution
        let x: UnsafePointer<Float>, pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<UInt8>
        let buffers: UnsafeMutablePointer<Float>, chunkSize: Int

        func run(chunk: Int, _ rows: Range<Int>) {
            kernels.convolveAndMaxPool(x, pooledRows: rows, into: pooled, winners: winners,
                                       scratch: buffers + chunk &* chunkSize)
        }
    }

    /// Sets the convolution's parameter gradients from the gradient of the pooled output; returns nil, as
    /// the first layer with parameters needs no input gradient.
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        precondition(!needsInputGradient, "The fused Conv2D and MaxPool2D compute no input gradient")
        guard let input else { preconditionFailure("Conv2D.backward needs a training-mode forward pass first") }
        self.input = nil
        precondition(outputGradient.shape == output.shape,
                     "MaxPool2D.backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(output.shape)")
        let batch = outputGradient.shape[0], kernels = self.kernels
        convolution.kernel.gradient.prepare(shape: convolution.kernelShape)
        convolution.bias?.gradient.prepare(shape: convolution.biasShape)
        let chunkCount = threadIndependentChunkCount(for: batch)
        let kernelCount = convolution.kernel.gradient.count, biasCount = convolution.filters
        let chunkSize = PartialGradients.size(kernelCount: kernelCount, biasCount: biasCount)
            + cacheLineAligned(floats: kernels.scratchFloats)
        let pass = BackwardPass(
            kernels: kernels, x: input.storage.pointer, dpooled: outputGradient.storage.pointer,
            pooled: output.storage.pointer, winners: winners.reserve(output.count),
            partials: PartialGradients(kernel: convolution.kernel.gradient.storage.pointer,
                                       bias: convolution.bias?.gradient.storage.pointer,
                                       kernelCount: kernelCount, biasCount: biasCount,
                                       buffers: scratch.reserve(chunkCount * chunkSize), chunkSize: chunkSize))
        parallelFor(chunkCount, chunksOf: 0..<batch, pass)
        pass.partials.combine(chunks: chunkCount)
        return nil
    }

    /// The backward pass, handed to the threads: a range of samples, whose parameter gradients each chunk
    /// sums in its own place of `partials`, beside its scratch.
    private struct BackwardPass: ChunkedWork {
        let kernels: SingleChannelConvolution
        let x: UnsafePointer<Float>, dpooled: UnsafePointer<Float>
        let pooled: UnsafePointer<Float>, winners: UnsafePointer<UInt8>
        let partials: PartialGradients

        func run(chunk: Int, _ samples: Range<Int>) {
            let (dw, db) = partials.sums(forChunk: chunk)
            kernels.maxPoolParameterGradients(x, pooledGradient: dpooled, pooled: pooled, winners: winners,
                                              samples: samples, kernelGradient: dw, biasGradient: db,
                                              scratch: partials.scratch(forChunk: chunk))
        }
    }
}
