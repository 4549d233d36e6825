/// Estimates the model's running statistics afresh when training ends
/// (``Model/recalibrateStatistics(on:batchSize:)-(Tensor,_)``), before the callbacks after it in the list hear of
/// the end: put it after ``EarlyStopping`` (which may restore earlier weights) and before
/// ``ModelCheckpoint`` (which then saves the new statistics).
///
/// ```swift
/// let optimizer = MovingAverage(of: Adam(), momentum: 0.999)
/// try model.fit(mnist.train, epochs: 14, optimizer: optimizer,
///               callbacks: [RecalibrateStatistics(on: mnist.train), ModelCheckpoint(url: url, optimizer: optimizer)])
/// ```
public final class RecalibrateStatistics: TrainingCallback {
    /// The samples the statistics are estimated from: usually the training images, which inference mode
    /// passes through without augmentation.
    public let data: LabeledDataset
    /// How many samples go through the model together.
    public let batchSize: Int

    /// Recalibrates on `data` in batches of `batchSize` when training ends.
    public init(on data: LabeledDataset, batchSize: Int = 256) {
        // Checked here as well as by the model, so that a bad argument stops the program before training
        // rather than after it.
        precondition(!data.isEmpty, "RecalibrateStatistics needs at least one sample")
        precondition(batchSize > 0, "batchSize must be positive, got \(batchSize)")
        self.data = data
        self.batchSize = batchSize
    }

    public func onTrainingEnd(_ history: History, model: Model) {
        model.recalibrateStatistics(on: data, batchSize: batchSize)
    }
}
