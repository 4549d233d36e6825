import Foundation

/// The learning rate as a function of training progress, set on the optimizer before every step.
///
/// ```swift
/// let history = try model.fit(mnist.train, epochs: 10, optimizer: Adam(),
///                             schedule: OneCycle(maximumLearningRate: 3e-3))
/// ```
public protocol LearningRateSchedule {
    /// The learning rate for the step described by `progress`.
    func learningRate(at progress: TrainingProgress) -> Float
}

/// Where a training run stands when an optimizer step is about to happen.
public struct TrainingProgress: Equatable, Sendable {
    /// The step about to be taken, counted from 0 at the start of the run's first epoch.
    public var step: Int
    /// The number of steps (batches) in one epoch.
    public var stepsPerEpoch: Int
    /// The number of steps in the whole run: epochs × steps per epoch.
    public var totalSteps: Int

    public init(step: Int, stepsPerEpoch: Int, totalSteps: Int) {
        precondition(stepsPerEpoch > 0 && totalSteps > 0,
                     "TrainingProgress needs positive step counts, got \(stepsPerEpoch) per epoch and \(totalSteps) in all")
        self.step = step
        self.stepsPerEpoch = stepsPerEpoch
        self.totalSteps = totalSteps
    }

    /// The epoch the step belongs to, from 0.
    public var epoch: Int { step / stepsPerEpoch }
}

/// From `start` at fraction 0 to `end` at fraction 1 along a half cosine (PyTorch's `_annealing_cos`).
func cosineAnnealing(from start: Double, to end: Double, fraction: Double) -> Double {
    end + (start - end) / 2 * (cos(Double.pi * fraction) + 1)
}
