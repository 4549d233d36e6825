/// Updates a model's parameters from their gradients.
///
/// An optimizer keeps per-parameter state (momentum buffers, moment estimates) that it creates on its
/// first ``update(_:)`` and reuses afterwards, so a warmed-up training step allocates nothing. The state
/// belongs to the parameters by position: pass the same parameters in the same order to every call.
///
/// ```swift
/// let optimizer = Adam(learningRate: 1e-3)
/// optimizer.update(model.parameters)   // after the gradients are computed
/// ```
public protocol Optimizer: AnyObject {
    /// The step size of the next update; a ``LearningRateSchedule`` sets it before each step.
    var learningRate: Float { get set }

    /// The number of updates applied so far.
    var stepCount: Int { get }

    /// Everything the optimizer has accumulated, for saving a checkpoint and resuming from it.
    ///
    /// Setting it replaces the step count and the per-parameter tensors; the next ``update(_:)`` then
    /// continues from them as if the run had never stopped.
    var state: OptimizerState { get set }

    /// Moves each parameter's ``Parameter/value`` against its ``Parameter/gradient``, in place, and
    /// counts one step.
    func update(_ parameters: [Parameter])

    /// Gives the parameters their final values when training ends; `fit` calls it after the last epoch.
    ///
    /// Most optimizers leave the parameters as the last update left them (the default); ``MovingAverage``
    /// writes its averages into them, as Keras's `finalize_variable_values` does.
    func finalizeParameters(_ parameters: [Parameter])
}

extension Optimizer {
    public func finalizeParameters(_ parameters: [Parameter]) {}
}

/// An optimizer's accumulated state: its step count and its per-parameter tensors.
///
/// Each slot is one kind of per-parameter tensor, holding one tensor per parameter in the order the
/// parameters were passed to ``Optimizer/update(_:)``, with the parameter's shape. Slots are empty until
/// the first update. ``SGD`` with momentum has the slot `momentum`; ``Adam`` has `firstMoment` and
/// `secondMoment`; ``MovingAverage`` adds `movingAverage` to its optimizer's. Checkpoints store the
/// tensors under their slot name and parameter index.
public struct OptimizerState: Equatable {
    /// The number of updates applied so far; Adam's bias correction depends on it.
    public var stepCount: Int
    /// The per-parameter tensors by slot name.
    public var slots: [String: [Tensor]]

    /// A state with `stepCount` updates behind it and the given per-parameter tensors.
    public init(stepCount: Int = 0, slots: [String: [Tensor]] = [:]) {
        self.stepCount = stepCount
        self.slots = slots
    }
}

extension OptimizerState {
    /// The tensors of `slot`, checked against `parameters`; zeros of the parameters' shapes when the
    /// slot is still empty (before the first update).
    ///
    /// A mismatch is misuse — the optimizer was given other parameters than before, or a state saved for
    /// another model — and stops the program naming both shapes.
    static func tensors(_ slot: [Tensor], matching parameters: [Parameter], optimizer: String, slotName: String) -> [Tensor] {
        if slot.isEmpty {
            return parameters.map { Tensor(shape: $0.value.shape) }
        }
        precondition(slot.count == parameters.count,
                     "\(optimizer) holds \(slotName) state for \(slot.count) parameters but was given \(parameters.count)")
        for (index, (tensor, parameter)) in zip(slot, parameters).enumerated() {
            precondition(tensor.shape == parameter.value.shape,
                         "\(optimizer) \(slotName) state \(index) has shape \(tensor.shape), but parameter \(index) (\(parameter.name)) has shape \(parameter.value.shape)")
        }
        return slot
    }
}
