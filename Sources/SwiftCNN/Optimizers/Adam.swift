import Foundation

/// Adam (Kingma and Ba, 2015), with optional decoupled weight decay (AdamW).
///
/// Follows Keras's `Adam` and `AdamW` exactly, including where ε enters: ε is added to √v before bias
/// correction (the paper's "ε̂" formulation, also TensorFlow's), so Keras's default `epsilon = 1e-7`
/// gives Keras's numbers. At step t (counting from 1), for a parameter `p` with gradient `g`:
///
/// ```
/// p ← p − learningRate · weightDecay · p             (decoupled weight decay, when not 0)
/// m ← m + (1 − β1) · (g − m)
/// v ← v + (1 − β2) · (g² − v)
/// p ← p − learningRate · √(1 − β2ᵗ) / (1 − β1ᵗ) · m / (√v + ε)
/// ```
///
/// PyTorch instead adds ε after bias correction, `m̂ / (√v̂ + ε)`; the two agree when ε is negligible
/// next to √v, and PyTorch's ε corresponds to this ε divided by √(1 − β2ᵗ).
public class Adam: Optimizer {
    public var learningRate: Float
    /// The decay rate β1 of the first-moment (mean) estimate.
    public let beta1: Float
    /// The decay rate β2 of the second-moment (uncentred variance) estimate.
    public let beta2: Float
    /// Added to √v so that parameters with tiny gradients do not take huge steps.
    public let epsilon: Float
    /// The decoupled weight-decay factor: each step first shrinks `p` by `learningRate · weightDecay · p`.
    public let weightDecay: Float
    public private(set) var stepCount = 0

    private var firstMoments: [Tensor] = []
    private var secondMoments: [Tensor] = []
    /// Whether the moments have been checked against the parameters since they were last replaced.
    private var momentsMatchParameters = false

    /// An Adam optimizer; see the type's documentation for the update rule.
    ///
    /// - Parameters:
    ///   - learningRate: The step size before bias correction.
    ///   - beta1: The decay rate of the first-moment (mean) estimate.
    ///   - beta2: The decay rate of the second-moment (uncentred variance) estimate.
    ///   - epsilon: Keras's default, 1e-7 (PyTorch's is 1e-8 and enters differently; see above).
    ///   - weightDecay: Decoupled weight decay as in AdamW; 0 gives plain Adam.
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7,
                weightDecay: Float = 0) {
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2),
                     "Adam needs betas in [0, 1), got beta1 \(beta1), beta2 \(beta2)")
        precondition(epsilon > 0, "Adam epsilon must be positive, got \(epsilon)")
        precondition(weightDecay >= 0, "Adam weight decay must not be negative, got \(weightDecay)")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// The step count and the slots `firstMoment` (m) and `secondMoment` (v).
    public final var state: OptimizerState {
        get {
            OptimizerState(stepCount: stepCount,
                           slots: firstMoments.isEmpty ? [:] : ["firstMoment": firstMoments, "secondMoment": secondMoments])
        }
        set {
            let keys = Set(newValue.slots.keys)
            precondition(keys.isEmpty || keys == ["firstMoment", "secondMoment"],
                         "Adam state has slots \(keys.sorted()); expected firstMoment and secondMoment")
            stepCount = newValue.stepCount
            firstMoments = newValue.slots["firstMoment"] ?? []
            secondMoments = newValue.slots["secondMoment"] ?? []
            momentsMatchParameters = false
        }
    }

    public final func update(_ parameters: [Parameter]) {
        if !momentsMatchParameters {
            firstMoments = OptimizerState.tensors(firstMoments, matching: parameters, optimizer: "Adam", slotName: "firstMoment")
            secondMoments = OptimizerState.tensors(secondMoments, matching: parameters, optimizer: "Adam", slotName: "secondMoment")
            momentsMatchParameters = true
        }
        precondition(firstMoments.count == parameters.count,
                     "Adam holds moments for \(firstMoments.count) parameters but was given \(parameters.count)")
        stepCount += 1
        let step = Double(stepCount)
        let correction = (1 - pow(Double(beta2), step)).squareRoot() / (1 - pow(Double(beta1), step))
        let coefficients = AdamCoefficients(
            rate: Float(Double(learningRate) * correction), decay: learningRate * weightDecay,
            beta1Complement: 1 - beta1, beta2Complement: 1 - beta2, epsilon: epsilon)

        // The tensors are made unique here, on one thread, so that the threads below only write in place.
        slices.removeAll(keepingCapacity: true)
        var elements = 0
        for (index, parameter) in parameters.enumerated() {
            precondition(parameter.gradient.shape == parameter.value.shape,
                         "\(parameter.name): gradient shape \(parameter.gradient.shape) differs from value shape \(parameter.value.shape)")
            parameter.value.makeUnique()
            firstMoments[index].makeUnique()
            secondMoments[index].makeUnique()
            slices.append(Slice(value: parameter.value.storage.pointer, gradient: parameter.gradient.storage.pointer,
                                firstMoment: firstMoments[index].storage.pointer,
                                secondMoment: secondMoments[index].storage.pointer, count: parameter.value.count))
            elements += parameter.value.count
        }
        // Every thread takes the same share of each parameter, so that one pass covers them all.
        let shares = elements >= 1 << 15 ? Backend.threadCount : 1
        slices.withUnsafeBufferPointer { slices in
            parallelFor(shares, chunksOf: 0..<shares, Descent(slices: slices, shares: shares, coefficients: coefficients))
        }
    }

    /// The update of every parameter, one share of each per chunk, for the threads.
    private struct Descent: ChunkedWork {
        let slices: UnsafeBufferPointer<Slice>
        let shares: Int
        let coefficients: AdamCoefficients

        /// Updates share `chunk` (of `shares` equal shares, cut at multiples of 16) of every parameter.
        func run(chunk: Int, _: Range<Int>) {
            for slice in slices {
                let vectors = slice.count / 16
                let lower = vectors * chunk / shares * 16
                let upper = chunk == shares - 1 ? slice.count : vectors * (chunk + 1) / shares * 16
                adamUpdate(value: slice.value, gradient: slice.gradient, firstMoment: slice.firstMoment,
                           secondMoment: slice.secondMoment, elements: lower..<upper, coefficients)
            }
        }
    }

    /// One parameter's tensors, made unique for this step.
    private struct Slice {
        var value: UnsafeMutablePointer<Float>
        var gradient: UnsafeMutablePointer<Float>
        var firstMoment: UnsafeMutablePointer<Float>
        var secondMoment: UnsafeMutablePointer<Float>
        var count: Int
    }

    /// The step's parameters, in a buffer kept from step to step so that filling it allocates nothing.
    private var slices: [Slice] = []
}
