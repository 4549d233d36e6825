/// Stops training when a monitored metric has stopped improving, like Keras's `EarlyStopping`.
///
/// After each epoch the metric is compared with the best value so far; an epoch that does not beat it
/// by more than ``minimumDelta`` counts against ``patience``, and training stops once `patience`
/// epochs in a row have not improved (with `patience` 0 or 1, at the first such epoch). With
/// ``restoresBestWeights``, the parameters of the best epoch are put back when training ends
/// (BatchNormalization's running statistics are not parameters and keep their last values).
///
/// ```swift
/// let stopper = EarlyStopping(monitoring: .validationAccuracy, patience: 2, restoresBestWeights: true)
/// try model.fit(train, epochs: 30, validationData: validation, callbacks: [stopper])
/// ```
public final class EarlyStopping: TrainingCallback {
    /// A metric of ``EpochRecord`` to watch.
    public enum Metric: Equatable, Sendable {
        case loss, accuracy, validationLoss, validationAccuracy

        /// Whether larger values are better.
        var increases: Bool { self == .accuracy || self == .validationAccuracy }

        func value(in record: EpochRecord) -> Float? {
            switch self {
            case .loss: return record.loss
            case .accuracy: return record.accuracy
            case .validationLoss: return record.validationLoss
            case .validationAccuracy: return record.validationAccuracy
            }
        }
    }

    /// The metric watched.
    public let metric: Metric
    /// The smallest change that counts as an improvement.
    public let minimumDelta: Float
    /// The number of epochs without improvement to allow before stopping.
    public let patience: Int
    /// Whether to restore the best epoch's parameters when training ends.
    public let restoresBestWeights: Bool

    /// The best value of the metric in the current run.
    public private(set) var bestValue: Float?
    /// The epoch (from 0) that reached ``bestValue``.
    public private(set) var bestEpoch: Int?
    /// The epoch (from 0) after which this callback stopped training, or nil if it has not.
    public private(set) var stoppedEpoch: Int?

    private var epochsWithoutImprovement = 0
    private var bestWeights: [Tensor] = []

    public init(monitoring metric: Metric = .validationLoss, minimumDelta: Float = 0, patience: Int = 0,
                restoresBestWeights: Bool = false) {
        precondition(minimumDelta >= 0, "EarlyStopping minimumDelta must not be negative, got \(minimumDelta)")
        precondition(patience >= 0, "EarlyStopping patience must not be negative, got \(patience)")
        self.metric = metric
        self.minimumDelta = minimumDelta
        self.patience = patience
        self.restoresBestWeights = restoresBestWeights
    }

    public func onTrainingBegin(model: Model) {
        bestValue = nil
        bestEpoch = nil
        stoppedEpoch = nil
        epochsWithoutImprovement = 0
        bestWeights = []
    }

    public func onEpochEnd(_ record: EpochRecord, model: Model) -> TrainingAction {
        guard let value = metric.value(in: record) else {
            preconditionFailure("EarlyStopping monitors \(metric), but training has no validation data")
        }
        let improved = bestValue.map { metric.increases ? value > $0 + minimumDelta : value < $0 - minimumDelta } ?? true
        if improved {
            bestValue = value
            bestEpoch = record.epoch
            epochsWithoutImprovement = 0
            if restoresBestWeights {
                bestWeights = model.parameters.map(\.value)
            }
            return .proceed
        }
        epochsWithoutImprovement += 1
        guard epochsWithoutImprovement >= patience else { return .proceed }
        stoppedEpoch = record.epoch
        return .stop
    }

    public func onTrainingEnd(_ history: History, model: Model) {
        guard restoresBestWeights, !bestWeights.isEmpty else { return }
        for (parameter, value) in zip(model.parameters, bestWeights) {
            parameter.value = value
        }
    }
}
