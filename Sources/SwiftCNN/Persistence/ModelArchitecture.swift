import Foundation

/// A model's architecture as a model file records it: JSON in the metadata entry `swiftcnn.model`. A
/// ``Sequential`` model is a list of layers, each applied to the output of the one before:
///
/// ```json
/// {"format": "swiftcnn.sequential", "version": 1, "inputShape": [28, 28, 1], "seed": 1,
///  "layers": [{"type": "conv2d", "config": {"filters": 32, "kernelSize": [3, 3], ...}}, ...]}
/// ```
///
/// Any other ``Model`` is a graph: each layer also has its unique name and the names of the layers whose
/// outputs it takes (`input_layer` for the model's input), listed after them:
///
/// ```json
/// {"format": "swiftcnn.functional", "version": 1, "inputShape": [28, 28, 1], "seed": 1,
///  "layers": [{"name": "conv2d", "type": "conv2d", "config": {...}, "inputs": ["input_layer"]},
///             {"name": "add", "type": "add", "config": {}, "inputs": ["conv2d", "conv2d_1"]}, ...]}
/// ```
///
/// Each layer is its ``SavableLayer/typeName`` and its ``SavableLayer/configuration``.
struct ModelArchitecture {
    static let metadataKey = "swiftcnn.model"
    static let sequentialFormat = "swiftcnn.sequential"
    static let functionalFormat = "swiftcnn.functional"
    static let version = 1
    /// The name that functional files give the model's input.
    static let inputName = "input_layer"

    /// A layer read from the file but not yet created: its type and its decoded configuration.
    struct PendingLayer {
        var type: any SavableLayer.Type
        var configuration: Any
    }

    var inputShape: [Int]
    var seed: UInt64
    var layers: [PendingLayer]
    /// Per layer, the values it takes: `0` is the model's input, `k + 1` the output of layer `k`.
    var inputs: [[Int]]
    /// Per layer, its name in a functional file; nil for a sequential one.
    var names: [String]?

    /// The JSON for `model`, with sorted keys so that the same model always gives the same file: the
    /// sequential format for a ``Sequential`` model, the functional one otherwise.
    ///
    /// - Throws: ``ModelFileError/unsavableLayer(layer:type:)`` for a layer that is not a ``SavableLayer``.
    static func json(for model: Model) throws -> String {
        var layers: [any SavableLayer] = []
        for (index, layer) in model.layers.enumerated() {
            guard let savable = layer as? any SavableLayer else {
                throw ModelFileError.unsavableLayer(layer: index, type: String(describing: type(of: layer)))
            }
            layers.append(savable)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let functional = !model.isSequential
        let names = [inputName] + model.layerNames
        let encoded = layers.enumerated().map { index, layer in
            EncodedLayer(layer: layer, name: functional ? model.layerNames[index] : nil,
                         inputs: functional ? model.layerInputs[index].map { names[$0] } : nil)
        }
        let document = Document(format: functional ? functionalFormat : sequentialFormat, inputShape: model.inputShape,
                                seed: model.seed, layers: encoded)
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
            case let .invalidGraph(reason):
                throw ModelFileError.malformedArchitecture(file: file, reason: reason)
            }
        } catch {
            throw ModelFileError.malformedArchitecture(file: file, reason: ModelArchitecture.describe(error, in: json))
        }
        inputShape = document.inputShape
        seed = document.seed
        layers = document.layers
        inputs = document.inputs
        names = document.names
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
        case format, version, inputShape, seed, layers, type, config, name, inputs
    }

    /// Problems found while decoding, before the file name is attached.
    private enum Problem: Error {
        case unsupportedFormat(String, Int)
        case unknownLayerType(Int, String)
        case invalidConfiguration(Int, String, String)
        case invalidGraph(String)
    }

    /// The layer types a model file may name, handed to the decoder.
    private struct LayerTypes: @unchecked Sendable {
        static let key = CodingUserInfoKey(rawValue: "swiftcnn.layerTypes")!
        var byName: [String: any SavableLayer.Type]
    }

    private struct EncodedLayer: Encodable {
        var layer: any SavableLayer
        var name: String?
        var inputs: [String]?

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encodeIfPresent(name, forKey: .name)
            try container.encodeIfPresent(inputs, forKey: .inputs)
            try container.encode(type(of: layer).typeName, forKey: .type)
            try layer.encodeConfiguration(to: container.superEncoder(forKey: .config))
        }
    }

    private struct Document: Encodable {
        var format: String
        var version = ModelArchitecture.version
        var inputShape: [Int]
        var seed: UInt64
        var layers: [EncodedLayer]
    }

    private struct DecodedDocument: Decodable {
        var inputShape: [Int]
        var seed: UInt64
        var layers: [PendingLayer] = []
        var inputs: [[Int]] = []
        var names: [String]?

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            let format = try container.decode(String.self, forKey: .format)
            let version = try container.decode(Int.self, forKey: .version)
            let functional = format == ModelArchitecture.functionalFormat
            guard functional || format == ModelArchitecture.sequentialFormat, version == ModelArchitecture.version else {
                throw Problem.unsupportedFormat(format, version)
            }
            var indices = [ModelArchitecture.inputName: 0]
            if functional { names = [] }
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
                if functional {
                    let name = try entry.decode(String.self, forKey: .name)
                    let sources = try entry.decode([String].self, forKey: .inputs)
                    guard indices[name] == nil else { throw Problem.invalidGraph("two layers are named '\(name)'") }
                    guard !sources.isEmpty else { throw Problem.invalidGraph("layer '\(name)' takes no inputs") }
                    inputs.append(try sources.map { source in
                        guard let value = indices[source] else {
                            throw Problem.invalidGraph("layer '\(name)' takes '\(source)', which is not an earlier layer")
                        }
                        return value
                    })
                    names?.append(name)
                    indices[name] = index + 1
                } else {
                    inputs.append([index])
                }
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
