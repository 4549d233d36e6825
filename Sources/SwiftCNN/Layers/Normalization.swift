/// Standardises inputs with fixed per-channel statistics, `(x − mean) / √variance` over the last axis, as
/// Keras's `Normalization` layer (PyTorch's `transforms.Normalize`) does.
///
/// Put it first in a model, with the training set's statistics, so that the first layer sees inputs of
/// zero mean and unit variance whatever the data's scale:
///
/// ```swift
/// let model = try Sequential(inputShape: [28, 28, 1]) {
///     Normalization(adaptingTo: mnist.train.inputs)
///     Conv2D(filters: 32, kernelSize: 3, activation: .relu)
///     // …
/// }
/// ```
///
/// The statistics are constants, saved with the model (as Keras's `mean` and `variance`), so a saved model
/// takes raw inputs; they are not trained and are not ``Layer/parameters``. A variance below 10⁻¹⁴ (a
/// constant channel) divides by 10⁻⁷ instead of its square root, as in Keras.
public final class Normalization: Layer {
    public let name = "normalization"
    public let parameters: [Parameter] = []
    /// Each channel's mean, `[C]`.
    public internal(set) var mean: Tensor
    /// Each channel's variance, `[C]`.
    public internal(set) var variance: Tensor

    private var channels = 0
    /// `1 / max(√variance, 10⁻⁷)`, `[C]`, and zeros, `[C]`, for the kernel's offset.
    private var inverseDeviation = Tensor(shape: [0])
    private var zeros = Tensor(shape: [0])
    private var output = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])

    /// A layer with the given statistics, one value per channel.
    public init(mean: [Float], variance: [Float]) {
        precondition(!mean.isEmpty && mean.count == variance.count,
                     "Normalization needs one mean and one variance per channel, got \(mean.count) and \(variance.count)")
        precondition(mean.allSatisfy(\.isFinite) && variance.allSatisfy { $0 >= 0 && $0.isFinite },
                     "Normalization needs finite means and finite, non-negative variances")
        self.mean = Tensor(mean)
        self.variance = Tensor(variance)
    }

    /// A layer with the statistics of `data`, `[N, …, C]`: each channel's mean and (biased) variance over
    /// every other axis, as Keras's `adapt`. They are accumulated in `Double`.
    public convenience init(adaptingTo data: Tensor) {
        precondition(data.rank >= 2 && data.count > 0, "Normalization adapts to a batch [N, …, C], got \(data.shape)")
        let channels = data.shape[data.rank - 1], rows = data.count / channels
        var sums = [Double](repeating: 0, count: channels), squares = sums
        data.withUnsafeBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { sums in
                squares.withUnsafeMutableBufferPointer { squares in
                    guard let x = x.baseAddress, let sums = sums.baseAddress, let squares = squares.baseAddress
                    else { return }
                    accumulateMoments(x, rows: 0..<rows, channels: channels, sums: sums, squares: squares)
                }
            }
        }
        let means = sums.map { $0 / Double(rows) }
        let variances = zip(squares, means).map { Swift.max(0, $0 / Double(rows) - $1 * $1) }
        self.init(mean: means.map { Float($0) }, variance: variances.map { Float($0) })
    }

    /// An identity layer whose statistics a model file sets.
    init() {
        mean = Tensor(shape: [0])
        variance = Tensor(shape: [0])
    }

    /// ``mean`` as `mean` and ``variance`` as `variance`, Keras's names.
    public var buffers: [String: Tensor] {
        get { ["mean": mean, "variance": variance] }
        set {
            if let mean = newValue["mean"] { self.mean = mean }
            if let variance = newValue["variance"] { self.variance = variance }
        }
    }

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        let last = try channelCount(of: inputShape, layer: name)
        if mean.count == 0 {
            mean = Tensor(shape: [last])
            variance = Tensor(shape: [last], repeating: 1)
        }
        guard mean.count == last else {
            throw LayerError.incompatibleInput(layer: name, inputShape: inputShape,
                                               expected: "\(mean.count) channels, one per mean and variance")
        }
        channels = last
        inverseDeviation = Tensor(shape: [channels])
        zeros = Tensor(shape: [channels])
        return inputShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(channels > 0, "Normalization used before it was built")
        precondition(input.rank >= 2 && input.shape[input.rank - 1] == channels,
                     "Normalization built for \(channels) channels (a batch [N, ..., \(channels)]) was given \(input.shape)")
        precondition(mean.rank == 1 && mean.count == channels && variance.rank == 1 && variance.count == channels,
                     "Normalization statistics have shapes \(mean.shape) and \(variance.shape), expected [\(channels)]")
        let variance = self.variance.storage.pointer, inverseDeviation = self.inverseDeviation.storage.pointer
        for c in 0..<channels {
            inverseDeviation[c] = 1 / Swift.max(variance[c].squareRoot(), 1e-7)
        }
        output.prepare(shape: input.shape)
        run(input, mean: mean.storage.pointer, into: output)
        return output
    }

    /// `outputGradient / √variance`; the statistics are constants, so nothing else.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        precondition(outputGradient.shape == output.shape,
                     "Normalization.backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(output.shape)")
        guard needsInputGradient else { return nil }
        inputGradient.prepare(shape: outputGradient.shape)
        run(outputGradient, mean: zeros.storage.pointer, into: inputGradient)
        return inputGradient
    }

    /// `result = (x − mean) · inverseDeviation`, on the threads when `x` is large enough.
    private func run(_ x: Tensor, mean: UnsafePointer<Float>, into result: Tensor) {
        let rows = x.count / channels
        let pass = ChannelNormalizationPass(x: x.storage.pointer, mean: mean, scale: inverseDeviation.storage.pointer,
                                            offset: zeros.storage.pointer, rectifying: false, y: result.storage.pointer,
                                            channels: channels)
        parallelFor(threadChunkCount(rows: rows, width: channels), chunksOf: 0..<rows, pass)
    }
}
