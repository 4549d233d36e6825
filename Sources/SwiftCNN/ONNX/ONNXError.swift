/// Why a model cannot be exported to ONNX, or an ONNX file cannot be imported.
public enum ONNXError: Error, Equatable, CustomStringConvertible {
    /// Export was asked for an opset other than the ones it writes (13 and 17).
    case unsupportedOpset(Int)
    /// Layer `layer` of the model being exported has no ONNX form: it is not one of the built-in layers.
    case unexportableLayer(layer: String, type: String)
    /// The exported model cannot be written to `file`.
    case unwritableFile(file: String, reason: String)
    /// The file cannot be read, or is not an ONNX model (its protobuf does not decode).
    case unreadableFile(file: String, reason: String)
    /// The file is an ONNX model this importer cannot take as a whole, such as one with two inputs or an
    /// operator set it does not know.
    case unsupportedModel(file: String, reason: String)
    /// Node `node` uses an operator the importer does not know.
    case unsupportedOperator(file: String, node: String, operator: String)
    /// Node `node` sets `attribute` of its operator to a value the importer does not support, or takes an
    /// input in a form it cannot turn into a layer; `reason` says what it supports.
    case unsupportedAttribute(file: String, node: String, operator: String, attribute: String, reason: String)
    /// Node `node` is not well formed: an input that no earlier node makes, a weight of the wrong shape.
    case malformedNode(file: String, node: String, operator: String, reason: String)
    /// A tensor (an initializer or a constant) is not well formed: its data does not match its shape and
    /// type, or its shape is impossibly large.
    case malformedTensor(file: String, tensor: String, reason: String)

    public var description: String {
        switch self {
        case let .unsupportedOpset(opset):
            return "ONNX export writes opset 13 or 17, not \(opset)"
        case let .unexportableLayer(layer, type):
            return "layer \(layer) (\(type)) has no ONNX form"
        case let .unwritableFile(file, reason):
            return "cannot write the ONNX model to \(file): \(reason)"
        case let .unreadableFile(file, reason):
            return "\(file) cannot be read as an ONNX model: \(reason)"
        case let .unsupportedModel(file, reason):
            return "\(file): \(reason)"
        case let .unsupportedOperator(file, node, op):
            return "\(file): node \(node) uses the operator \(op), which SwiftCNN cannot import"
        case let .unsupportedAttribute(file, node, op, attribute, reason):
            return "\(file): node \(node) (\(op)) has an unsupported \(attribute): \(reason)"
        case let .malformedNode(file, node, op, reason):
            return "\(file): node \(node) (\(op)) is malformed: \(reason)"
        case let .malformedTensor(file, tensor, reason):
            return "\(file): tensor \(tensor) is malformed: \(reason)"
        }
    }
}
