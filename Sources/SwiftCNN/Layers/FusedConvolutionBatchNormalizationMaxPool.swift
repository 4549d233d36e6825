// x: [N,H,W,C] → convolution [N,OH,OW,F] → batch normalisation over F → optional ReLU → 2×2 max pooling
// with stride 2 → [N,OH/2,OW/2,F].

/// A ``FusedConvolutionBatchNormalization`` (ReLU or no activation, a multiple of 16 filters) and the
/// 2×2 ``MaxPool2D`` after it, as one layer.
///
/// In training the normalisation's output pass applies ReLU and the pooling at once and writes only the
/// pooled output and each window's winner, so the normalised values are never stored and read back by the
/// pooling (6.4 MB a layer for the BatchNorm net's 28×28×32 output at batch 64). The normalisation's
/// backward passes read the pooled gradient and winners directly, so the gradient of the normalised values
/// is never written out either; the convolution's backward pass goes on from theirs. In inference the
/// layers run as the fused convolution and the pooling do alone.
///
/// A model runs it in place of the layers when they fit (``NormalizationMaxPoolFusion``); the parameters
/// stay the original layers'.
final class FusedConvolutionBatchNormalizationMaxPool: Layer {
    let name = "conv2d+batch_normalization+max_pooling2d"
    let normalized: FusedConvolutionBatchNormalization
    let pooling: MaxPool2D

    private let inputShape: [Int]
    private let pooledShape: [Int]
    private var output = Tensor(shape: [0])
    private let winners = ScratchBuffer<UInt8>()
    /// Whether the last forward call was in training mode, so that backward may run.
    private var holdsTrainingPass = false

    /// The fused layers (all built), or nil when they don't fit: the normalisation applies ReLU or no
    /// activation, over a multiple of 16 filters, and the pooling takes 2×2 windows with stride 2 and no
    /// padding.
    init?(_ normalized: FusedConvolutionBatchNormalization, _ pooling: MaxPool2D, inputShape: [Int]) {
        var unused = Xoshiro256(seed: 0)
        guard normalized.normalizationAppliesTheActivation, normalized.convolution.filters % 16 == 0,
              ChannelConvolution.fusesMaxPool(poolSize: pooling.poolSize, strides: pooling.strides,
                                              padding: pooling.padding, after: .linear),
              let normalizedShape = try? normalized.build(inputShape: inputShape, generator: &unused),
              normalizedShape.count == 3, normalizedShape[0] >= 2, normalizedShape[1] >= 2
        else { return nil }
        self.normalized = normalized
        self.pooling = pooling
        self.inputShape = inputShape
        pooledShape = [normalizedShape[0] / 2, normalizedShape[1] / 2, normalizedShape[2]]
    }

    var parameters: [Parameter] { normalized.parameters }

    /// The pooled shape; the layers are built already.
    func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        precondition(inputShape == self.inputShape,
                     "The fused Conv2D was built for inputs \(self.inputShape), got \(inputShape)")
        return pooledShape
    }

    func forward(_ input: Tensor, training: Bool) -> Tensor {
        holdsTrainingPass = training
        guard training else { return pooling.forward(normalized.forward(input, training: false), training: false) }
        let sums = normalized.convolution.forward(input, training: true)
        output.prepare(batch: input.shape[0], sampleShape: pooledShape)
        normalized.normalization.forwardMaxPooled(sums, training: true, rectifying: normalized.rectifies,
                                                  into: output, winners: winners.reserve(output.count))
        return output
    }

    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        precondition(holdsTrainingPass, "The fused MaxPool2D.backward needs a training-mode forward pass first")
        holdsTrainingPass = false
        precondition(outputGradient.shape == output.shape,
                     "MaxPool2D.backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(output.shape)")
        let sumsGradient = normalized.normalization.backwardMaxPooled(
            outputGradient, pooled: output, winners: winners.reserve(output.count), needsInputGradient: true)!
        return normalized.convolution.backward(sumsGradient, needsInputGradient: needsInputGradient)
    }
}
