/// A layer that can be saved in a model file and rebuilt from it without the code that defined the model.
///
/// A model file records each layer's ``typeName`` and ``configuration`` (as JSON) and its tensors. Every
/// built-in layer conforms. Make your own layer savable by giving it a `Codable` configuration:
///
/// ```swift
/// final class Scale: SavableLayer {
///     struct Configuration: Codable { var factor: Float }
///     static let typeName = "scale"
///     var configuration: Configuration { Configuration(factor: factor) }
///     convenience init(configuration: Configuration) throws {
///         guard configuration.factor.isFinite else { throw LayerConfigurationError("factor must be finite") }
///         self.init(factor: configuration.factor)
///     }
///     // ... the Layer requirements
/// }
///
/// try model.save(to: url)
/// let restored = try Sequential(contentsOf: url, customLayers: [Scale.self])
/// ```
///
/// The layer's ``Layer/parameters`` are saved by their names, so names must be unique within the layer.
/// A layer whose output depends on tensors that are not trained by gradients also lists them in ``Layer/buffers``.
public protocol SavableLayer: Layer {
    /// What the layer was created with: everything needed to create an equal, unbuilt layer.
    associatedtype Configuration: Codable

    /// The name that identifies this type of layer in model files, unique among the layer types a model
    /// is loaded with; built-in layers use their ``Layer/name``, such as `conv2d`.
    static var typeName: String { get }

    /// The layer's configuration, saved as JSON in the model file's metadata.
    var configuration: Configuration { get }

    /// A new, unbuilt layer with `configuration`, read from a model file.
    ///
    /// The configuration comes from a file and may be anything a file can hold: check it, and throw
    /// ``LayerConfigurationError`` rather than stop the program on a value the layer cannot take.
    init(configuration: Configuration) throws

    /// The shapes, by name, that the parameters and ``Layer/buffers`` of a layer with `configuration` will have
    /// once built for `inputShape`; nil when that cannot be told without creating the layer (the default)
    /// or when the configuration is invalid.
    ///
    /// Loading compares these with the file before creating the layer, so a file that describes an enormous
    /// layer is rejected before any memory is allocated for it.
    static func expectedTensorShapes(for configuration: Configuration, inputShape: [Int]) -> [String: [Int]]?

    /// The values the parameter or buffer `name` may hold, checked when a model is loaded; by default
    /// ``TensorValueDomain/finite``. A variance, for example, is ``TensorValueDomain/nonNegative``.
    static func valueDomain(ofTensorNamed name: String) -> TensorValueDomain
}

extension SavableLayer {
    public static func expectedTensorShapes(for configuration: Configuration, inputShape: [Int]) -> [String: [Int]]? {
        nil
    }

    public static func valueDomain(ofTensorNamed name: String) -> TensorValueDomain { .finite }

    /// The configuration that `decoder` holds, type-erased so that layers of all types can wait in one list
    /// until they are created.
    static func decodeConfiguration(from decoder: Decoder) throws -> Any {
        try Configuration(from: decoder)
    }

    /// ``expectedTensorShapes(for:inputShape:)`` for a configuration from ``decodeConfiguration(from:)``.
    static func expectedTensorShapes(forDecoded configuration: Any, inputShape: [Int]) -> [String: [Int]]? {
        guard let configuration = configuration as? Configuration else { return nil }
        return expectedTensorShapes(for: configuration, inputShape: inputShape)
    }

    /// A layer created from a configuration from ``decodeConfiguration(from:)``.
    static func make(fromDecoded configuration: Any) throws -> Layer {
        guard let configuration = configuration as? Configuration else {
            preconditionFailure("\(Self.self) was given a configuration of type \(type(of: configuration))")
        }
        return try Self(configuration: configuration)
    }

    /// Writes ``configuration`` to `encoder`.
    func encodeConfiguration(to encoder: Encoder) throws {
        try configuration.encode(to: encoder)
    }
}

/// A layer configuration, read from a model file, that the layer cannot take.
public struct LayerConfigurationError: Error, Equatable, CustomStringConvertible {
    /// What is wrong, for example `filters must be positive, got -3`.
    public var reason: String

    /// An error explaining `reason`.
    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
