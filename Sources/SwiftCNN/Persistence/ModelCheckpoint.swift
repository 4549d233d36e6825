import Foundation

/// A ``TrainingCallback`` that writes a ``TrainingCheckpoint`` after every epoch, replacing the previous
/// one atomically, so that an interrupted run can be resumed from its last completed epoch.
///
/// ```swift
/// let optimizer = Adam()
/// let saver = ModelCheckpoint(url: url, optimizer: optimizer)
/// try model.fit(data, epochs: 10, optimizer: optimizer, callbacks: [saver])
/// if let error = saver.error { throw error }
/// ```
///
/// When training ends it writes the model once more, as `fit` leaves it: with a ``MovingAverage`` optimizer,
/// the file then holds the averaged weights (the epochs' checkpoints hold the weights being trained, so
/// that a resumed run goes on exactly). If a checkpoint cannot be written the callback stops training
/// after that epoch and keeps the error in ``error``.
public final class ModelCheckpoint: TrainingCallback {
    /// Where checkpoints are written.
    public let url: URL
    /// The optimizer passed to `fit`, whose state is saved with the model.
    public let optimizer: Optimizer
    /// The shuffle seed passed to `fit`, or nil for the model's seed (the default of `fit`).
    public let shuffleSeed: UInt64?
    /// The error of the last failed write, which stopped training; nil while all writes succeed.
    public private(set) var error: Error?
    /// The epochs completed when the last checkpoint was written; nil before the first.
    private var completedEpochs: Int?

    /// A callback saving to `url` the model being trained and `optimizer`.
    public init(url: URL, optimizer: Optimizer, shuffleSeed: UInt64? = nil) {
        self.url = url
        self.optimizer = optimizer
        self.shuffleSeed = shuffleSeed
    }

    public func onEpochEnd(_ record: EpochRecord, model: Model) -> TrainingAction {
        write(model, completedEpochs: record.epoch + 1) ? .proceed : .stop
    }

    public func onTrainingEnd(_ history: History, model: Model) {
        guard error == nil, let completedEpochs else { return }
        write(model, completedEpochs: completedEpochs)
    }

    /// Writes the checkpoint; false, with ``error`` set, when that fails.
    @discardableResult
    private func write(_ model: Model, completedEpochs: Int) -> Bool {
        do {
            try TrainingCheckpoint(model: model, optimizer: optimizer, completedEpochs: completedEpochs,
                                   shuffleSeed: shuffleSeed).write(to: url)
            self.completedEpochs = completedEpochs
            return true
        } catch {
            self.error = error
            return false
        }
    }
}
