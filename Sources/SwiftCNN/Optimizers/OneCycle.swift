/// The one-cycle policy (Smith and Topin, 2018) with the semantics of PyTorch's `OneCycleLR`
/// (`anneal_strategy="cos"`, two phases): over the first `warmupFraction` of the run the learning rate
/// rises along a half cosine from `maximum / initialDivisor` to `maximum`, then falls along a half
/// cosine to `maximum / initialDivisor / finalDivisor` at the last step.
///
/// PyTorch also cycles the momentum (Adam's β1) inversely by default; this schedule sets only the
/// learning rate.
public struct OneCycle: LearningRateSchedule, Sendable {
    /// The peak learning rate, reached at the end of the rising phase.
    public var maximumLearningRate: Float
    /// The fraction of the run spent rising (PyTorch's `pct_start`).
    public var warmupFraction: Double
    /// The starting learning rate is `maximumLearningRate / initialDivisor` (PyTorch's `div_factor`).
    public var initialDivisor: Float
    /// The final learning rate is the starting one divided by this (PyTorch's `final_div_factor`).
    public var finalDivisor: Float

    public init(maximumLearningRate: Float, warmupFraction: Double = 0.3, initialDivisor: Float = 25,
                finalDivisor: Float = 1e4) {
        precondition(warmupFraction > 0 && warmupFraction < 1,
                     "OneCycle warm-up fraction must lie strictly between 0 and 1, got \(warmupFraction)")
        precondition(initialDivisor > 0 && finalDivisor > 0,
                     "OneCycle divisors must be positive, got \(initialDivisor) and \(finalDivisor)")
        self.maximumLearningRate = maximumLearningRate
        self.warmupFraction = warmupFraction
        self.initialDivisor = initialDivisor
        self.finalDivisor = finalDivisor
    }

    public func learningRate(at progress: TrainingProgress) -> Float {
        let initial = Double(maximumLearningRate / initialDivisor)
        let final = initial / Double(finalDivisor)
        let peak = Double(maximumLearningRate)
        // PyTorch's phase boundaries: the rise ends at step pct·T − 1, the fall at step T − 1.
        let riseEnd = warmupFraction * Double(progress.totalSteps) - 1
        let fallEnd = Double(progress.totalSteps - 1)
        let step = Double(progress.step)
        if step <= riseEnd {
            return Float(cosineAnnealing(from: initial, to: peak, fraction: riseEnd > 0 ? step / riseEnd : 1))
        }
        let fraction = min(1, (step - riseEnd) / (fallEnd - riseEnd))
        return Float(cosineAnnealing(from: peak, to: final, fraction: fraction))
    }
}
