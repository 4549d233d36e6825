/// A trainable tensor of a layer, with the gradient of the loss with respect to it.
///
/// Layers own their parameters; optimizers update ``value`` from ``gradient`` in place. It is a class so
/// that a layer, its optimizer state and a saved checkpoint all refer to the same parameter.
///
/// A layer gives each parameter its shape when it is built (``prepare(shape:initialValue:)``); from then
/// on the value keeps that shape: assigning a value of another shape stops the program, naming both.
public final class Parameter {
    /// The parameter's name within its layer, for example `kernel` or `bias`.
    public let name: String
    /// The current value.
    public var value: Tensor {
        // Without `oldValue`, an in-place change (an optimizer step) mutates the value where it is, with no copy.
        didSet {
            if let fixedShape {
                precondition(value.shape == fixedShape,
                             "Parameter '\(name)' has shape \(fixedShape), it cannot take a value of shape \(value.shape)")
            }
        }
    }
    /// The gradient computed by the layer's last backward pass; same shape as ``value``.
    public var gradient: Tensor
    /// The shape ``prepare(shape:initialValue:)`` fixed, once it has.
    private var fixedShape: [Int]?

    /// A parameter holding `value`, with a zero gradient.
    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        gradient = Tensor(shape: value.shape)
    }

    /// Fixes the parameter's shape. A parameter that already holds a value of `shape` (trained, loaded
    /// or built before) keeps it; otherwise its value becomes `initialValue()`, which must have `shape`.
    ///
    /// Layers call this from ``Layer/build(inputShape:generator:)``, drawing initial values only for
    /// parameters that have none, so that building never discards training.
    public func prepare(shape: [Int], initialValue: () -> Tensor) {
        if value.shape != shape {
            fixedShape = nil
            let initial = initialValue()
            precondition(initial.shape == shape,
                         "Parameter '\(name)' needs an initial value of shape \(shape), got \(initial.shape)")
            value = initial
        }
        if gradient.shape != shape { gradient = Tensor(shape: shape) }
        fixedShape = shape
    }
}
