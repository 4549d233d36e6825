/// An optimizer that keeps an exponential moving average of the weights another optimizer trains, and
/// ends training on the average: Keras's `use_ema=True` with `ema_momentum`, TensorFlow Addons'
/// `MovingAverage`, PyTorch's `AveragedModel` with an EMA function.
///
/// After each update of `optimizer`, for every parameter `p` with average `a`:
///
/// ```
/// a ← p                              (the first update)
/// a ← a + (1 − momentum) · (p − a)   (every later one)
/// ```
///
/// Training goes on from the weights themselves; ``finalizeParameters(_:)``, which `fit` calls when
/// training ends, writes the averages into them (a training loop of your own calls it with
/// ``Model/parameters``). The average smooths out the last steps' noise, which a
/// model then no longer depends on; with `momentum` 0.999 it spans about the last thousand steps.
///
/// ```swift
/// let optimizer = MovingAverage(of: Adam(learningRate: 3e-3), momentum: 0.999)
/// try model.fit(mnist.train, epochs: 14, optimizer: optimizer, schedule: OneCycle(maximumLearningRate: 3e-3))
/// // The model now holds the averaged weights.
/// ```
///
/// Only trainable parameters are averaged, as in Keras: ``BatchNormalization``'s running statistics stay those
/// gathered with the weights being trained (a model's `recalibrateStatistics(on:)` estimates them afresh for
/// the averaged weights). Checkpoints save the averages (the slot `movingAverage`), so a
/// resumed run ends on the same weights as an uninterrupted one.
public final class MovingAverage: Optimizer {
    /// The optimizer that updates the weights.
    public let optimizer: Optimizer
    /// How much of the average each update keeps, in [0, 1): 0.99 is Keras's default.
    public let momentum: Float

    private var averages: [Tensor] = []
    /// Whether `averages` has been checked against the parameters since it was last replaced.
    private var averagesMatchParameters = false

    /// Averages the weights that `optimizer` trains, keeping `momentum` of the average at each update.
    public init(of optimizer: Optimizer, momentum: Float = 0.99) {
        precondition((0..<1).contains(momentum), "MovingAverage needs a momentum in [0, 1), got \(momentum)")
        self.optimizer = optimizer
        self.momentum = momentum
    }

    public var learningRate: Float {
        get { optimizer.learningRate }
        set { optimizer.learningRate = newValue }
    }

    public var stepCount: Int { optimizer.stepCount }

    /// The wrapped optimizer's state with the slot `movingAverage` added once an update has been made.
    public var state: OptimizerState {
        get {
            var state = optimizer.state
            if !averages.isEmpty { state.slots[Self.slotName] = averages }
            return state
        }
        set {
            var inner = newValue
            averages = inner.slots.removeValue(forKey: Self.slotName) ?? []
            averagesMatchParameters = false
            optimizer.state = inner
        }
    }

    /// The name of the averages' slot in ``state`` and in checkpoints.
    static let slotName = "movingAverage"

    public func update(_ parameters: [Parameter]) {
        optimizer.update(parameters)
        if averages.isEmpty {
            averages = parameters.map { parameter in
                var copy = parameter.value
                copy.makeUnique()
                return copy
            }
            averagesMatchParameters = true
            return
        }
        if !averagesMatchParameters {
            averages = checkedAverages(for: parameters)
            averagesMatchParameters = true
        }
        let share = 1 - momentum
        for (index, parameter) in parameters.enumerated() {
            parameter.value.withUnsafeBufferPointer { value in
                averages[index].withUnsafeMutableBufferPointer { average in
                    for i in 0..<average.count {
                        average[i] += share * (value[i] - average[i])
                    }
                }
            }
        }
    }

    /// The averages, stopping the program when they do not match `parameters` (see `OptimizerState.tensors`).
    private func checkedAverages(for parameters: [Parameter]) -> [Tensor] {
        OptimizerState.tensors(averages, matching: parameters, optimizer: "MovingAverage", slotName: Self.slotName)
    }

    /// Writes the averages into the parameters (nothing before the first update), after letting the wrapped
    /// optimizer finalise them.
    public func finalizeParameters(_ parameters: [Parameter]) {
        optimizer.finalizeParameters(parameters)
        guard !averages.isEmpty else { return }
        for (parameter, average) in zip(parameters, checkedAverages(for: parameters)) {
            parameter.value.withUnsafeMutableBufferPointer { value in
                average.withUnsafeBufferPointer { average in
                    value.baseAddress!.update(from: average.baseAddress!, count: average.count)
                }
            }
        }
    }
}
