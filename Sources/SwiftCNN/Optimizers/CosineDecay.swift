/// A learning rate that decays along a half cosine from its peak to a final value by the end of the run,
/// after an optional linear warm-up, like Keras's `CosineDecay` with `warmup_steps`.
///
/// With `w` warm-up steps and `T` steps in the run, step `s` has
///
/// ```
/// s < w:  peak · s / w
/// s ≥ w:  final + (peak − final) · (1 + cos(π · (s − w) / (T − w))) / 2
/// ```
public struct CosineDecay: LearningRateSchedule, Sendable {
    /// The learning rate after warm-up, where the decay starts.
    public var peakLearningRate: Float
    /// The learning rate reached at the last step of the run.
    public var finalLearningRate: Float
    /// The length of the linear warm-up in epochs (fractions allowed); 0 starts at the peak.
    public var warmupEpochs: Double

    public init(peakLearningRate: Float, finalLearningRate: Float = 0, warmupEpochs: Double = 0) {
        precondition(warmupEpochs >= 0, "CosineDecay warm-up must not be negative, got \(warmupEpochs)")
        self.peakLearningRate = peakLearningRate
        self.finalLearningRate = finalLearningRate
        self.warmupEpochs = warmupEpochs
    }

    public func learningRate(at progress: TrainingProgress) -> Float {
        let warmupSteps = Int((warmupEpochs * Double(progress.stepsPerEpoch)).rounded())
        if progress.step < warmupSteps {
            return peakLearningRate * Float(progress.step) / Float(warmupSteps)
        }
        let decaySteps = max(1, progress.totalSteps - warmupSteps)
        let fraction = min(1, Double(progress.step - warmupSteps) / Double(decaySteps))
        return Float(cosineAnnealing(from: Double(peakLearningRate), to: Double(finalLearningRate), fraction: fraction))
    }
}
