/// One step of training, as ``Model/fit(_:epochs:batchSize:optimizer:loss:schedule:validationData:validationSplit:shuffleSeed:initialEpoch:accumulationSteps:processGroup:verbosity:callbacks:)``
/// runs it: the forward pass and the loss, the backward pass, an optional hook that sees the gradients,
/// and the optimizer's update. For training loops of your own, and for data-parallel training, which
/// combines the gradients of several processes in the hook.
///
/// ```swift
/// let step = TrainingStep(model: model, optimizer: Adam(learningRate: 1e-3))
/// step.gradientHook = { parameters in clipNorms(parameters) }
/// var metrics = BatchMetrics()
/// for (images, labels) in batches {
///     metrics += try step.run(inputs: images, labels: .classes(labels))
/// }
/// print(metrics.loss, metrics.accuracy)
/// ```
///
/// A warmed-up step allocates nothing: the loss gradient is a workspace the step keeps.
public final class TrainingStep {
    /// The model trained.
    public let model: Model
    /// Updates the parameters from their gradients.
    public let optimizer: Optimizer
    /// The objective.
    public var loss: Loss
    /// Called after the gradients are computed and before they are applied, with the model's
    /// ``Model/parameters``; it may change the gradients in place. An error it throws ends the step
    /// without an update.
    public var gradientHook: (([Parameter]) throws -> Void)?
    /// How many slices of each global batch this process trains one after another, adding up their
    /// gradients before the update (see ``train(batch:of:)``).
    public let accumulationSteps: Int
    /// The processes that train the other slices of each global batch, if any.
    public let processGroup: ProcessGroup?

    private var lossGradient = Tensor(shape: [0])
    /// The slices' gradients, once batches are split.
    private lazy var accumulation = GradientAccumulation(parameters: model.parameters)
    /// The slices' random streams, once batches are split.
    private lazy var streams = SliceRandomStreams(model: model)

    /// A step training `model` with `optimizer` on `loss`; ``train(batch:of:)`` splits each global batch
    /// into `accumulationSteps` slices per process of `processGroup`.
    public init(model: Model, optimizer: Optimizer, loss: Loss = SoftmaxCrossEntropy(), accumulationSteps: Int = 1,
                processGroup: ProcessGroup? = nil) {
        precondition(accumulationSteps > 0, "accumulationSteps must be positive, got \(accumulationSteps)")
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        self.accumulationSteps = accumulationSteps
        self.processGroup = processGroup
    }

    /// Trains on one batch: computes the gradients, checks the loss, calls ``gradientHook`` and applies
    /// the gradients.
    ///
    /// - Parameters:
    ///   - inputs: `[N] + inputShape`.
    ///   - labels: One class index per sample, or targets of the model's output shape.
    /// - Returns: What the batch measured, before the update.
    /// - Throws: ``TrainingError/nonFiniteLoss(epoch:batch:)`` (epoch and batch 0) when the loss is NaN or
    ///   infinite, and whatever ``gradientHook`` throws; the parameters are then left as they were.
    ///
    /// The whole batch is one slice: a step that splits batches (``accumulationSteps`` or a
    /// ``processGroup``) trains with ``train(batch:of:)``, then ``applyGradients()``.
    @discardableResult
    public func run(inputs: Tensor, labels: Labels) throws -> BatchMetrics {
        precondition(accumulationSteps == 1 && processGroup == nil,
                     "TrainingStep.run trains one batch as a whole; a step that splits batches uses train(batch:of:)")
        let metrics = computeGradients(inputs: inputs, labels: labels)
        guard metrics.loss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: 0, batch: 0) }
        try gradientHook?(model.parameters)
        applyGradients()
        return metrics
    }

    /// Runs one batch forward and backward: afterwards every parameter's ``Parameter/gradient`` holds the
    /// gradient of the batch's mean loss, and nothing has been applied yet.
    public func computeGradients(inputs: Tensor, labels: Labels) -> BatchMetrics {
        computeGradients(inputs: inputs, labels: labels, lossScale: 1)
    }

    /// ``computeGradients(inputs:labels:)`` for the mean loss times `lossScale`.
    func computeGradients(inputs: Tensor, labels: Labels, lossScale: Float) -> BatchMetrics {
        precondition(inputs.rank == model.inputShape.count + 1 && inputs.shape.dropFirst().elementsEqual(model.inputShape),
                     "The model trains on inputs of shape [N] + \(model.inputShape), got \(inputs.shape)")
        let metrics = forwardWithLoss(inputs, labels: labels)
        if lossScale != 1 {
            lossGradient.withUnsafeMutableBufferPointer { gradient in
                for index in gradient.indices { gradient[index] *= lossScale }
            }
        }
        model.plan.backward(lossGradient)
        return metrics
    }

    /// Computes the gradients of the global batch of `data`'s samples at `indices`, without applying them:
    /// afterwards every parameter's ``Parameter/gradient`` holds the gradient of the global batch's mean loss,
    /// on every process of ``processGroup``.
    ///
    /// The batch is split into `accumulationSteps × processGroup.size` slices of consecutive indices, as
    /// even as can be; process `r` trains slices `r × accumulationSteps` onwards. Slice `k`'s gradient is
    /// that of its loss sum over the global batch's sample count; the slices' gradients are added in slice
    /// order, and slice `k` draws its random numbers (augmentation, dropout) from stream `k` of the step
    /// (see ``Xoshiro256/jump()``). So with one slice per process, N processes compute the very floats one
    /// process computes accumulating over N slices, on any number of threads each (the kernels' sums are
    /// split by the batch, not by ``Backend/threadCount``); only the running statistics of
    /// ``BatchNormalization`` differ, each process keeping those of its own slices. With one slice in all, this is ``computeGradients(inputs:labels:)``.
    ///
    /// - Returns: What the whole global batch measured, on every process.
    /// - Throws: What ``processGroup`` throws when a process fails.
    public func train(batch indices: ArraySlice<Int>, of data: LabeledDataset) throws -> BatchMetrics {
        let sliceCount = accumulationSteps * (processGroup?.size ?? 1)
        guard sliceCount > 1 else {
            let labels = model.fillBatch(indices, from: data)
            return computeGradients(inputs: model.batchInputs, labels: labels)
        }
        accumulation.reset()
        streams.beginStep()
        var measured = BatchMetrics()
        let firstSlice = (processGroup?.rank ?? 0) * accumulationSteps
        for slice in firstSlice..<firstSlice + accumulationSteps {
            let start = indices.startIndex + indices.count * slice / sliceCount
            let end = indices.startIndex + indices.count * (slice + 1) / sliceCount
            guard start < end else { continue }
            streams.select(slice: slice)
            let labels = model.fillBatch(indices[start..<end], from: data)
            measured += computeGradients(inputs: model.batchInputs, labels: labels,
                                         lossScale: Float(end - start) / Float(indices.count))
            accumulation.addGradients()
        }
        streams.endStep(sliceCount: sliceCount)
        if let processGroup {
            try processGroup.sumInRankOrder(accumulation.sums)
            measured = try processGroup.sum(measured)
        }
        accumulation.writeGradients()
        return measured
    }

    /// Updates the parameters from the gradients that ``computeGradients(inputs:labels:)`` left.
    public func applyGradients() {
        optimizer.update(model.parameters)
    }

    /// The training-mode forward pass and the loss, its gradient written to ``lossGradient``.
    ///
    /// A function of its own so that the outputs it holds are released before the backward pass and the
    /// next batch, letting every layer reuse its workspaces.
    private func forwardWithLoss(_ inputs: Tensor, labels: Labels) -> BatchMetrics {
        let outputs = model.plan.forward(inputs, training: true)
        let value = loss.valueAndGradient(predictions: outputs, labels: labels, into: &lossGradient)
        let count = inputs.shape[0]
        return BatchMetrics(lossSum: Double(value) * Double(count), correctCount: labels.correctCount(of: outputs),
                            sampleCount: count)
    }
}

/// What training or evaluation measured over some samples, kept as sums with counts so that batches of
/// any sizes (and the shards of several processes) combine exactly: `total += batch`.
public struct BatchMetrics: Equatable, Sendable {
    /// The sum over the samples of the per-sample loss.
    public var lossSum: Double
    /// How many samples were classified correctly.
    public var correctCount: Int
    /// How many samples were measured.
    public var sampleCount: Int

    /// Metrics of `sampleCount` samples; none by default.
    public init(lossSum: Double = 0, correctCount: Int = 0, sampleCount: Int = 0) {
        self.lossSum = lossSum
        self.correctCount = correctCount
        self.sampleCount = sampleCount
    }

    /// The mean loss; NaN for no samples.
    public var loss: Float { Float(lossSum / Double(sampleCount)) }
    /// The fraction of samples classified correctly, in 0...1; NaN for no samples.
    public var accuracy: Float { Float(correctCount) / Float(sampleCount) }

    /// Adds the samples of `other`.
    public static func += (total: inout BatchMetrics, other: BatchMetrics) {
        total.lossSum += other.lossSum
        total.correctCount += other.correctCount
        total.sampleCount += other.sampleCount
    }
}
