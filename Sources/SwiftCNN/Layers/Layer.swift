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

    /// Prepares the layer for inputs of `inputShape` (one sample, no batch dimension): checks the shape,
    /// creates parameters with initial values drawn from `generator`, and returns the output shape.
    ///
    /// - Throws: ``LayerError/incompatibleInput(layer:inputShape:expected:)`` when the layer cannot take
    ///   such inputs.
    func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int]

    /// The output for a batch of inputs. In training mode the layer remembers what its backward pass
    /// needs and applies training-only behaviour (dropout, batch statistics).
    func forward(_ input: Tensor, training: Bool) -> Tensor

    /// Given the gradient of the loss with respect to the output of the last training-mode forward call,
    /// sets each parameter's ``Parameter/gradient`` (replacing the previous one) and returns the gradient
    /// with respect to the input, or nil when `needsInputGradient` is false (the first layer with parameters).
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor?
}

extension Layer {
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

    public var description: String {
        switch self {
        case let .incompatibleInput(layer, inputShape, expected):
            return "\(layer) cannot take inputs of shape \(inputShape): expected \(expected)"
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
