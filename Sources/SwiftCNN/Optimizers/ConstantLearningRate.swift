/// The same learning rate at every step.
public struct ConstantLearningRate: LearningRateSchedule, Sendable {
    /// The learning rate.
    public var learningRate: Float

    public init(_ learningRate: Float) {
        self.learningRate = learningRate
    }

    public func learningRate(at progress: TrainingProgress) -> Float { learningRate }
}
