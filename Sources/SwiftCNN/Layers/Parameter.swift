/// A trainable tensor of a layer, with the gradient of the loss with respect to it.
///
/// Layers own their parameters; optimizers update ``value`` from ``gradient`` in place. It is a class so
/// that a layer, its optimizer state and a saved checkpoint all refer to the same parameter.
public final class Parameter {
    /// The parameter's name within its layer, for example `kernel` or `bias`.
    public let name: String
    /// The current value.
    public var value: Tensor
    /// The gradient computed by the layer's last backward pass; same shape as ``value``.
    public var gradient: Tensor

    /// A parameter holding `value`, with a zero gradient.
    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        gradient = Tensor(shape: value.shape)
    }
}
