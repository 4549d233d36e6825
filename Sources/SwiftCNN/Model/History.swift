/// What one epoch of training measured.
public struct EpochRecord: Equatable, Sendable {
    /// The epoch's index, from 0.
    public var epoch: Int
    /// The mean training loss over the epoch's samples, as measured while the weights moved.
    public var loss: Float
    /// The fraction of the epoch's training samples classified correctly, in 0...1.
    public var accuracy: Float
    /// The loss on the validation data after the epoch, when there is validation data.
    public var validationLoss: Float?
    /// The accuracy on the validation data after the epoch, when there is validation data.
    public var validationAccuracy: Float?
    /// The learning rate of the epoch's last step.
    public var learningRate: Float
    /// The wall-clock time of the epoch, validation included.
    public var seconds: Double

    public init(epoch: Int, loss: Float, accuracy: Float, validationLoss: Float? = nil,
                validationAccuracy: Float? = nil, learningRate: Float, seconds: Double) {
        self.epoch = epoch
        self.loss = loss
        self.accuracy = accuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.learningRate = learningRate
        self.seconds = seconds
    }
}

/// The per-epoch record of a training run, as ``Model/fit(_:epochs:batchSize:optimizer:loss:schedule:validationData:validationSplit:shuffleSeed:initialEpoch:accumulationSteps:processGroup:verbosity:callbacks:)``
/// returns it.
public struct History: Equatable, Sendable {
    /// One record per epoch trained, in order.
    public var epochs: [EpochRecord] = []

    public init(epochs: [EpochRecord] = []) {
        self.epochs = epochs
    }

    /// The training loss of each epoch.
    public var loss: [Float] { epochs.map(\.loss) }
    /// The training accuracy of each epoch.
    public var accuracy: [Float] { epochs.map(\.accuracy) }
    /// The validation loss of each epoch (empty without validation data).
    public var validationLoss: [Float] { epochs.compactMap(\.validationLoss) }
    /// The validation accuracy of each epoch (empty without validation data).
    public var validationAccuracy: [Float] { epochs.compactMap(\.validationAccuracy) }
    /// The learning rate at the end of each epoch.
    public var learningRate: [Float] { epochs.map(\.learningRate) }
    /// The duration of each epoch in seconds.
    public var seconds: [Double] { epochs.map(\.seconds) }
}
