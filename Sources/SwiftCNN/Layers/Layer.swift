/// A building block of a model: it maps a batch of inputs to a batch of outputs and, when training,
/// propagates gradients back through itself.
///
/// Tensors are channels-last and carry the batch first: an image batch is `[N, H, W, C]`, a feature batch
/// `[N, F]`. Shapes passed to ``build(inputShape:generator:)`` and returned from it leave the batch out.
///
/// A layer keeps its outputs and gradients as workspaces that it reuses from one batch to the next, so a
/// warmed-up training step allocates nothing. The tensors it returns are valid values: a caller that
/// keeps one keeps its own copy, because the layer reallocates when its workspace is still referenced.
///
/// Write your own layer by conforming a class:
///
/// ```swift
/// final class Scale: Layer {
///     let name = "scale"
///     let factor: Parameter
///     var parameters: [Parameter] { [factor] }
///     init(factor: Float) { self.factor = Parameter(name: "factor", value: Tensor([factor])) }
///
///     func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] { inputShape }
///
///     private var input = Tensor(shape: [0])
///     func forward(_ input: Tensor, training: Bool) -> Tensor {
///         if training { self.input = input }
///         return input * factor.value.scalar
///     }
///
///     func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
///         factor.gradient = Tensor([(outputGradient * input).sum()])
///         return needsInputGradient ? outputGradient * factor.value.scalar : nil
///     }
/// }
/// ```
public protocol Layer: AnyObject {
    /// A short, lower-case kind name for summaries, such as `conv2d` or `dense`.
    var name: String { get }

    /// The layer's trainable parameters, in a fixed order; empty for layers without any.
    var parameters: [Parameter] { get }

    /// Tensors other than ``Layer/parameters`` that the layer's outputs depend on, by name (PyTorch calls them
    /// buffers), such as the running statistics of ``BatchNormalization``; by default none.
    ///
    /// Model files and checkpoints save them beside the parameters, loading sets each one it read, and
    /// summaries count them as non-trainable parameters.
    var buffers: [String: Tensor] { get set }

    /// The random generators whose state moves on as the layer trains, by name, such as ``Dropout``'s mask
    /// generator; by default none.
    ///
    /// Training checkpoints save their states, so that a resumed run draws what an uninterrupted one would.
    var generators: [String: Xoshiro256] { get set }

    /// Calls `body` on each of ``Layer/generators`` in place, in a fixed order; by default through
    /// ``Layer/generators``. Training whose batches are split into slices uses it to give every slice a
    /// random stream of its own, so a layer with generators of its own overrides it to build no dictionary.
    func withEachGenerator(_ body: (inout Xoshiro256) -> Void)

    /// Prepares the layer for inputs of `inputShape` (one sample, no batch dimension): checks the shape,
    /// gives each parameter its shape and returns the output shape. A parameter that holds no value of its
    /// shape yet gets initial values drawn from `generator` (see ``Parameter/prepare(shape:initialValue:)``);
    /// one that does keeps it, so a trained or loaded layer placed in a new model keeps its weights.
    ///
    /// - Throws: ``LayerError/incompatibleInput(layer:inputShape:expected:)`` when the layer cannot take
    ///   such inputs.
    func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int]

    /// Whether the layer is a random augmentation of the training data, such as ``RandomRotation``: a
    /// layer that changes images only in training and keeps no parameters. A model runs such layers as in
    /// inference while ``Model/augmentsTrainingData`` is false. By default false.
    var isAugmentation: Bool { get }

    /// The output for a batch of inputs. In training mode the layer remembers what its backward pass
    /// needs and applies training-only behaviour (dropout, batch statistics).
    func forward(_ input: Tensor, training: Bool) -> Tensor

    /// Starts estimating the layer's running statistics afresh
    /// (``Model/recalibrateStatistics(on:batchSize:)-(Tensor,_)``): until
    /// ``Layer/endStatisticsRecalibration()``, inference-mode passes normalise as training does, with each
    /// batch's own statistics, and add them up instead of using the running ones. By default nothing: the
    /// layer keeps no statistics.
    func beginStatisticsRecalibration()

    /// Ends the estimate that ``Layer/beginStatisticsRecalibration()`` started: the running statistics
    /// become those of every value the layer saw since. By default nothing.
    func endStatisticsRecalibration()

    /// Given the gradient of the loss with respect to the output of the last training-mode forward call,
    /// sets each parameter's ``Parameter/gradient`` (replacing the previous one) and returns the gradient
    /// with respect to the input, or nil when `needsInputGradient` is false (the first layer with parameters).
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor?
}

extension Layer {
    public var isAugmentation: Bool { false }

    public func beginStatisticsRecalibration() {}

    public func endStatisticsRecalibration() {}

    public var buffers: [String: Tensor] {
        get { [:] }
        set {}
    }

    public var generators: [String: Xoshiro256] {
        get { [:] }
        set {}
    }

    public func withEachGenerator(_ body: (inout Xoshiro256) -> Void) {
        var states = generators
        guard !states.isEmpty else { return }
        for name in states.keys.sorted() { body(&states[name]!) }
        generators = states
    }

    /// The number of scalars in ``buffers``: what summaries count as non-trainable parameters.
    public var bufferCount: Int { buffers.values.reduce(0) { $0 + $1.count } }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// The gradient with respect to the input (see ``Layer/backward(_:needsInputGradient:)``).
    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let inputGradient = backward(outputGradient, needsInputGradient: true) else {
            preconditionFailure("\(name) returned no input gradient although one was asked for")
        }
        return inputGradient
    }
}

/// A model definition that cannot work.
public enum LayerError: Error, Equatable, CustomStringConvertible {
    /// `layer` cannot take inputs of `inputShape` (per sample); `expected` says what it needs.
    case incompatibleInput(layer: String, inputShape: [Int], expected: String)
    /// A ``MergeLayer`` `layer` cannot combine inputs of `inputShapes` (per sample); `expected` says what
    /// it needs.
    case incompatibleInputs(layer: String, inputShapes: [[Int]], expected: String)

    public var description: String {
        switch self {
        case let .incompatibleInput(layer, inputShape, expected):
            return "\(layer) cannot take inputs of shape \(inputShape): expected \(expected)"
        case let .incompatibleInputs(layer, inputShapes, expected):
            let shapes = inputShapes.map { "\($0)" }.joined(separator: ", ")
            return "\(layer) cannot combine inputs of shapes \(shapes): expected \(expected)"
        }
    }
}

/// The size of the last (channel) axis of `inputShape`, for the layers that work per channel.
///
/// - Throws: ``LayerError/incompatibleInput(layer:inputShape:expected:)`` naming `layer` when there is none.
func channelCount(of inputShape: [Int], layer: String) throws -> Int {
    guard let last = inputShape.last, last > 0 else {
        throw LayerError.incompatibleInput(layer: layer, inputShape: inputShape,
                                           expected: "a non-empty last (channel) axis")
    }
    return last
}
