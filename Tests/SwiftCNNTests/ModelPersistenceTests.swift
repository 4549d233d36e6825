import Foundation
@testable import SwiftCNN
import Testing
import TestSupport

/// A user-defined layer, savable through its own configuration: multiplies by a learnt scalar.
final class ScaleLayer: SavableLayer {
    struct Configuration: Codable { var initialFactor: Float }

    static let typeName = "test_scale"
    let name = "scale"
    let initialFactor: Float
    let factor: Parameter
    var parameters: [Parameter] { [factor] }
    private var input = Tensor(shape: [0])

    init(initialFactor: Float) {
        self.initialFactor = initialFactor
        factor = Parameter(name: "factor", value: Tensor([initialFactor]))
    }

    var configuration: Configuration { Configuration(initialFactor: initialFactor) }

    convenience init(configuration: Configuration) throws {
        guard configuration.initialFactor.isFinite else { throw LayerConfigurationError("initialFactor must be finite") }
        self.init(initialFactor: configuration.initialFactor)
    }

    func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] { inputShape }

    func forward(_ input: Tensor, training: Bool) -> Tensor {
        if training { self.input = input }
        return input * factor.value.scalar
    }

    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        factor.gradient = Tensor([(outputGradient * input).sum()])
        return needsInputGradient ? outputGradient * factor.value.scalar : nil
    }
}

/// A layer that is not savable.
final class OpaqueLayer: Layer {
    let name = "opaque"
    var parameters: [Parameter] { [] }
    func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] { inputShape }
    func forward(_ input: Tensor, training: Bool) -> Tensor { input }
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? { outputGradient }
}

/// Every built-in layer type, most options away from their defaults.
func modelWithEveryLayerType(seed: UInt64 = 5) throws -> Sequential {
    try Sequential(inputShape: [9, 9, 2], seed: seed) {
        Conv2D(filters: 4, kernelSize: (3, 2), strides: (2, 1), padding: .same, useBias: false,
               activation: .leakyReLU(slope: 0.15))
        BatchNormalization(momentum: 0.9, epsilon: 1e-4)
        ReLU()
        MaxPool2D(poolSize: (2, 3), strides: (1, 2), padding: .same)
        AveragePool2D(poolSize: 2)
        Conv2D(filters: 3, kernelSize: 1, activation: .tanh)
        Flatten()
        Dropout(rate: 0.25, seed: 99)
        Dense(units: 6, activation: .sigmoid)
        LeakyReLU(slope: 0.05)
        Tanh()
        Sigmoid()
        Dense(units: 3, useBias: true)
        Softmax()
        Normalization(mean: [0.25, -0.5, 1], variance: [2, 0.5, 4])
    }
}

func tinyDataset(count: Int = 24, sampleShape: [Int] = [9, 9, 2], classes: Int = 3, seed: UInt64 = 11) -> LabeledDataset {
    var generator = Xoshiro256(seed: seed)
    let inputs = Tensor(shape: [count] + sampleShape,
                        scalars: (0..<(count * sampleShape.reduce(1, *))).map { _ in generator.nextUnitFloat() })
    let labels = (0..<count).map { Int32($0 % classes) }
    return LabeledDataset(inputs: inputs, labels: labels, classCount: classes)
}

/// Every parameter and buffer by file name, as bit patterns.
func tensorBits(of model: Model) -> [String: [UInt32]] {
    Dictionary(uniqueKeysWithValues: model.namedTensors().map { ($0.name, $0.tensor.scalars.map(\.bitPattern)) })
}

@Suite struct ModelRoundTripTests {
    @Test func everyLayerTypeSurvivesSaveAndLoadBitForBit() throws {
        let model = try modelWithEveryLayerType()
        // Move the weights and batch-normalisation statistics away from their initial values.
        try model.fit(tinyDataset(), epochs: 1, batchSize: 8, optimizer: Adam(learningRate: 0.01), verbosity: .quiet)
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            try model.save(to: url)
            let loaded = try Sequential(contentsOf: url)

            #expect(loaded.inputShape == model.inputShape && loaded.seed == model.seed)
            #expect(loaded.layerOutputShapes == model.layerOutputShapes)
            #expect(loaded.layers.map(\.name) == model.layers.map(\.name))
            #expect(try ModelArchitecture.json(for: loaded) == ModelArchitecture.json(for: model))
            #expect(tensorBits(of: loaded) == tensorBits(of: model))
            #expect(tensorBits(of: loaded)["layers.1.running_mean"] != Tensor(shape: [4]).scalars.map(\.bitPattern))
            let inputs = tinyDataset(count: 5, seed: 2).inputs
            #expect(loaded(inputs).scalars.map(\.bitPattern) == model(inputs).scalars.map(\.bitPattern))
            #expect((loaded.layers[7] as? Dropout)?.configuration == Dropout.Configuration(rate: 0.25, seed: 99))
            #expect((loaded.layers[14] as? Normalization)?.variance == Tensor([2, 0.5, 4]))
        }
    }

    @Test func theFileNamesTensorsByLayerAndDescribesTheArchitecture() throws {
        let model = try modelWithEveryLayerType()
        let file = try SafeTensorsFile(serialized: model.modelFile().serialized())
        #expect(file.names == ["layers.0.kernel", "layers.1.gamma", "layers.1.beta", "layers.1.running_mean",
                               "layers.1.running_variance", "layers.5.kernel", "layers.5.bias",
                               "layers.8.kernel", "layers.8.bias", "layers.12.kernel", "layers.12.bias",
                               "layers.14.mean", "layers.14.variance"])
        #expect(file.shape(of: "layers.0.kernel") == [3, 2, 2, 4])
        let json = try #require(file.metadata["swiftcnn.model"])
        let architecture = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(architecture["format"] as? String == "swiftcnn.sequential")
        #expect(architecture["version"] as? Int == 1)
        #expect(architecture["inputShape"] as? [Int] == [9, 9, 2])
        let layers = try #require(architecture["layers"] as? [[String: Any]])
        #expect(layers.map { $0["type"] as? String } == [
            "conv2d", "batch_normalization", "relu", "max_pooling2d", "average_pooling2d", "conv2d", "flatten",
            "dropout", "dense", "leaky_relu", "tanh", "sigmoid", "dense", "softmax", "normalization",
        ])
        let conv = try #require(layers[0]["config"] as? [String: Any])
        #expect(conv["filters"] as? Int == 4 && conv["kernelSize"] as? [Int] == [3, 2] && conv["strides"] as? [Int] == [2, 1])
        #expect(conv["padding"] as? String == "same" && conv["useBias"] as? Bool == false)
        let activation = try #require(conv["activation"] as? [String: Any])
        #expect(activation["name"] as? String == "leaky_relu")
        #expect((activation["slope"] as? NSNumber)?.floatValue == 0.15)
        #expect((layers[8]["config"] as? [String: Any])?["activation"] as? String == "sigmoid")
    }

    @Test func savingTheSameModelTwiceGivesTheSameBytes() throws {
        let model = try modelWithEveryLayerType()
        #expect(try model.modelFile().serialized() == model.modelFile().serialized())
    }

    @Test func customSavableLayersRoundTripWhenTheirTypeIsGiven() throws {
        let model = try Sequential(inputShape: [4]) {
            Dense(units: 3)
            ScaleLayer(initialFactor: 2.5)
        }
        model.parameters[2].value = Tensor([-7])
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("custom.safetensors")
            try model.save(to: url)
            let loaded = try Sequential(contentsOf: url, customLayers: [ScaleLayer.self])
            #expect((loaded.layers[1] as? ScaleLayer)?.initialFactor == 2.5)
            #expect(tensorBits(of: loaded) == tensorBits(of: model))
            #expect(throws: ModelFileError.unknownLayerType(file: url.path, layer: 1, type: "test_scale")) {
                try Sequential(contentsOf: url)
            }
        }
    }

    @Test func aLayerThatIsNotSavableIsNamed() throws {
        let model = try Sequential(inputShape: [4]) {
            Dense(units: 3)
            OpaqueLayer()
        }
        #expect(throws: ModelFileError.unsavableLayer(layer: 1, type: "OpaqueLayer")) {
            try model.save(to: FileManager.default.temporaryDirectory.appendingPathComponent("never.safetensors"))
        }
    }
}

@Suite struct ModelLoadingErrorTests {
    let model: Sequential
    let original: SafeTensorsFile

    init() throws {
        model = try Sequential(inputShape: [6, 6, 1], seed: 3) {
            Conv2D(filters: 2, kernelSize: 3, activation: .relu)
            BatchNormalization()
            Flatten()
            Dense(units: 4)
        }
        original = try model.modelFile()
    }

    /// The error loading `file` gives, once written to disk as `bad.safetensors`.
    func loadingError(_ file: SafeTensorsFile) throws -> (error: ModelFileError?, path: String) {
        try SwiftCNNTests.loadingError(of: file, as: "bad.safetensors") { _ = try Sequential(contentsOf: $0) }
    }

    /// `original` with its architecture JSON changed by `edit`.
    func withArchitecture(_ edit: (inout [String: Any]) -> Void) throws -> SafeTensorsFile {
        try editingJSON("swiftcnn.model", of: original, edit)
    }

    func withLayer(_ index: Int, _ edit: @escaping (inout [String: Any]) -> Void) throws -> SafeTensorsFile {
        try withArchitecture { architecture in
            var layers = architecture["layers"] as? [[String: Any]] ?? []
            edit(&layers[index])
            architecture["layers"] = layers
        }
    }

    func withConfig(_ index: Int, _ key: String, _ value: Any?) throws -> SafeTensorsFile {
        try withLayer(index) { layer in
            var config = layer["config"] as? [String: Any] ?? [:]
            config[key] = value
            layer["config"] = config
        }
    }

    @Test func theUnchangedFileLoads() throws {
        #expect(try loadingError(original).error == nil)
    }

    @Test func missingExtraAndMisshapenTensors() throws {
        var missing = original
        missing.removeTensor(named: "layers.3.bias")
        var (error, path) = try loadingError(missing)
        #expect(error == .missingTensor(file: path, tensor: "layers.3.bias"))

        var extra = original
        extra.setTensor(Tensor([1]), named: "layers.2.kernel")
        (error, path) = try loadingError(extra)
        #expect(error == .unexpectedTensor(file: path, tensor: "layers.2.kernel"))

        extra = original
        extra.setTensor(Tensor([1]), named: "optimizer.firstMoment.layers.0.kernel")
        (error, path) = try loadingError(extra)
        #expect(error == .unexpectedTensor(file: path, tensor: "optimizer.firstMoment.layers.0.kernel"),
                "optimizer tensors belong only in checkpoints")

        var misshapen = original
        misshapen.setTensor(Tensor(shape: [3, 3, 1, 3]), named: "layers.0.kernel")
        (error, path) = try loadingError(misshapen)
        #expect(error == .shapeMismatch(file: path, tensor: "layers.0.kernel", expected: [3, 3, 1, 2], found: [3, 3, 1, 3]))

        misshapen = original
        misshapen.setTensor(Tensor(shape: [3]), named: "layers.1.running_variance")
        (error, path) = try loadingError(misshapen)
        #expect(error == .shapeMismatch(file: path, tensor: "layers.1.running_variance", expected: [2], found: [3]))
    }

    @Test func noOrBadArchitecture() throws {
        var plain = original
        plain.metadata = [:]
        var (error, path) = try loadingError(plain)
        #expect(error == .notAModelFile(file: path))

        var garbled = original
        garbled.metadata["swiftcnn.model"] = "{\"format\": "
        (error, path) = try loadingError(garbled)
        guard case .malformedArchitecture(path, _)? = error else {
            Issue.record("garbled JSON gave \(String(describing: error))")
            return
        }
        (error, path) = try loadingError(try withArchitecture { $0["inputShape"] = "28x28" })
        guard case .malformedArchitecture(path, let reason)? = error else {
            Issue.record("a string input shape gave \(String(describing: error))")
            return
        }
        #expect(reason.contains("inputShape"))
        (error, path) = try loadingError(try withArchitecture { $0["layers"] = nil })
        guard case .malformedArchitecture(path, _)? = error else {
            Issue.record("missing layers gave \(String(describing: error))")
            return
        }
    }

    @Test func unsupportedFormatOrVersion() throws {
        var (error, path) = try loadingError(try withArchitecture { $0["version"] = 2 })
        #expect(error == .unsupportedFormat(file: path, format: "swiftcnn.sequential", version: 2))
        (error, path) = try loadingError(try withArchitecture { $0["format"] = "keras" })
        #expect(error == .unsupportedFormat(file: path, format: "keras", version: 1))
    }

    @Test func unknownLayerType() throws {
        let (error, path) = try loadingError(try withLayer(2) { $0["type"] = "reshape" })
        #expect(error == .unknownLayerType(file: path, layer: 2, type: "reshape"))
    }

    @Test func invalidLayerConfigurations() throws {
        let cases: [(SafeTensorsFile, Int, String, String)] = [
            (try withConfig(0, "filters", -3), 0, "conv2d", "filters must be in 1...2147483647, got -3"),
            (try withConfig(0, "kernelSize", [3]), 0, "conv2d", "kernelSize must hold two sizes (height, width), got [3]"),
            (try withConfig(0, "strides", [1, 9_000_000_000]), 0, "conv2d", "strides must be in 1...2147483647, got 9000000000"),
            (try withConfig(0, "activation", ["name": "leaky_relu", "slope": -1]), 0, "conv2d",
             "the leaky ReLU slope must be positive and finite, got -1.0"),
            (try withConfig(1, "momentum", 1.5), 1, "batch_normalization", "momentum must be in 0...1, got 1.5"),
            (try withConfig(1, "epsilon", 0), 1, "batch_normalization", "epsilon must be positive and finite, got 0.0"),
        ]
        for (file, layer, type, reason) in cases {
            let (error, path) = try loadingError(file)
            #expect(error == .invalidLayerConfiguration(file: path, layer: layer, type: type, reason: reason))
        }
        for file in [try withConfig(3, "units", nil), try withConfig(0, "activation", "swish"),
                     try withConfig(0, "padding", "causal"), try withConfig(3, "units", 2.5)] {
            let (error, path) = try loadingError(file)
            guard case .invalidLayerConfiguration(path, _, _, _)? = error else {
                Issue.record("gave \(String(describing: error))")
                continue
            }
        }
    }

    @Test func architecturesThatCannotBeBuilt() throws {
        for shape: Any in [[Int](), [6, 0, 1], [6, -6, 1], [65536, 65536, 1]] {
            let (error, path) = try loadingError(try withArchitecture { $0["inputShape"] = shape })
            guard case .incompatibleArchitecture(path, _)? = error else {
                Issue.record("input shape \(shape) gave \(String(describing: error))")
                continue
            }
        }
        // Dense straight after the convolution: the layers do not fit together.
        let (error, path) = try loadingError(try withArchitecture { architecture in
            var layers = architecture["layers"] as? [[String: Any]] ?? []
            layers.remove(at: 2)
            architecture["layers"] = layers
        })
        guard case .incompatibleArchitecture(path, let reason)? = error else {
            Issue.record("Dense on images gave \(String(describing: error))")
            return
        }
        #expect(reason.contains("layer 2"))
    }

    @Test func anEnormousLayerIsRejectedBeforeItIsAllocated() throws {
        // 2³⁰ units would need terabytes; the file's tensors say otherwise, so nothing is allocated.
        let (error, path) = try loadingError(try withConfig(3, "units", 1 << 30))
        #expect(error == .shapeMismatch(file: path, tensor: "layers.3.bias", expected: [1 << 30], found: [4]))
        let (wide, widePath) = try loadingError(try withConfig(0, "filters", Int(Int32.max)))
        #expect(wide == .shapeMismatch(file: widePath, tensor: "layers.0.bias", expected: [Int(Int32.max)],
                                       found: [2]))
    }
}
