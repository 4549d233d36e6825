/// Trains the last epochs of a run on the images as they are: from epoch ``epoch`` on, the model's
/// augmentation layers pass images through unchanged (``Model/augmentsTrainingData``).
///
/// Augmentation keeps a network from learning the training images by heart, but the test images are not
/// augmented: a few clean epochs at the end, at the schedule's smallest learning rates, let the weights
/// and BatchNormalization's running statistics settle on images like those the model will be given.
///
/// ```swift
/// // 30 epochs, the last 2 without augmentation.
/// try model.fit(mnist.train, epochs: 30, callbacks: [StopAugmentation(atEpoch: 28)])
/// ```
///
/// The callback decides from the epoch's index alone, so a run resumed with `initialEpoch` augments exactly
/// the epochs an uninterrupted one would. When training ends, normally or stopped by a callback, the model
/// augments again (after `fit` throws, set ``Model/augmentsTrainingData`` back yourself).
public final class StopAugmentation: TrainingCallback {
    /// The first epoch trained without augmentation, counted from 0 as `fit`'s `initialEpoch` is.
    public let epoch: Int

    /// Stops augmenting at epoch `epoch` (from 0): epochs `0..<epoch` are augmented, the rest are not.
    public init(atEpoch epoch: Int) {
        precondition(epoch >= 0, "StopAugmentation's epoch must not be negative, got \(epoch)")
        self.epoch = epoch
    }

    public func onEpochBegin(_ epoch: Int, model: Model) {
        model.augmentsTrainingData = epoch < self.epoch
    }

    public func onTrainingEnd(_ history: History, model: Model) {
        model.augmentsTrainingData = true
    }
}
