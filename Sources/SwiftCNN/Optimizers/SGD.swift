/// Stochastic gradient descent, with optional momentum, Nesterov momentum and L2 weight decay.
///
/// Follows PyTorch's `torch.optim.SGD` (with no dampening). For a parameter `p` with gradient `g`:
///
/// ```
/// g ← g + weightDecay · p                      (L2 penalty folded into the gradient)
/// b ← momentum · b + g                         (b starts at 0, so the first step has b = g)
/// d ← nesterov ? g + momentum · b : b          (d = g when momentum is 0)
/// p ← p − learningRate · d
/// ```
///
/// Keras's `SGD` differs in where the learning rate enters the momentum buffer (`b ← μb − lr·g`), which
/// gives the same steps while the learning rate is constant.
public final class SGD: Optimizer {
    public var learningRate: Float
    /// The momentum factor μ; 0 turns momentum off.
    public let momentum: Float
    /// Whether to use Nesterov momentum (needs a positive momentum).
    public let nesterov: Bool
    /// The L2 penalty factor added to the gradient (coupled weight decay, as in PyTorch).
    public let weightDecay: Float
    public private(set) var stepCount = 0

    /// One momentum buffer per parameter; empty until the first update when momentum is on.
    private var velocities: [Tensor] = []
    /// Whether `velocities` has been checked against the parameters since it was last replaced.
    private var velocitiesMatchParameters = false

    /// An SGD optimizer; see the type's documentation for the update rule.
    public init(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        precondition(momentum >= 0, "SGD momentum must not be negative, got \(momentum)")
        precondition(!nesterov || momentum > 0, "Nesterov momentum needs a positive momentum, got \(momentum)")
        precondition(weightDecay >= 0, "SGD weight decay must not be negative, got \(weightDecay)")
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    /// The step count and, with momentum, the slot `momentum`.
    public var state: OptimizerState {
        get { OptimizerState(stepCount: stepCount, slots: momentum == 0 ? [:] : ["momentum": velocities]) }
        set {
            let expected: Set<String> = momentum == 0 ? [] : ["momentum"]
            precondition(Set(newValue.slots.keys).isSubset(of: expected),
                         "SGD state has slots \(newValue.slots.keys.sorted()); expected \(expected.sorted())")
            stepCount = newValue.stepCount
            velocities = newValue.slots["momentum"] ?? []
            velocitiesMatchParameters = false
        }
    }

    public func update(_ parameters: [Parameter]) {
        if momentum != 0, !velocitiesMatchParameters {
            velocities = OptimizerState.tensors(velocities, matching: parameters, optimizer: "SGD", slotName: "momentum")
            velocitiesMatchParameters = true
        }
        precondition(momentum == 0 || velocities.count == parameters.count,
                     "SGD holds momentum for \(velocities.count) parameters but was given \(parameters.count)")
        let rate = learningRate, mu = momentum, decay = weightDecay, nesterov = nesterov
        for (index, parameter) in parameters.enumerated() {
            precondition(parameter.gradient.shape == parameter.value.shape,
                         "\(parameter.name): gradient shape \(parameter.gradient.shape) differs from value shape \(parameter.value.shape)")
            parameter.value.withUnsafeMutableBufferPointer { value in
                parameter.gradient.withUnsafeBufferPointer { gradient in
                    guard mu != 0 else {
                        Self.descend(value, gradient, rate: rate, decay: decay)
                        return
                    }
                    velocities[index].withUnsafeMutableBufferPointer { velocity in
                        Self.descend(value, gradient, velocity, rate: rate, momentum: mu, nesterov: nesterov, decay: decay)
                    }
                }
            }
        }
        stepCount += 1
    }

    // value, gradient, velocity: one parameter's elements, all the same count.

    private static func descend(_ value: UnsafeMutableBufferPointer<Float>, _ gradient: UnsafeBufferPointer<Float>,
                                rate: Float, decay: Float) {
        let p = value.baseAddress!, g = gradient.baseAddress!
        for i in 0..<value.count {
            p[i] -= rate * (g[i] + decay * p[i])
        }
    }

    private static func descend(_ value: UnsafeMutableBufferPointer<Float>, _ gradient: UnsafeBufferPointer<Float>,
                                _ velocity: UnsafeMutableBufferPointer<Float>,
                                rate: Float, momentum: Float, nesterov: Bool, decay: Float) {
        let p = value.baseAddress!, g = gradient.baseAddress!, b = velocity.baseAddress!
        if nesterov {
            for i in 0..<value.count {
                let step = g[i] + decay * p[i]
                b[i] = momentum * b[i] + step
                p[i] -= rate * (step + momentum * b[i])
            }
        } else {
            for i in 0..<value.count {
                b[i] = momentum * b[i] + (g[i] + decay * p[i])
                p[i] -= rate * b[i]
            }
        }
    }
}
