/// Inverted dropout: in training, each element is zeroed with probability ``rate`` and the kept ones
/// are scaled by `1 / (1 − rate)`, so the expected output equals the input; in inference the layer is
/// the identity.
///
/// The layer draws its masks from its own seeded generator, so a training run is reproducible. A new
/// mask is drawn on every training-mode forward call, and the following backward pass uses that same
/// mask. Save and restore ``generator`` with a checkpoint to resume the same sequence of masks.
///
/// Each call takes one number from ``generator`` and seeds a stream from it for each of a fixed number
/// of chunks of the elements, which the threads draw side by side; so the mask depends on the
/// generator's state and the element count, not on the number of threads.
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
        let count = input.count
        let pass = MaskDrawing(seed: generator.next(), rate: rate, x: input.storage.pointer,
                               mask: mask.storage.pointer, y: output.storage.pointer)
        parallelFor(threadIndependentChunkCount(for: count, minimumChunk: Self.minimumChunk), chunksOf: 0..<count, pass)
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

    /// Enough elements per chunk that drawing them on another thread pays for waking it.
    private static let minimumChunk = 1 << 14

    /// A training-mode forward pass, handed to the threads: draws the mask of a range of elements and
    /// applies it.
    private struct MaskDrawing: ChunkedWork {
        let seed: UInt64, rate: Float
        let x: UnsafePointer<Float>, mask: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>

        func run(chunk: Int, _ elements: Range<Int>) {
            var generator = Xoshiro256(seed: seed &+ UInt64(chunk))
            drawMask(mask, elements: elements, rate: rate, using: &generator)
            multiply(x + elements.lowerBound, by: mask + elements.lowerBound, count: elements.count,
                     into: y + elements.lowerBound)
        }
    }
}

// MARK: - Kernels

// mask, x, y: `count` elements of any shape.

/// Fills `mask[elements]` with `1 / (1 − rate)` where a uniform draw is at least `rate` and with 0
/// elsewhere.
///
/// Each 64-bit number gives two elements their 24-bit draws `u` (its top bits, then the next 24), in order;
/// `u · 2⁻²⁴ ≥ rate` is compared exactly as `u ≥ ⌈rate · 2²⁴⌉`.
private func drawMask(_ mask: UnsafeMutablePointer<Float>, elements: Range<Int>, rate: Float,
                      using generator: inout Xoshiro256) {
    let kept = (1 / (1 - rate)).bitPattern
    let threshold = UInt64((rate * 0x1p24).rounded(.up))
    // The scale's bits where u ≥ threshold (u − threshold keeps its top bit clear) and +0 elsewhere,
    // without a branch: a branch on a random draw is mispredicted as often as the rate says, and that,
    // not the generator, was most of the mask's time.
    @inline(__always)
    func value(_ u: UInt64) -> Float {
        Float(bitPattern: kept & UInt32(truncatingIfNeeded: 0 &- ((u &- threshold) >> 63 ^ 1)))
    }
    var index = elements.lowerBound
    while index &+ 2 <= elements.upperBound {
        let bits = generator.next()
        mask[index] = value(bits >> 40)
        mask[index &+ 1] = value((bits >> 16) & 0xFF_FFFF)
        index &+= 2
    }
    if index < elements.upperBound {
        mask[index] = value(generator.next() >> 40)
    }
}

/// `y = x ⊙ mask`.
private func multiply(_ x: UnsafePointer<Float>, by mask: UnsafePointer<Float>, count: Int,
                      into y: UnsafeMutablePointer<Float>) {
    for index in 0..<count {
        y[index] = x[index] * mask[index]
    }
}
