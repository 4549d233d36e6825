/// Batch normalisation over every axis but the last: each channel (feature) is shifted and scaled to
/// zero mean and unit variance, then mapped through the learnt `gamma · x̂ + beta`.
///
/// It takes `[N, F]` and `[N, H, W, C]` batches alike. In training it normalises with the batch's own
/// mean and variance and folds them into ``runningMean`` and ``runningVariance``; in inference it
/// normalises with those running statistics instead. ``Model/recalibrateStatistics(on:batchSize:)-(Tensor,_)``
/// estimates them afresh from data, with the model in inference mode.
///
/// The semantics are Keras 3's: `moving = moving · momentum + batch · (1 − momentum)`, and the batch
/// variance — used both to normalise and to update ``runningVariance`` — is the biased one (divided by
/// the number of values per channel, not one less), as `keras.ops.moments` computes it. PyTorch folds
/// in the unbiased variance instead, so its running variance is slightly larger for small batches.
public final class BatchNormalization: Layer {
    public let name = "batch_normalization"
    /// How much of the running statistics survives each training step (Keras's default 0.99).
    public let momentum: Float
    /// Added to the variance before its square root, so constant channels do not divide by zero.
    public let epsilon: Float
    /// The scale, `[C]`, starting at ones.
    public let gamma: Parameter
    /// The offset, `[C]`, starting at zeros.
    public let beta: Parameter
    public let parameters: [Parameter]
    /// The moving average of the batch means, `[C]`, starting at zeros; not trained by gradients.
    public var runningMean: Tensor
    /// The moving average of the (biased) batch variances, `[C]`, starting at ones; not trained by
    /// gradients.
    public var runningVariance: Tensor

    private var channels = 0
    private var output = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])
    // Per-channel vectors, [C], never handed out, so the kernels write them in place.
    private var mean = Tensor(shape: [0])
    private var inverseDeviation = Tensor(shape: [0])
    private var variance = Tensor(shape: [0])
    private var scale = Tensor(shape: [0])
    private var centeredScale = Tensor(shape: [0])
    private var shift = Tensor(shape: [0])
    /// Per-chunk partial sums of the channel reductions, in `Double` so one pass gives the variance.
    private let partialSums = ScratchBuffer<Double>()
    /// The input of the last training-mode forward call, released by backward so that the layer
    /// before can reuse its output workspace.
    private var input: Tensor?
    /// Whether that call applied ReLU after the normalisation, so that backward takes its derivative.
    private var rectified = false
    /// Whether that call pooled its output (``forwardMaxPooled(_:training:rectifying:into:winners:)``).
    private var pooledForward = false
    /// Σ x and Σ x² per channel (`[2C]`, as ``channelSums(rows:_:)`` gives them) over every row seen since
    /// ``beginStatisticsRecalibration()``, and the number of rows; nil when not recalibrating.
    private var recalibration: (sums: [Double], rows: Int)?

    /// A layer with Keras's defaults: momentum 0.99, epsilon 0.001.
    public init(momentum: Float = 0.99, epsilon: Float = 1e-3) {
        precondition(momentum >= 0 && momentum <= 1, "BatchNormalization momentum must be in 0...1, got \(momentum)")
        precondition(epsilon > 0, "BatchNormalization epsilon must be positive, got \(epsilon)")
        self.momentum = momentum
        self.epsilon = epsilon
        gamma = Parameter(name: "gamma", value: Tensor(shape: [0]))
        beta = Parameter(name: "beta", value: Tensor(shape: [0]))
        parameters = [gamma, beta]
        runningMean = Tensor(shape: [0])
        runningVariance = Tensor(shape: [0])
    }

    /// ``runningMean`` as `running_mean` and ``runningVariance`` as `running_variance`.
    public var buffers: [String: Tensor] {
        get { ["running_mean": runningMean, "running_variance": runningVariance] }
        set {
            if let mean = newValue["running_mean"] { runningMean = mean }
            if let variance = newValue["running_variance"] { runningVariance = variance }
        }
    }

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        channels = try channelCount(of: inputShape, layer: name)
        let channels = self.channels
        gamma.prepare(shape: [channels]) { Tensor(shape: [channels], repeating: 1) }
        beta.prepare(shape: [channels]) { Tensor(shape: [channels]) }
        if runningMean.shape != [channels] || runningVariance.shape != [channels] {
            runningMean = Tensor(shape: [channels])
            runningVariance = Tensor(shape: [channels], repeating: 1)
        }
        mean = Tensor(shape: [channels])
        inverseDeviation = Tensor(shape: [channels])
        variance = Tensor(shape: [channels])
        scale = Tensor(shape: [channels])
        centeredScale = Tensor(shape: [channels])
        shift = Tensor(shape: [channels])
        return inputShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        forward(input, training: training, rectifying: false)
    }

    /// The forward pass, followed by ReLU when `rectifying`: the normalising pass applies it, and a
    /// training-mode call's backward pass takes its derivative, so the layer after needs no pass of its own.
    func forward(_ input: Tensor, training: Bool, rectifying: Bool) -> Tensor {
        prepareCoefficients(for: input, training: training)
        let rows = input.count / channels
        output.prepare(shape: input.shape)
        let pass = ChannelNormalizationPass(x: input.storage.pointer, mean: mean.storage.pointer,
                                            scale: scale.storage.pointer, offset: beta.value.storage.pointer,
                                            rectifying: rectifying, y: output.storage.pointer, channels: channels)
        parallelFor(threadChunkCount(rows: rows, width: channels), chunksOf: 0..<rows, pass)
        self.input = training ? input : nil
        rectified = rectifying
        pooledForward = false
        return output
    }

    /// The forward pass of images `[N, H, W, C]` (C a multiple of 16), followed by ReLU when `rectifying`
    /// and by 2×2 max pooling with stride 2, in one pass that writes only the pooled output (`pooled`,
    /// `[N, H/2, W/2, C]`) and each window's winner (`winners`), as the convolutions' pooled kernels do.
    /// A training-mode call's backward pass is ``backwardMaxPooled(_:pooled:winners:needsInputGradient:)``.
    func forwardMaxPooled(_ input: Tensor, training: Bool, rectifying: Bool, into pooled: Tensor,
                          winners: UnsafeMutablePointer<UInt8>) {
        precondition(input.rank == 4 && channels % 16 == 0
                     && pooled.shape == [input.shape[0], input.shape[1] / 2, input.shape[2] / 2, channels],
                     "BatchNormalization with pooling takes [N, H, W, C] to [N, H/2, W/2, C], C a multiple of 16; got \(input.shape) to \(pooled.shape)")
        prepareCoefficients(for: input, training: training)
        let batch = input.shape[0]
        let pass = MaxPooledNormalization(x: input.storage.pointer, height: input.shape[1], width: input.shape[2],
                                          channels: channels, mean: mean.storage.pointer, scale: scale.storage.pointer,
                                          offset: beta.value.storage.pointer, rectifying: rectifying,
                                          pooled: pooled.storage.pointer, winners: winners)
        parallelFor(Swift.min(Backend.threadCount, batch), chunksOf: 0..<batch, pass)
        self.input = training ? input : nil
        rectified = rectifying
        pooledForward = true
    }

    /// Sets ``mean`` and ``scale`` (`γσ⁻¹`) for normalising `input`: from the batch's statistics in
    /// training, which it also folds into the running ones, or while recalibrating, which adds them up;
    /// from the running statistics otherwise.
    private func prepareCoefficients(for input: Tensor, training: Bool) {
        precondition(channels > 0, "BatchNormalization used before it was built")
        precondition(input.rank >= 2 && input.shape[input.rank - 1] == channels && input.shape[0] > 0,
                     "BatchNormalization built for \(channels) channels (a batch [N, ..., \(channels)], N > 0) was given \(input.shape)")
        checkShape(of: self.gamma.value, "gamma")
        checkShape(of: self.beta.value, "beta")
        checkShape(of: runningMean, "runningMean")
        checkShape(of: runningVariance, "runningVariance")

        let rows = input.count / self.channels, channels = self.channels
        let mean = self.mean.storage.pointer, inverseDeviation = self.inverseDeviation.storage.pointer
        let x = UnsafePointer(input.storage.pointer)
        if training || recalibration != nil {
            let sums = channelSums(rows: rows) { MomentSums(x: x, partialSums: $0) }
            let variance = self.variance.storage.pointer
            for c in 0..<channels {
                let moments = Self.moments(sums, rows: rows, channels: channels, channel: c)
                variance[c] = Float(moments.variance)
                mean[c] = Float(moments.mean)
                inverseDeviation[c] = 1 / (variance[c] + epsilon).squareRoot()
            }
            if training {
                updateRunningStatistics()
            } else {
                recalibration!.rows += rows
                for index in 0..<(2 * channels) { recalibration!.sums[index] += sums[index] }
            }
        } else {
            let runningMean = self.runningMean.storage.pointer, runningVariance = self.runningVariance.storage.pointer
            for c in 0..<channels {
                mean[c] = runningMean[c]
                inverseDeviation[c] = 1 / (runningVariance[c] + epsilon).squareRoot()
            }
        }
        let gamma = self.gamma.value.storage.pointer, scale = self.scale.storage.pointer
        for c in 0..<channels {
            scale[c] = gamma[c] * inverseDeviation[c]
        }
    }

    /// Folds the batch's mean and variance into the running statistics.
    private func updateRunningStatistics() {
        let keep = momentum, blend = 1 - momentum
        let mean = self.mean.storage.pointer, variance = self.variance.storage.pointer
        runningMean.withUnsafeMutableBufferPointer { runningMean in
            runningVariance.withUnsafeMutableBufferPointer { runningVariance in
                for c in 0..<channels {
                    runningMean[c] = runningMean[c] * keep + mean[c] * blend
                    runningVariance[c] = runningVariance[c] * keep + variance[c] * blend
                }
            }
        }
    }

    /// Whether inference-mode passes estimate the running statistics afresh
    /// (``beginStatisticsRecalibration()``) instead of normalising with them.
    public var isRecalibratingStatistics: Bool { recalibration != nil }

    public func beginStatisticsRecalibration() {
        precondition(channels > 0, "BatchNormalization used before it was built")
        recalibration = (sums: Array(repeating: 0, count: 2 * channels), rows: 0)
    }

    /// The running mean and variance become the mean and (biased) variance of every value seen since
    /// ``beginStatisticsRecalibration()``, each channel's over all its rows; with none seen they stay.
    public func endStatisticsRecalibration() {
        guard let (sums, rows) = recalibration else { return }
        recalibration = nil
        guard rows > 0 else { return }
        let moments = sums.withUnsafeBufferPointer { sums in
            (0..<channels).map { Self.moments(sums.baseAddress!, rows: rows, channels: channels, channel: $0) }
        }
        runningMean = Tensor(shape: [channels], scalars: moments.map { Float($0.mean) })
        runningVariance = Tensor(shape: [channels], scalars: moments.map { Float($0.variance) })
    }

    /// Channel `channel`'s mean and biased variance from Σ x and Σ x² over `rows` rows (`[2C]` sums, as
    /// ``channelSums(rows:_:)`` gives them).
    private static func moments(
        _ sums: UnsafePointer<Double>, rows: Int, channels: Int, channel c: Int
    ) -> (mean: Double, variance: Double) {
        let count = Double(rows), mean = sums[c] / count
        return (mean, Swift.max(0, sums[channels + c] / count - mean * mean))
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        precondition(!pooledForward, "BatchNormalization.backward after forwardMaxPooled; call backwardMaxPooled")
        precondition(input == nil || outputGradient.shape == input!.shape,
                     "BatchNormalization output gradient has shape \(outputGradient.shape), its output \(input!.shape)")
        return backward(from: .unpooled(UnsafePointer(outputGradient.storage.pointer)),
                        needsInputGradient: needsInputGradient)
    }

    /// The backward pass after ``forwardMaxPooled(_:training:rectifying:into:winners:)``, from the gradient
    /// of the pooled output it wrote (`pooled`, with `winners`): each normalised value's gradient is the
    /// pooled gradient where it won its window and ReLU passed it, zero elsewhere, read straight from the
    /// pooled tensors by the sums and the input gradient, which are an image's unpooled passes' bits.
    func backwardMaxPooled(_ pooledGradient: Tensor, pooled: Tensor, winners: UnsafePointer<UInt8>,
                           needsInputGradient: Bool) -> Tensor? {
        guard let input, pooledForward else {
            preconditionFailure("BatchNormalization.backwardMaxPooled needs a training-mode forwardMaxPooled call first")
        }
        precondition(pooledGradient.shape == pooled.shape
                     && pooled.shape == [input.shape[0], input.shape[1] / 2, input.shape[2] / 2, channels],
                     "BatchNormalization pooled gradient has shape \(pooledGradient.shape), its pooled output \(pooled.shape)")
        let source = MaxPooledGradient(dpooled: pooledGradient.storage.pointer, pooled: pooled.storage.pointer,
                                       winners: winners, height: input.shape[1], width: input.shape[2])
        return backward(from: .maxPooled(source), needsInputGradient: needsInputGradient)
    }

    private func backward(from source: GradientSource, needsInputGradient: Bool) -> Tensor? {
        guard let input else {
            preconditionFailure("BatchNormalization.backward needs a training-mode forward call first")
        }
        self.input = nil
        let rows = input.count / self.channels, channels = self.channels
        let inverseDeviation = self.inverseDeviation.storage.pointer
        let x = UnsafePointer(input.storage.pointer)
        let forwardPass = ForwardPass(mean: mean.storage.pointer, scale: scale.storage.pointer,
                                      offset: beta.value.storage.pointer, rectified: rectified, channels: channels)
        // The passes go over rows of C values, or over whole images when the gradient is pooled.
        let (items, itemWidth) = source.isPooled ? (input.shape[0], input.count / input.shape[0]) : (rows, channels)

        // Σ dy and Σ dy·(x − μ) per channel (dy through ReLU's derivative when the forward pass applied it)
        // give both parameter gradients and the input gradient.
        let sums = channelSums(items: items, itemWidth: itemWidth) {
            GradientSums(source: source, x: x, forwardPass: forwardPass, partialSums: $0)
        }
        self.gamma.gradient.prepare(shape: self.gamma.value.shape)
        beta.gradient.prepare(shape: beta.value.shape)
        let dGamma = self.gamma.gradient.storage.pointer, dBeta = beta.gradient.storage.pointer
        for c in 0..<channels {
            dBeta[c] = Float(sums[c])
            dGamma[c] = Float(sums[channels + c]) * inverseDeviation[c]
        }
        guard needsInputGradient else { return nil }

        // dx = γσ⁻¹·(dy − dβ/M − x̂·dγ/M) with x̂ = (x − μ)σ⁻¹, M values per channel, is one affine map
        // per channel: dx = a·dy + b·(x − μ) + d, where a = γσ⁻¹ is the forward pass's scale.
        let a = self.scale.storage.pointer, b = centeredScale.storage.pointer, d = shift.storage.pointer
        let inverseCount = 1 / Float(rows)
        for c in 0..<channels {
            b[c] = -a[c] * inverseDeviation[c] * dGamma[c] * inverseCount
            d[c] = -a[c] * dBeta[c] * inverseCount
        }
        inputGradient.prepare(shape: input.shape)
        let pass = GradientCombination(source: source, x: x, forwardPass: forwardPass, centeredScale: b, shift: d,
                                       dx: inputGradient.storage.pointer)
        parallelFor(threadChunkCount(rows: items, width: itemWidth), chunksOf: 0..<items, pass)
        return inputGradient
    }

    /// Runs the pass `work(partialSums)` over chunks of the rows on all threads, each chunk adding into
    /// its own pair of `[C]` partial sums, and returns the totals: `C` first sums, then `C` second.
    ///
    /// The chunks, and the order their sums are added in, depend only on the row count, so the result
    /// depends neither on thread scheduling nor on the number of threads.
    private func channelSums<Work: ChunkedWork>(
        rows: Int, _ work: (_ partialSums: PartialChannelSums) -> Work
    ) -> UnsafePointer<Double> {
        channelSums(items: rows, itemWidth: channels, work)
    }

    /// ``channelSums(rows:_:)`` over `items` items of `itemWidth` values each: rows of one value per
    /// channel, or whole images.
    private func channelSums<Work: ChunkedWork>(
        items: Int, itemWidth: Int, _ work: (_ partialSums: PartialChannelSums) -> Work
    ) -> UnsafePointer<Double> {
        let chunks = threadIndependentChunkCount(for: items, minimumChunk: Swift.max(1, (1 << 15) / itemWidth))
        let stride = 2 * channels
        let base = partialSums.reserve(chunks * stride)
        base.update(repeating: 0, count: chunks * stride)
        parallelFor(chunks, chunksOf: 0..<items, work(PartialChannelSums(base: base, channels: channels)))
        for chunk in 1..<chunks {
            let sums = base + chunk * stride
            for index in 0..<stride { base[index] += sums[index] }
        }
        return UnsafePointer(base)
    }

    /// Per-channel vectors can be replaced from outside (loading a model); a wrong shape would make the
    /// kernels read past the end, so it stops here instead.
    private func checkShape(of vector: Tensor, _ label: String) {
        precondition(vector.rank == 1 && vector.shape[0] == channels,
                     "BatchNormalization \(label) has shape \(vector.shape), expected [\(channels)]")
    }
}
