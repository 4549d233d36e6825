/// A rewrite of the execution plan: two layers, the second the only reader of the first's output, run as
/// one layer that computes the same thing faster.
///
/// A rule is tried on every such pair when a model is built, and returns the fused layer or nil. The
/// fused layer uses the original layers' ``Parameter`` objects, so training it trains them; the model's
/// ``Model/layers`` stay as they were written.
protocol FusionRule: Sendable {
    /// One layer computing `second(first(x))` for inputs of `inputShape` (both layers built), or nil when
    /// the rule does not apply. `needsInputGradient` says whether the backward pass must return the
    /// gradient with respect to `x`.
    func fuse(_ first: Layer, then second: Layer, inputShape: [Int], needsInputGradient: Bool) -> Layer?
}

/// The rules every model's plan is compiled with, in the order they are tried.
let standardFusionRules: [FusionRule] = [
    ActivationFolding(), ConvolutionBatchNormalizationFolding(), ConvolutionMaxPoolFusion(), NormalizationMaxPoolFusion(),
    AffineAugmentationFusion(),
]

/// A standalone activation layer after a layer that applies an activation of its own (``Conv2D``,
/// ``Dense``) with none set: the layer applies it on its output while it is still in cache, and its
/// backward pass takes the activation's gradient with it.
struct ActivationFolding: FusionRule {
    func fuse(_ first: Layer, then second: Layer, inputShape: [Int], needsInputGradient: Bool) -> Layer? {
        guard let producer = first as? ActivationFusing, let activation = second as? ElementwiseActivationLayer,
              let fused = producer.fusing(activation.elementwise.activation) else { return nil }
        var unused = Xoshiro256(seed: 0)
        guard (try? fused.build(inputShape: inputShape, generator: &unused)) != nil else { return nil }
        return fused
    }
}

/// A ``Conv2D`` without activation and the ``BatchNormalization`` after it: in inference the normalisation
/// is folded into the convolution's weights (``FusedConvolutionBatchNormalization``); an activation after
/// them then folds in too, by ``ActivationFolding``.
struct ConvolutionBatchNormalizationFolding: FusionRule {
    func fuse(_ first: Layer, then second: Layer, inputShape: [Int], needsInputGradient: Bool) -> Layer? {
        guard let convolution = first as? Conv2D, let normalization = second as? BatchNormalization else { return nil }
        return FusedConvolutionBatchNormalization(convolution, normalization)
    }
}

/// A ``Conv2D`` that the direct kernels run and the 2×2 ``MaxPool2D`` after it: a convolution over
/// several channels anywhere, a single-channel one as the first layer with parameters (see
/// ``FusedConvolutionMaxPool``).
struct ConvolutionMaxPoolFusion: FusionRule {
    func fuse(_ first: Layer, then second: Layer, inputShape: [Int], needsInputGradient: Bool) -> Layer? {
        guard let convolution = first as? Conv2D, let pooling = second as? MaxPool2D else { return nil }
        return FusedConvolutionMaxPool(convolution, pooling, needsInputGradient: needsInputGradient)
    }
}

/// A convolution and batch normalisation fused with ReLU or no activation
/// (``FusedConvolutionBatchNormalization``) and the 2×2 ``MaxPool2D`` after them: in training the
/// normalising pass pools too (``FusedConvolutionBatchNormalizationMaxPool``).
struct NormalizationMaxPoolFusion: FusionRule {
    func fuse(_ first: Layer, then second: Layer, inputShape: [Int], needsInputGradient: Bool) -> Layer? {
        guard let normalized = first as? FusedConvolutionBatchNormalization, let pooling = second as? MaxPool2D
        else { return nil }
        return FusedConvolutionBatchNormalizationMaxPool(normalized, pooling, inputShape: inputShape)
    }
}

/// Two adjacent affine augmentation layers (or a fused run and the next one), in front of every layer
/// with parameters: each image is resampled once through the composed map (``FusedAffineAugmentation``).
struct AffineAugmentationFusion: FusionRule {
    func fuse(_ first: Layer, then second: Layer, inputShape: [Int], needsInputGradient: Bool) -> Layer? {
        guard !needsInputGradient else { return nil }
        return FusedAffineAugmentation(first, then: second)
    }
}
