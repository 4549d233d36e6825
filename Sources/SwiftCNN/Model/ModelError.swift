/// A functional model that cannot be built from the symbolic tensors it was given.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// The outputs depend on an ``Input(shape:)`` other than the model's inputs; `layer` is the layer applied to it.
    case disconnectedInput(layer: String)
    /// The model's input does not reach its output.
    case unusedInput
    /// The layer instance `layer` is applied more than once; create one instance per use.
    case layerAppliedTwice(layer: String)
    /// The layers form a cycle through `layer`.
    case cycle(layer: String)
    /// A ``MergeLayer`` (`layer`) applied to one tensor, or a single-input layer applied to several.
    case wrongInputCount(layer: String, count: Int, expected: String)
    /// `layer` cannot take the shapes it is given: `reason` names them.
    case incompatibleShapes(layer: String, reason: String)
    /// An input shape with a size that is not positive, or none at all.
    case invalidInputShape([Int])
    /// A ``Sequential`` model made of layers that do not form a chain.
    case notAChain

    public var description: String {
        switch self {
        case let .disconnectedInput(layer):
            return "\(layer) is applied to an Input that is not the model's input"
        case .unusedInput:
            return "the model's input does not reach its output"
        case let .layerAppliedTwice(layer):
            return "\(layer) is applied more than once; use a new layer instance for each application"
        case let .cycle(layer):
            return "the layers form a cycle through \(layer)"
        case let .wrongInputCount(layer, count, expected):
            return "\(layer) is applied to \(count) tensor\(count == 1 ? "" : "s"): expected \(expected)"
        case let .incompatibleShapes(layer, reason):
            return "\(layer): \(reason)"
        case .notAChain:
            return "a Sequential model's layers must each take the output of the layer before"
        case let .invalidInputShape(shape):
            return "a model input needs a non-empty shape of positive sizes, got \(shape)"
        }
    }
}
