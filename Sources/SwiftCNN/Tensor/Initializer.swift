/// How a layer draws the first value of a parameter: Keras's `kernel_initializer` and `bias_initializer`.
///
/// ```swift
/// Conv2D(filters: 32, kernelSize: 3, kernelInitializer: .heNormal)
/// // PyTorch's default for Conv2d and Linear: uniform in ±1/√fanIn, kernel and bias alike.
/// let pyTorchDefault = Initializer.varianceScaling(scale: 1 / 3, mode: .fanIn, distribution: .uniform)
/// Dense(units: 10, kernelInitializer: pyTorchDefault, biasInitializer: pyTorchDefault)
/// ```
///
/// The fans are the layer's: a convolution's `fanIn` is its window area times its input channels and its
/// `fanOut` the window area times its filters; a dense layer's are its input and output features. A bias
/// uses the fans of its layer too, as PyTorch does (Keras would take them from the bias's own shape), so
/// that PyTorch's default bias is expressible. Draws come from the model's seeded generator, so the same
/// seed gives the same weights.
public enum Initializer: Equatable, Sendable {
    /// Every element `value`.
    case constant(Float)
    /// Elements uniform in `minimum...maximum`.
    case randomUniform(minimum: Float, maximum: Float)
    /// Elements normal with `mean` and `standardDeviation`.
    case randomNormal(mean: Float, standardDeviation: Float)
    /// Elements whose variance is `scale / n`, `n` being the fan that `mode` names: uniform in
    /// `±√(3·scale/n)`, or normal truncated at two standard deviations and widened so that its variance
    /// is still `scale / n` (Keras's `VarianceScaling`).
    case varianceScaling(scale: Float, mode: FanMode, distribution: Distribution)

    /// Which fan ``varianceScaling(scale:mode:distribution:)`` divides by.
    public enum FanMode: String, Sendable {
        /// The number of inputs each output sums.
        case fanIn = "fan_in"
        /// The number of outputs each input feeds.
        case fanOut = "fan_out"
        /// The mean of the two.
        case fanAverage = "fan_avg"
    }

    /// The distribution ``varianceScaling(scale:mode:distribution:)`` draws from.
    public enum Distribution: String, Sendable {
        /// Uniform in `±√(3·scale/n)`.
        case uniform
        /// Normal, cut off at two standard deviations (redrawn beyond them).
        case truncatedNormal = "truncated_normal"
        /// Normal, with no cut-off.
        case untruncatedNormal = "untruncated_normal"
    }

    /// Zeros: the default bias.
    public static var zeros: Initializer { .constant(0) }
    /// Ones.
    public static var ones: Initializer { .constant(1) }
    /// Glorot (Xavier) uniform, the default kernel: uniform in `±√(6 / (fanIn + fanOut))`.
    public static var glorotUniform: Initializer { .varianceScaling(scale: 1, mode: .fanAverage, distribution: .uniform) }
    /// Glorot (Xavier) normal: truncated normal with variance `2 / (fanIn + fanOut)`.
    public static var glorotNormal: Initializer {
        .varianceScaling(scale: 1, mode: .fanAverage, distribution: .truncatedNormal)
    }
    /// He (Kaiming) uniform, for ReLU networks: uniform in `±√(6 / fanIn)`.
    public static var heUniform: Initializer { .varianceScaling(scale: 2, mode: .fanIn, distribution: .uniform) }
    /// He (Kaiming) normal, for ReLU networks: truncated normal with variance `2 / fanIn`.
    public static var heNormal: Initializer { .varianceScaling(scale: 2, mode: .fanIn, distribution: .truncatedNormal) }
    /// LeCun uniform: uniform in `±√(3 / fanIn)`.
    public static var lecunUniform: Initializer { .varianceScaling(scale: 1, mode: .fanIn, distribution: .uniform) }
    /// LeCun normal: truncated normal with variance `1 / fanIn`.
    public static var lecunNormal: Initializer { .varianceScaling(scale: 1, mode: .fanIn, distribution: .truncatedNormal) }

    /// Why the initializer cannot draw values, or nil when it can.
    public var problem: String? {
        switch self {
        case let .constant(value):
            return value.isFinite ? nil : "a constant initializer needs a finite value, got \(value)"
        case let .randomUniform(minimum, maximum):
            return minimum.isFinite && maximum.isFinite && minimum <= maximum ? nil
                : "a uniform initializer needs finite bounds with minimum ≤ maximum, got \(minimum)...\(maximum)"
        case let .randomNormal(mean, standardDeviation):
            return mean.isFinite && standardDeviation.isFinite && standardDeviation >= 0 ? nil
                : "a normal initializer needs a finite mean and a finite standard deviation ≥ 0, got \(mean) and \(standardDeviation)"
        case let .varianceScaling(scale, _, _):
            return scale.isFinite && scale > 0 ? nil : "variance scaling needs a finite scale > 0, got \(scale)"
        }
    }

    /// Stops the program, naming `parameter`, when the initializer cannot draw values: like a layer's sizes,
    /// its initializers are fixed when the program is written.
    func requireValid(for parameter: @autoclosure () -> String) {
        if let problem { preconditionFailure("\(parameter()): \(problem)") }
    }

    /// A tensor of `shape` drawn for a layer with `fanIn` inputs and `fanOut` outputs per element, as a layer
    /// draws its parameter: `Initializer.glorotUniform.tensor(shape: [3, 3, 1, 32], fanIn: 9, fanOut: 288,
    /// using: &generator)` is a first convolution's kernel.
    public func tensor(shape: [Int], fanIn: Int, fanOut: Int, using generator: inout Xoshiro256) -> Tensor {
        switch self {
        case let .constant(value):
            return Tensor(shape: shape, repeating: value)
        case let .randomUniform(minimum, maximum):
            return Tensor(randomUniform: shape, in: minimum...maximum, using: &generator)
        case let .randomNormal(mean, standardDeviation):
            return Tensor(randomNormal: shape, mean: mean, standardDeviation: standardDeviation, using: &generator)
        case let .varianceScaling(scale, mode, distribution):
            // The fan-average mode doubles the numerator instead of halving the fan, so that the named
            // initialisers compute exactly the bounds they always have (√(6 / (fanIn + fanOut)) for Glorot).
            let (numerator, fan): (Float, Float) = switch mode {
            case .fanIn: (scale, Float(Swift.max(fanIn, 1)))
            case .fanOut: (scale, Float(Swift.max(fanOut, 1)))
            case .fanAverage: (2 * scale, Float(Swift.max(fanIn + fanOut, 1)))
            }
            switch distribution {
            case .uniform:
                let limit = (3 * numerator / fan).squareRoot()
                return Tensor(randomUniform: shape, in: -limit...limit, using: &generator)
            case .truncatedNormal:
                // 0.8796… is the standard deviation of a unit normal cut at ±2 (Keras's constant).
                return Tensor(truncatedNormal: shape, standardDeviation: (numerator / fan).squareRoot() / 0.87962566103423978,
                              using: &generator)
            case .untruncatedNormal:
                return Tensor(randomNormal: shape, standardDeviation: (numerator / fan).squareRoot(), using: &generator)
            }
        }
    }
}
