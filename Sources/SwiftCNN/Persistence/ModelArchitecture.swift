import Foundation

/// A ``Sequential`` model's architecture as a model file records it: JSON in the metadata entry
/// `swiftcnn.model`, for example
///
/// ```json
/// {"format": "swiftcnn.sequential", "version": 1, "inputShape": [28, 28, 1], "seed": 1,
///  "layers": [{"type": "conv2d", "config": {"filters": 32, "kernelSize": [3, 3], ...}}, ...]}
/// ```
///
/// Each layer is its ``SavableLayer/typeName`` and its ``SavableLayer/configuration``.
struct ModelArchitecture {
    static let metadataKey = "swiftcnn.model"
    static let format = "swiftcnn.sequential"
    static let version = 1

    /// A layer read from the file but not yet created: its type and its decoded configuration.
    struct PendingLayer {
        var type: any SavableLayer.Type
        var configuration: Any
    }

    var inputShape: [Int]
    var seed: UInt64
    var layers: [PendingLayer]

    /// The JSON for `model`, with sorted keys so that the same model always gives the same file.
    ///
    /// - Throws: ``ModelFileError/unsavableLayer(layer:type:)`` for a layer that is not a ``SavableLayer``.
    static func json(for model: Sequential) throws -> String {
        var layers: [any SavableLayer] = []
        for (index, layer) in model.layers.enumerated() {
            guard let savable = layer as? any SavableLayer else {
                throw ModelFileError.unsavableLayer(layer: index, type: String(describing: type(of: layer)))
            }
            layers.append(savable)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let document = Document(inputShape: model.inputShape, seed: model.seed, layers: layers.map(EncodedLayer.init))
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    /// The architecture that `json`, read from `file`, describes, its layers of the built-in types and
    /// `customLayers`.
    init(json: String, file: String, customLayers: [any SavableLayer.Type]) throws {
        var types: [String: any SavableLayer.Type] = [:]
        for type in builtInLayerTypes { types[type.typeName] = type }
        for type in customLayers {
            if let existing = types[type.typeName] {
                precondition(ObjectIdentifier(existing) == ObjectIdentifier(type),
                             "The custom layer \(type) reuses the type name '\(type.typeName)' of \(existing)")
            }
            types[type.typeName] = type
        }
        let decoder = JSONDecoder()
        decoder.userInfo[LayerTypes.key] = LayerTypes(byName: types)
        let document: DecodedDocument
        do {
            document = try decoder.decode(DecodedDocument.self, from: Data(json.utf8))
        } catch let problem as Problem {
            switch problem {
            case let .unsupportedFormat(format, version):
                throw ModelFileError.unsupportedFormat(file: file, format: format, version: version)
            case let .unknownLayerType(layer, type):
                throw ModelFileError.unknownLayerType(file: file, layer: layer, type: type)
            case let .invalidConfiguration(layer, type, reason):
                throw ModelFileError.invalidLayerConfiguration(file: file, layer: layer, type: type, reason: reason)
            }
        } catch {
            throw ModelFileError.malformedArchitecture(file: file, reason: ModelArchitecture.describe(error, in: json))
        }
        inputShape = document.inputShape
        seed = document.seed
        layers = document.layers
    }

    /// A decoding error in words, its coding path dotted.
    static func describe(_ error: Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let components = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return components.isEmpty ? "" : "'\(components.joined(separator: "."))': "
        }
        switch error {
        case let DecodingError.keyNotFound(key, context):
            return "\(path(context))missing '\(key.stringValue)'"
        case let DecodingError.typeMismatch(type, context):
            return "\(path(context))expected \(type)"
        case let DecodingError.valueNotFound(type, context):
            return "\(path(context))expected \(type), found null"
        case let DecodingError.dataCorrupted(context):
            return "\(path(context))\(context.debugDescription)"
        default:
            return unrepresentableNumber(in: error).map { "the number \($0) is out of range for its field" } ?? "\(error)"
        }
    }
}

// MARK: - JSON

extension ModelArchitecture {
    private enum Key: String, CodingKey {
        case format, version, inputShape, seed, layers, type, config
    }

    /// Problems found while decoding, before the file name is attached.
    private enum Problem: Error {
        case unsupportedFormat(String, Int)
        case unknownLayerType(Int, String)
        case invalidConfiguration(Int, String, String)
    }

    /// The layer types a model file may name, handed to the decoder.
    private struct LayerTypes: @unchecked Sendable {
        static let key = CodingUserInfoKey(rawValue: "swiftcnn.layerTypes")!
        var byName: [String: any SavableLayer.Type]
    }

    private struct EncodedLayer: Encodable {
        var layer: any SavableLayer

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(type(of: layer).typeName, forKey: .type)
            try layer.encodeConfiguration(to: container.superEncoder(forKey: .config))
        }
    }

    private struct Document: Encodable {
        var format = ModelArchitecture.format
        var version = ModelArchitecture.version
        var inputShape: [Int]
        var seed: UInt64
        var layers: [EncodedLayer]
    }

    private struct DecodedDocument: Decodable {
        var inputShape: [Int]
        var seed: UInt64
        var layers: [PendingLayer] = []

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            let format = try container.decode(String.self, forKey: .format)
            let version = try container.decode(Int.self, forKey: .version)
            guard format == ModelArchitecture.format, version == ModelArchitecture.version else {
                throw Problem.unsupportedFormat(format, version)
            }
            inputShape = try container.decode([Int].self, forKey: .inputShape)
            seed = try container.decode(UInt64.self, forKey: .seed)
            guard let types = decoder.userInfo[LayerTypes.key] as? LayerTypes else {
                preconditionFailure("ModelArchitecture decodes layers only with the layer types in userInfo")
            }
            var entries = try container.nestedUnkeyedContainer(forKey: .layers)
            while !entries.isAtEnd {
                let index = entries.currentIndex
                let entry = try entries.nestedContainer(keyedBy: Key.self)
                let typeName = try entry.decode(String.self, forKey: .type)
                guard let type = types.byName[typeName] else { throw Problem.unknownLayerType(index, typeName) }
                do {
                    let configuration = try type.decodeConfiguration(from: entry.superDecoder(forKey: .config))
                    layers.append(PendingLayer(type: type, configuration: configuration))
                } catch {
                    throw Problem.invalidConfiguration(index, typeName, ModelArchitecture.describe(error))
                }
            }
        }
    }
}
