/// Inverted dropout: in training, each element is zeroed with probability ``rate`` and the kept ones
/// are scaled by `1 / (1 − rate)`, so the expected output equals the input; in inference the layer is
/// the identity.
///
/// The layer draws its masks from its own seeded generator, so a training run is reproducible. A new
/// mask is drawn on every training-mode forward call, and the following backward pass uses that same
/// mask. Save and restore ``generator`` with a checkpoint to resume the same sequence of masks.
///
/// ```swift
/// Dense(units: 128, activation: .relu)
/// Dropout(rate: 0.5, seed: 7)
/// ```
public final class Dropout: Layer {
    public let name = "dropout"
    /// The probability that an element is dropped, in `0..<1`.
    public let rate: Float
    /// The seed the layer's generator started from.
    public let seed: UInt64
    /// The generator the masks are drawn from; its state moves on with every training-mode forward call.
    public var generator: Xoshiro256
    public var parameters: [Parameter] { [] }

    /// `1 / (1 − rate)` for kept elements, 0 for dropped ones.
    private var mask = Tensor(shape: [0])
    private var output = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])
    /// Whether ``mask`` comes from the last forward call, which was in training mode.
    private var holdsTrainingMask = false

    /// A layer dropping elements with probability `rate`, its masks drawn from a generator seeded with `seed`.
    public init(rate: Float, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "Dropout rate must be in 0..<1, got \(rate)")
        self.rate = rate
        self.seed = seed
        generator = Xoshiro256(seed: seed)
    }

    /// ``generator`` as `mask`.
    public var generators: [String: Xoshiro256] {
        get { ["mask": generator] }
        set { if let mask = newValue["mask"] { generator = mask } }
    }

    public func withEachGenerator(_ body: (inout Xoshiro256) -> Void) {
        body(&generator)
    }

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        inputShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        holdsTrainingMask = training
        guard training, rate > 0 else { return input }
        mask.prepare(shape: input.shape)
        output.prepare(shape: input.shape)
        drawMask(mask.storage.pointer, count: input.count, rate: rate, using: &generator)
        multiply(input.storage.pointer, by: mask.storage.pointer, count: input.count, into: output.storage.pointer)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        precondition(holdsTrainingMask, "Dropout.backward needs a training-mode forward call first")
        guard needsInputGradient else { return nil }
        guard rate > 0 else { return outputGradient }
        precondition(outputGradient.shape == mask.shape,
                     "Dropout output gradient has shape \(outputGradient.shape), its output \(mask.shape)")
        inputGradient.prepare(shape: mask.shape)
        multiply(outputGradient.storage.pointer, by: mask.storage.pointer, count: mask.count,
                 into: inputGradient.storage.pointer)
        return inputGradient
    }
}

// MARK: - Kernels

// mask, x, y: `count` elements of any shape.

/// Fills `mask` with `1 / (1 − rate)` where a uniform draw is at least `rate` and with 0 elsewhere.
///
/// One draw per element, in order, so the mask depends only on the generator's state and the count.
private func drawMask(_ mask: UnsafeMutablePointer<Float>, count: Int, rate: Float, using generator: inout Xoshiro256) {
    let keptScale = 1 / (1 - rate)
    var local = generator
    for index in 0..<count {
        mask[index] = local.nextUnitFloat() >= rate ? keptScale : 0
    }
    generator = local
}

/// `y = x ⊙ mask`.
private func multiply(_ x: UnsafePointer<Float>, by mask: UnsafePointer<Float>, count: Int,
                      into y: UnsafeMutablePointer<Float>) {
    for index in 0..<count {
        y[index] = x[index] * mask[index]
    }
}
