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
        precondition(channels > 0, "BatchNormalization used before it was built")
        precondition(input.rank >= 2 && input.shape[input.rank - 1] == channels && input.shape[0] > 0,
                     "BatchNormalization built for \(channels) channels (a batch [N, ..., \(channels)], N > 0) was given \(input.shape)")
        checkShape(of: self.gamma.value, "gamma")
        checkShape(of: self.beta.value, "beta")
        checkShape(of: runningMean, "runningMean")
        checkShape(of: runningVariance, "runningVariance")

        let rows = input.count / self.channels, channels = self.channels
        let mean = self.mean.storage.pointer, inverseDeviation = self.inverseDeviation.storage.pointer
        output.prepare(shape: input.shape)
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
        let pass = ChannelNormalizationPass(x: x, mean: mean, scale: scale, offset: beta.value.storage.pointer,
                                            y: output.storage.pointer, channels: channels)
        parallelFor(threadChunkCount(rows: rows, width: channels), chunksOf: 0..<rows, pass)
        self.input = training ? input : nil
        return output
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
        guard let input else {
            preconditionFailure("BatchNormalization.backward needs a training-mode forward call first")
        }
        self.input = nil
        precondition(outputGradient.shape == input.shape,
                     "BatchNormalization output gradient has shape \(outputGradient.shape), its output \(input.shape)")
        let rows = input.count / self.channels, channels = self.channels
        let inverseDeviation = self.inverseDeviation.storage.pointer, mean = self.mean.storage.pointer
        let x = UnsafePointer(input.storage.pointer), dy = UnsafePointer(outputGradient.storage.pointer)

        // Σ dy and Σ dy·(x − μ) per channel give both parameter gradients and the input gradient.
        let sums = channelSums(rows: rows) { GradientSums(dy: dy, x: x, mean: mean, partialSums: $0) }
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
        let pass = GradientCombination(dy: dy, x: x, mean: mean, gradientScale: a, centeredScale: b, shift: d,
                                       dx: inputGradient.storage.pointer, channels: channels)
        parallelFor(threadChunkCount(rows: rows, width: channels), chunksOf: 0..<rows, pass)
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
        let chunks = threadIndependentChunkCount(for: rows, minimumChunk: Swift.max(1, (1 << 15) / channels))
        let stride = 2 * channels
        let base = partialSums.reserve(chunks * stride)
        base.update(repeating: 0, count: chunks * stride)
        parallelFor(chunks, chunksOf: 0..<rows, work(PartialChannelSums(base: base, channels: channels)))
        for chunk in 1..<chunks {
            let sums = base + chunk * stride
            for index in 0..<stride { base[index] += sums[index] }
        }
        return UnsafePointer(base)
    }

    /// Where the chunks of ``channelSums(rows:_:)`` add their sums: each its own pair of `[C]` vectors.
    private struct PartialChannelSums {
        let base: UnsafeMutablePointer<Double>, channels: Int

        /// The pair of `[C]` partial sums that chunk `chunk` adds into.
        func pair(forChunk chunk: Int) -> (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) {
            let first = base + chunk &* 2 &* channels
            return (first, first + channels)
        }
    }

    /// The forward pass's statistics, handed to the threads: each channel's Σ x and Σ x² over a range of rows.
    private struct MomentSums: ChunkedWork {
        let x: UnsafePointer<Float>
        let partialSums: PartialChannelSums

        func run(chunk: Int, _ rows: Range<Int>) {
            let (sums, squares) = partialSums.pair(forChunk: chunk)
            accumulateMoments(x, rows: rows, channels: partialSums.channels, sums: sums, squares: squares)
        }
    }

    /// The backward pass's sums, handed to the threads: each channel's Σ dy and Σ dy·(x − μ) over a range
    /// of rows.
    private struct GradientSums: ChunkedWork {
        let dy: UnsafePointer<Float>, x: UnsafePointer<Float>, mean: UnsafePointer<Float>
        let partialSums: PartialChannelSums

        func run(chunk: Int, _ rows: Range<Int>) {
            let (gradientSums, products) = partialSums.pair(forChunk: chunk)
            accumulateGradientSums(dy, x, rows: rows, channels: partialSums.channels, mean: mean,
                                   gradientSums: gradientSums, products: products)
        }
    }

    /// The input gradient, handed to the threads: `dx = a·dy + b·(x − μ) + d` over a range of rows.
    private struct GradientCombination: ChunkedWork {
        let dy: UnsafePointer<Float>, x: UnsafePointer<Float>, mean: UnsafePointer<Float>
        let gradientScale: UnsafePointer<Float>, centeredScale: UnsafePointer<Float>, shift: UnsafePointer<Float>
        let dx: UnsafeMutablePointer<Float>
        let channels: Int

        func run(chunk: Int, _ rows: Range<Int>) {
            combineGradient(dy, x, rows: rows, channels: channels, mean: mean, gradientScale: gradientScale,
                            centeredScale: centeredScale, shift: shift, into: dx)
        }
    }

    /// Per-channel vectors can be replaced from outside (loading a model); a wrong shape would make the
    /// kernels read past the end, so it stops here instead.
    private func checkShape(of vector: Tensor, _ label: String) {
        precondition(vector.rank == 1 && vector.shape[0] == channels,
                     "BatchNormalization \(label) has shape \(vector.shape), expected [\(channels)]")
    }
}

// MARK: - Kernels

// x, y, dy, dx: [M, C], every axis but the channels flattened into M rows; `rows` is the slice of M
// to compute. Per-channel vectors (mean, scale, offset, …): [C]; sums: [C], in Double.

/// `gradientSums[c] += Σ dy[m, c]`, `products[c] += Σ dy[m, c] · (x[m, c] − mean[c])` over `rows`.
private func accumulateGradientSums(
    _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rows: Range<Int>, channels: Int,
    mean: UnsafePointer<Float>,
    gradientSums: UnsafeMutablePointer<Double>, products: UnsafeMutablePointer<Double>
) {
    for row in rows {
        let start = row &* channels
        let gradients = dy + start, values = x + start
        for c in 0..<channels {
            let gradient = gradients[c]
            gradientSums[c] += Double(gradient)
            products[c] += Double(gradient * (values[c] - mean[c]))
        }
    }
}

/// `dx[m, c] = dy[m, c] · gradientScale[c] + (x[m, c] − mean[c]) · centeredScale[c] + shift[c]`.
private func combineGradient(
    _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rows: Range<Int>, channels: Int,
    mean: UnsafePointer<Float>, gradientScale: UnsafePointer<Float>, centeredScale: UnsafePointer<Float>,
    shift: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>
) {
    for row in rows {
        let start = row &* channels
        let gradients = dy + start, values = x + start, results = dx + start
        for c in 0..<channels {
            results[c] = gradients[c] * gradientScale[c] + (values[c] - mean[c]) * centeredScale[c] + shift[c]
        }
    }
}
