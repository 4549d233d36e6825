/// One step of training, as ``Model/fit(_:epochs:batchSize:optimizer:loss:schedule:validationData:validationSplit:shuffleSeed:initialEpoch:verbosity:callbacks:)``
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

    private var lossGradient = Tensor(shape: [0])

    /// A step training `model` with `optimizer` on `loss`.
    public init(model: Model, optimizer: Optimizer, loss: Loss = SoftmaxCrossEntropy()) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
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
    @discardableResult
    public func run(inputs: Tensor, labels: Labels) throws -> BatchMetrics {
        let metrics = computeGradients(inputs: inputs, labels: labels)
        guard metrics.loss.isFinite else { throw TrainingError.nonFiniteLoss(epoch: 0, batch: 0) }
        try gradientHook?(model.parameters)
        applyGradients()
        return metrics
    }

    /// Runs one batch forward and backward: afterwards every parameter's ``Parameter/gradient`` holds the
    /// gradient of the batch's mean loss, and nothing has been applied yet.
    public func computeGradients(inputs: Tensor, labels: Labels) -> BatchMetrics {
        precondition(inputs.rank == model.inputShape.count + 1 && inputs.shape.dropFirst().elementsEqual(model.inputShape),
                     "The model trains on inputs of shape [N] + \(model.inputShape), got \(inputs.shape)")
        let metrics = forwardWithLoss(inputs, labels: labels)
        model.plan.backward(lossGradient)
        return metrics
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
