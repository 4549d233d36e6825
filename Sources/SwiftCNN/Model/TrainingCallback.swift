/// Hooks into a training run: called by ``Model/fit(_:epochs:batchSize:optimizer:loss:schedule:validationData:validationSplit:shuffleSeed:initialEpoch:accumulationSteps:processGroup:verbosity:callbacks:)``
/// at the start and end of the run, of each epoch and of each batch.
///
/// Every method has a default implementation that does nothing, so a callback implements only what it
/// needs. ``onBatchEnd(_:model:)`` runs after every optimizer step and should stay cheap.
///
/// ```swift
/// final class LossLogger: TrainingCallback {
///     func onEpochEnd(_ record: EpochRecord, model: Model) -> TrainingAction {
///         print("epoch \(record.epoch + 1): \(record.loss)")
///         return record.loss < 0.01 ? .stop : .proceed
///     }
/// }
/// ```
public protocol TrainingCallback: AnyObject {
    /// Called before the first epoch.
    func onTrainingBegin(model: Model)
    /// Called before the first batch of epoch `epoch` (from 0).
    func onEpochBegin(_ epoch: Int, model: Model)
    /// Called after each batch's optimizer step.
    func onBatchEnd(_ record: BatchRecord, model: Model)
    /// Called after each epoch, validation included; returning ``TrainingAction/stop`` ends training
    /// after this epoch.
    func onEpochEnd(_ record: EpochRecord, model: Model) -> TrainingAction
    /// Called when training ends, normally or stopped by a callback (not when it throws).
    func onTrainingEnd(_ history: History, model: Model)
}

extension TrainingCallback {
    public func onTrainingBegin(model: Model) {}
    public func onEpochBegin(_ epoch: Int, model: Model) {}
    public func onBatchEnd(_ record: BatchRecord, model: Model) {}
    public func onEpochEnd(_ record: EpochRecord, model: Model) -> TrainingAction { .proceed }
    public func onTrainingEnd(_ history: History, model: Model) {}
}

/// What a callback wants after an epoch.
public enum TrainingAction: Equatable, Sendable {
    /// Go on with the next epoch.
    case proceed
    /// End training after this epoch.
    case stop
}

/// What a training step measured, for ``TrainingCallback/onBatchEnd(_:model:)``.
public struct BatchRecord: Equatable, Sendable {
    /// The epoch's index, from 0.
    public var epoch: Int
    /// The number of epochs the run trains for.
    public var epochCount: Int
    /// The batch's index within the epoch, from 0.
    public var batch: Int
    /// The number of batches in an epoch.
    public var batchCount: Int
    /// The number of samples in this batch.
    public var samples: Int
    /// The number of samples trained on so far in this epoch, this batch included.
    public var epochSamples: Int
    /// The mean loss of this batch.
    public var loss: Float
    /// The mean loss over the epoch so far.
    public var epochLoss: Float
    /// The accuracy over the epoch so far, in 0...1.
    public var epochAccuracy: Float
    /// The learning rate of this step.
    public var learningRate: Float
}

/// How much ``Model/fit(_:epochs:batchSize:optimizer:loss:schedule:validationData:validationSplit:shuffleSeed:initialEpoch:accumulationSteps:processGroup:verbosity:callbacks:)``
/// prints to standard output.
public enum Verbosity: Equatable, Sendable {
    /// A progress bar when standard output is a terminal, one line per epoch otherwise (logs, pipes, CI).
    case automatic
    /// A progress bar redrawn in place, ending in one line per epoch.
    case progressBar
    /// One line per epoch.
    case perEpoch
    /// Nothing: for library use.
    case quiet
}
