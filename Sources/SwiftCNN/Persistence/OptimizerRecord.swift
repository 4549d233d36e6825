/// An optimizer's type, hyperparameters and step count as a ``TrainingCheckpoint`` records them in JSON; its
/// per-parameter tensors are stored as tensors beside the model's.
struct OptimizerRecord: Codable, Equatable {
    var type: String
    var learningRate: Float
    var stepCount: Int
    var weightDecay: Float
    var beta1: Float?
    var beta2: Float?
    var epsilon: Float?
    var momentum: Float?
    var nesterov: Bool?
    /// The momentum of a ``MovingAverage`` around the optimizer; nil without one.
    var movingAverageMomentum: Float?

    /// The record of `optimizer`.
    ///
    /// - Throws: ``ModelFileError/unsupportedOptimizer(type:)`` unless it is exactly an ``SGD``, ``Adam`` or
    ///   ``AdamW``, alone or in a ``MovingAverage`` (a subclass might keep state a checkpoint would lose).
    init(_ optimizer: Optimizer) throws {
        var optimizer = optimizer
        if let averaging = optimizer as? MovingAverage {
            movingAverageMomentum = averaging.momentum
            optimizer = averaging.optimizer
        }
        let kind = ObjectIdentifier(Swift.type(of: optimizer))
        learningRate = optimizer.learningRate
        stepCount = optimizer.stepCount
        if let adam = optimizer as? Adam, kind == ObjectIdentifier(Adam.self) || kind == ObjectIdentifier(AdamW.self) {
            type = kind == ObjectIdentifier(AdamW.self) ? "adamw" : "adam"
            weightDecay = adam.weightDecay
            beta1 = adam.beta1
            beta2 = adam.beta2
            epsilon = adam.epsilon
        } else if let sgd = optimizer as? SGD {
            type = "sgd"
            weightDecay = sgd.weightDecay
            momentum = sgd.momentum
            nesterov = sgd.nesterov
        } else {
            throw ModelFileError.unsupportedOptimizer(type: String(describing: Swift.type(of: optimizer)))
        }
    }

    /// The names of the per-parameter tensor slots the optimizer keeps once it has taken a step.
    var slotNames: [String] {
        let average = movingAverageMomentum == nil ? [] : [MovingAverage.slotName]
        switch type {
        case "sgd": return (momentum == 0 ? [] : ["momentum"]) + average
        default: return ["firstMoment", "secondMoment"] + average
        }
    }

    /// The values slot `slot` may hold: Adam's second moments are averages of squares.
    func valueDomain(ofSlot slot: String) -> TensorValueDomain {
        slot == "secondMoment" ? .nonNegative : .finite
    }

    /// A new optimizer with the recorded type and hyperparameters and no state yet.
    ///
    /// - Throws: ``ModelFileError/malformedCheckpoint(file:reason:)`` when the record, read from `file`,
    ///   holds values the optimizer cannot take.
    func makeOptimizer(file: String) throws -> Optimizer {
        func reject(_ reason: String) -> ModelFileError {
            ModelFileError.malformedCheckpoint(file: file, reason: "optimizer: \(reason)")
        }
        guard learningRate.isFinite, weightDecay >= 0, weightDecay.isFinite, stepCount >= 0 else {
            throw reject("learning rate \(learningRate), weight decay \(weightDecay) or step count \(stepCount) is out of range")
        }
        guard let movingAverageMomentum else { return try makeTrainingOptimizer(reject) }
        guard (0..<1).contains(movingAverageMomentum) else {
            throw reject("the moving average needs a momentum in [0, 1), got \(movingAverageMomentum)")
        }
        return MovingAverage(of: try makeTrainingOptimizer(reject), momentum: movingAverageMomentum)
    }

    /// The optimizer that updates the weights, without the moving average around it.
    private func makeTrainingOptimizer(_ reject: (String) -> ModelFileError) throws -> Optimizer {
        switch type {
        case "adam", "adamw":
            guard let beta1, let beta2, let epsilon else { throw reject("\(type) needs beta1, beta2 and epsilon") }
            guard (0..<1).contains(beta1), (0..<1).contains(beta2), epsilon > 0, epsilon.isFinite else {
                throw reject("\(type) needs betas in [0, 1) and a positive epsilon, got \(beta1), \(beta2), \(epsilon)")
            }
            return type == "adamw"
                ? AdamW(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
                : Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
        case "sgd":
            guard let momentum, let nesterov else { throw reject("sgd needs momentum and nesterov") }
            guard momentum >= 0, momentum.isFinite, !nesterov || momentum > 0 else {
                throw reject("sgd needs a non-negative momentum, positive with Nesterov; got \(momentum)")
            }
            return SGD(learningRate: learningRate, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
        default:
            throw reject("unknown type '\(type)'")
        }
    }
}
