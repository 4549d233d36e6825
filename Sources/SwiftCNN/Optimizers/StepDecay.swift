/// A learning rate multiplied by a fixed factor every few epochs, like PyTorch's `StepLR`:
/// `initialLearningRate · decayFactor ^ ⌊epoch / epochsPerDecay⌋`, with epochs counted from 0.
public struct StepDecay: LearningRateSchedule, Sendable {
    /// The learning rate of the first `epochsPerDecay` epochs.
    public var initialLearningRate: Float
    /// The factor applied at each decay.
    public var decayFactor: Float
    /// The number of epochs between decays.
    public var epochsPerDecay: Int

    public init(initialLearningRate: Float, decayFactor: Float = 0.1, epochsPerDecay: Int) {
        precondition(epochsPerDecay > 0, "StepDecay needs at least one epoch per decay, got \(epochsPerDecay)")
        self.initialLearningRate = initialLearningRate
        self.decayFactor = decayFactor
        self.epochsPerDecay = epochsPerDecay
    }

    public func learningRate(at progress: TrainingProgress) -> Float {
        var rate = initialLearningRate
        for _ in 0..<(progress.epoch / epochsPerDecay) { rate *= decayFactor }
        return rate
    }
}
