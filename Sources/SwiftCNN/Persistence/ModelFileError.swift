/// A model file, checkpoint or imported weight file that does not fit the model it should describe, or a
/// model that cannot be saved. Errors about the safetensors container itself are ``SafeTensorsError``s.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    /// The file holds tensors but no SwiftCNN architecture: it was not written by ``Model/save(to:)``.
    case notAModelFile(file: String)
    /// The architecture metadata is not what SwiftCNN writes.
    case malformedArchitecture(file: String, reason: String)
    /// The file was written in a format or version this SwiftCNN cannot read.
    case unsupportedFormat(file: String, format: String, version: Int)
    /// Layer `layer` (from 0) has a type that is neither built in nor among the custom layers given.
    case unknownLayerType(file: String, layer: Int, type: String)
    /// Layer `layer` has a configuration its type cannot take.
    case invalidLayerConfiguration(file: String, layer: Int, type: String, reason: String)
    /// The layers do not fit together or the input shape is unusable.
    case incompatibleArchitecture(file: String, reason: String)
    /// A tensor the model needs is not in the file.
    case missingTensor(file: String, tensor: String)
    /// The file holds a tensor the model has no place for.
    case unexpectedTensor(file: String, tensor: String)
    /// A tensor has another shape than the model needs.
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    /// Element `index` (row-major) of tensor `tensor` holds `value`, outside the tensor's domain
    /// (`requirement`, such as `finite and not negative` for a variance).
    case invalidValue(file: String, tensor: String, index: Int, value: String, requirement: String)
    /// Layer `layer` of the model being saved does not conform to ``SavableLayer``.
    case unsavableLayer(layer: Int, type: String)
    /// The file is a model file without the training state of a ``TrainingCheckpoint``.
    case notACheckpoint(file: String)
    /// The checkpoint's training state is not what SwiftCNN writes.
    case malformedCheckpoint(file: String, reason: String)
    /// The test evaluation recorded in the file (see ``ModelEvaluation``) is not what SwiftCNN writes.
    case malformedEvaluation(file: String, reason: String)
    /// The optimizer is not one whose configuration a checkpoint can record (``SGD``, ``Adam``, ``AdamW``,
    /// alone or in a ``MovingAverage``).
    case unsupportedOptimizer(type: String)
    /// The imported weights come in `found` groups (layers), but the model has `expected` layers with
    /// parameters.
    case layerCountMismatch(file: String, expected: Int, found: [String])

    public var description: String {
        switch self {
        case let .notAModelFile(file):
            return "\(file): not a SwiftCNN model file (no architecture in its metadata); "
                + "to read weights exported from PyTorch or Keras, use loadWeights(fromPyTorch:) or loadWeights(fromKeras:)"
        case let .malformedArchitecture(file, reason):
            return "\(file): the model architecture cannot be read: \(reason)"
        case let .unsupportedFormat(file, format, version):
            return "\(file): format '\(format)' version \(version) is not supported by this version of SwiftCNN"
        case let .unknownLayerType(file, layer, type):
            return "\(file): layer \(layer) has unknown type '\(type)'; pass custom layer types in customLayers:"
        case let .invalidLayerConfiguration(file, layer, type, reason):
            return "\(file): layer \(layer) (\(type)) has an invalid configuration: \(reason)"
        case let .incompatibleArchitecture(file, reason):
            return "\(file): the architecture cannot be built: \(reason)"
        case let .missingTensor(file, tensor):
            return "\(file): missing tensor '\(tensor)'"
        case let .unexpectedTensor(file, tensor):
            return "\(file): unexpected tensor '\(tensor)', which the model has no place for"
        case let .shapeMismatch(file, tensor, expected, found):
            return "\(file): tensor '\(tensor)' has shape \(found), expected \(expected)"
        case let .invalidValue(file, tensor, index, value, requirement):
            return "\(file): tensor '\(tensor)' holds \(value) at element \(index); its values must be \(requirement)"
        case let .unsavableLayer(layer, type):
            return "layer \(layer) (\(type)) cannot be saved: make it conform to SavableLayer"
        case let .notACheckpoint(file):
            return "\(file): a model file without training state, not a checkpoint"
        case let .malformedCheckpoint(file, reason):
            return "\(file): the training state cannot be read: \(reason)"
        case let .malformedEvaluation(file, reason):
            return "\(file): the recorded test evaluation cannot be read: \(reason)"
        case let .unsupportedOptimizer(type):
            return "a checkpoint cannot record an optimizer of type \(type); use SGD, Adam or AdamW, alone or in a MovingAverage"
        case let .layerCountMismatch(file, expected, found):
            return "\(file): the model has \(expected) layers with parameters, but the file has \(found.count): \(found)"
        }
    }
}
