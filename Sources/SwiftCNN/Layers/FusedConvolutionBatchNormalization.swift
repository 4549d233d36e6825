// x: [N,H,W,C] → convolution [N,OH,OW,F] → batch normalisation over F → optional activation.

/// A ``Conv2D`` with no activation, the ``BatchNormalization`` after it and optionally an activation after
/// that, as one layer.
///
/// In training the layers run one after the other: the normalisation needs the batch's own statistics.
/// ReLU, the usual activation there, is applied by the normalising pass and differentiated by the
/// normalisation's backward passes, which recompute the sign from the convolution's output, so the
/// rectified copy is neither written nor read a second time. In inference the normalisation is an affine map per filter with fixed coefficients, so it
/// is folded into the convolution's weights — with `s = γ / √(σ² + ε)`, kernel `w·s` and bias
/// `(b − μ)·s + β` per filter — and the pass is one convolution with the activation in its epilogue: no
/// normalised copy of the output is written or read. The folded weights are computed again from the
/// current parameters and running statistics at every inference pass (a few thousand multiplications),
/// so training between passes, loading weights or resuming needs no invalidation. While the normalisation
/// recalibrates its statistics (``BatchNormalization/isRecalibratingStatistics``) inference runs the layers
/// one after the other too, so that it sees the convolution's outputs.
///
/// A model runs it in place of the layers when they fit (``ConvolutionBatchNormalizationFolding``, then
/// ``ActivationFolding`` for the activation); the parameters stay the original layers'.
final class FusedConvolutionBatchNormalization: Layer, ActivationFusing {
    let name = "conv2d+batch_normalization"
    let convolution: Conv2D
    let normalization: BatchNormalization
    /// The activation after the normalisation in training, unless it is ReLU, which the normalisation
    /// applies (``rectifies``); in inference the folded convolution applies it.
    private let activation: ElementwiseActivation?
    /// Whether the activation is ReLU, applied by the normalisation's passes in training.
    let rectifies: Bool
    /// Whether no activation follows the normalisation, or ReLU, which its passes apply.
    var normalizationAppliesTheActivation: Bool { activation == nil }
    /// The convolution with the folded kernel and bias as its own parameters.
    private let folded: Conv2D
    private let foldedKernel: Parameter
    private let foldedBias: Parameter
    private let inputShape: [Int]
    private let outputShape: [Int]

    /// The fused layers (both built), or nil when they don't fit: a convolution without an activation of
    /// its own, normalised over its filters.
    init?(_ convolution: Conv2D, _ normalization: BatchNormalization, activation: Activation = .linear) {
        guard convolution.activation == .linear, let geometry = convolution.geometry,
              normalization.gamma.value.shape == [convolution.filters] else { return nil }
        self.convolution = convolution
        self.normalization = normalization
        rectifies = activation == .relu
        self.activation = activation == .linear || rectifies ? nil : ElementwiseActivation(activation)
        inputShape = geometry.inputSampleShape
        outputShape = [geometry.outputHeight, geometry.outputWidth, convolution.filters]
        foldedKernel = Parameter(name: "kernel", value: Tensor(shape: convolution.kernelShape))
        foldedBias = Parameter(name: "bias", value: Tensor(shape: [convolution.filters]))
        folded = Conv2D(filters: convolution.filters, kernelSize: convolution.kernelSize, strides: convolution.strides,
                        padding: convolution.padding, activation: activation, algorithm: convolution.algorithm,
                        kernel: foldedKernel, bias: foldedBias)
        var unused = Xoshiro256(seed: 0)
        guard (try? folded.build(inputShape: inputShape, generator: &unused)) == outputShape else { return nil }
    }

    var parameters: [Parameter] { convolution.parameters + normalization.parameters }

    /// The convolution's output shape; the layers are built already.
    func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        precondition(inputShape == self.inputShape,
                     "The fused Conv2D was built for inputs \(self.inputShape), got \(inputShape)")
        return outputShape
    }

    func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training || normalization.isRecalibratingStatistics else {
            foldNormalization()
            return folded.forward(input, training: false)
        }
        let normalized = normalization.forward(convolution.forward(input, training: training), training: training,
                                               rectifying: rectifies)
        return activation?.forward(normalized, training: training) ?? normalized
    }

    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        let normalizedGradient = activation.map {
            $0.backward(outputGradient, needsInputGradient: true, layer: name)!
        } ?? outputGradient
        let convolutionGradient = normalization.backward(normalizedGradient, needsInputGradient: true)!
        return convolution.backward(convolutionGradient, needsInputGradient: needsInputGradient)
    }

    func fusing(_ activation: Activation) -> Layer? {
        guard self.activation == nil && !rectifies else { return nil }
        return FusedConvolutionBatchNormalization(convolution, normalization, activation: activation)
    }

    /// Writes the folded kernel and bias from the current weights and running statistics.
    private func foldNormalization() {
        convolution.checkParameterShapes()
        let filters = convolution.filters
        let gamma = normalization.gamma.value, beta = normalization.beta.value
        let mean = normalization.runningMean, variance = normalization.runningVariance
        precondition(gamma.shape == [filters] && beta.shape == [filters] && mean.shape == [filters]
                     && variance.shape == [filters],
                     "BatchNormalization after a Conv2D of \(filters) filters needs [\(filters)] parameters and statistics")
        let kernel = convolution.kernel.value.storage.pointer, bias = convolution.bias?.value.storage.pointer
        let foldedKernel = self.foldedKernel.value.storage.pointer
        let foldedBias = self.foldedBias.value.storage.pointer
        let g = gamma.storage.pointer, b = beta.storage.pointer
        let m = mean.storage.pointer, v = variance.storage.pointer
        for f in 0..<filters {
            let scale = g[f] / (v[f] + normalization.epsilon).squareRoot()
            foldedBias[f] = ((bias?[f] ?? 0) - m[f]) * scale + b[f]
            // HWIO: the filter is the fastest axis, so each row of `filters` weights takes one scale each.
            for index in stride(from: f, to: convolution.kernel.value.count, by: filters) {
                foldedKernel[index] = kernel[index] * scale
            }
        }
    }
}
