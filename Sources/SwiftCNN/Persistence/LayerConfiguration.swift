// How each built-in layer is saved in and rebuilt from a model file: its configuration, checked on the way
// in, since a file may hold anything, and the shapes of its tensors, known before it is created.
// Integers in a configuration are limited to `1...Int32.max` so that no shape arithmetic can overflow.

/// The built-in layer types a model file may name.
var builtInLayerTypes: [any SavableLayer.Type] { [
    Conv2D.self, DepthwiseConv2D.self, MaxPool2D.self, AveragePool2D.self, GlobalAveragePooling2D.self,
    Flatten.self, Dense.self, ReLU.self, LeakyReLU.self, Sigmoid.self, Tanh.self, Softmax.self, Dropout.self,
    BatchNormalization.self, Normalization.self, Add.self, Concatenate.self,
    RandomTranslation.self, RandomRotation.self, RandomZoom.self, RandomContrast.self,
    RandomElasticDeformation.self, RandomStrokeWidth.self,
] }

/// The configuration of a layer that has no options.
public struct EmptyLayerConfiguration: Codable, Equatable, Sendable {
    public init() {}
}

extension Padding: Codable {}

private func checkedSize(_ value: Int, _ option: String) throws -> Int {
    guard value > 0, value <= Int(Int32.max) else {
        throw LayerConfigurationError("\(option) must be in 1...\(Int32.max), got \(value)")
    }
    return value
}

private func checkedPair(_ values: [Int], _ option: String) throws -> (height: Int, width: Int) {
    guard values.count == 2 else {
        throw LayerConfigurationError("\(option) must hold two sizes (height, width), got \(values)")
    }
    return (try checkedSize(values[0], option), try checkedSize(values[1], option))
}

/// `slope`, unless a leaky ReLU cannot use it (see ``LeakyReLU/init(slope:)``).
private func checkedSlope(_ slope: Float) throws -> Float {
    guard slope > 0, slope.isFinite else {
        throw LayerConfigurationError("the leaky ReLU slope must be positive and finite, got \(slope)")
    }
    return slope
}

/// `initializer`, or `standard` when there is none, unless it cannot draw values.
private func checked(_ initializer: Initializer?, _ option: String, standard: Initializer) throws -> Initializer {
    let initializer = initializer ?? standard
    if let problem = initializer.problem { throw LayerConfigurationError("\(option): \(problem)") }
    return initializer
}

/// `initializer`, or nil when it is `standard`: files of models with the default initializers stay as
/// they were before layers had any other.
private func saved(_ initializer: Initializer, unless standard: Initializer) -> Initializer? {
    initializer == standard ? nil : initializer
}

extension Activation {
    /// Throws unless the activation is one a layer can apply.
    fileprivate func checked() throws -> Activation {
        if case let .leakyReLU(slope) = self { _ = try checkedSlope(slope) }
        return self
    }
}

// MARK: - Layers with parameters

extension Conv2D: SavableLayer {
    /// A ``Conv2D``'s options; sizes are `[height, width]`.
    public struct Configuration: Codable, Equatable, Sendable {
        public var filters: Int
        public var kernelSize: [Int]
        public var strides: [Int]
        public var padding: Padding
        public var useBias: Bool
        public var activation: Activation
        /// Absent for Glorot-uniform.
        public var kernelInitializer: Initializer?
        /// Absent for zeros.
        public var biasInitializer: Initializer?
    }

    public static var typeName: String { "conv2d" }

    public var configuration: Configuration {
        Configuration(filters: filters, kernelSize: [kernelSize.height, kernelSize.width],
                      strides: [strides.height, strides.width], padding: padding, useBias: useBias,
                      activation: activation, kernelInitializer: saved(kernelInitializer, unless: .glorotUniform),
                      biasInitializer: saved(biasInitializer, unless: .zeros))
    }

    public convenience init(configuration: Configuration) throws {
        self.init(filters: try checkedSize(configuration.filters, "filters"),
                  kernelSize: try checkedPair(configuration.kernelSize, "kernelSize"),
                  strides: try checkedPair(configuration.strides, "strides"), padding: configuration.padding,
                  useBias: configuration.useBias, activation: try configuration.activation.checked(),
                  kernelInitializer: try checked(configuration.kernelInitializer, "kernelInitializer", standard: .glorotUniform),
                  biasInitializer: try checked(configuration.biasInitializer, "biasInitializer", standard: .zeros))
    }

    public static func expectedTensorShapes(for configuration: Configuration, inputShape: [Int]) -> [String: [Int]]? {
        guard inputShape.count == 3, let filters = try? checkedSize(configuration.filters, "filters"),
              let kernelSize = try? checkedPair(configuration.kernelSize, "kernelSize") else { return nil }
        let kernel = [kernelSize.height, kernelSize.width, inputShape[2], filters]
        return configuration.useBias ? ["kernel": kernel, "bias": [filters]] : ["kernel": kernel]
    }
}

extension DepthwiseConv2D: SavableLayer {
    /// A ``DepthwiseConv2D``'s options; sizes are `[height, width]`.
    public struct Configuration: Codable, Equatable, Sendable {
        public var kernelSize: [Int]
        public var strides: [Int]
        public var padding: Padding
        public var depthMultiplier: Int
        public var useBias: Bool
        public var activation: Activation
        /// Absent for Glorot-uniform.
        public var kernelInitializer: Initializer?
        /// Absent for zeros.
        public var biasInitializer: Initializer?
    }

    public static var typeName: String { "depthwise_conv2d" }

    public var configuration: Configuration {
        Configuration(kernelSize: [kernelSize.height, kernelSize.width], strides: [strides.height, strides.width],
                      padding: padding, depthMultiplier: depthMultiplier, useBias: useBias, activation: activation,
                      kernelInitializer: saved(kernelInitializer, unless: .glorotUniform),
                      biasInitializer: saved(biasInitializer, unless: .zeros))
    }

    public convenience init(configuration: Configuration) throws {
        self.init(kernelSize: try checkedPair(configuration.kernelSize, "kernelSize"),
                  strides: try checkedPair(configuration.strides, "strides"), padding: configuration.padding,
                  depthMultiplier: try checkedSize(configuration.depthMultiplier, "depthMultiplier"),
                  useBias: configuration.useBias, activation: try configuration.activation.checked(),
                  kernelInitializer: try checked(configuration.kernelInitializer, "kernelInitializer", standard: .glorotUniform),
                  biasInitializer: try checked(configuration.biasInitializer, "biasInitializer", standard: .zeros))
    }

    public static func expectedTensorShapes(for configuration: Configuration, inputShape: [Int]) -> [String: [Int]]? {
        guard inputShape.count == 3, let kernelSize = try? checkedPair(configuration.kernelSize, "kernelSize"),
              let multiplier = try? checkedSize(configuration.depthMultiplier, "depthMultiplier") else { return nil }
        let (outputChannels, overflow) = inputShape[2].multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        let kernel = [kernelSize.height, kernelSize.width, inputShape[2], multiplier]
        return configuration.useBias ? ["kernel": kernel, "bias": [outputChannels]] : ["kernel": kernel]
    }
}

extension Dense: SavableLayer {
    /// A ``Dense`` layer's options.
    public struct Configuration: Codable, Equatable, Sendable {
        public var units: Int
        public var activation: Activation
        public var useBias: Bool
        /// Absent for Glorot-uniform.
        public var kernelInitializer: Initializer?
        /// Absent for zeros.
        public var biasInitializer: Initializer?
    }

    public static var typeName: String { "dense" }

    public var configuration: Configuration {
        Configuration(units: units, activation: activation, useBias: useBias,
                      kernelInitializer: saved(kernelInitializer, unless: .glorotUniform),
                      biasInitializer: saved(biasInitializer, unless: .zeros))
    }

    public convenience init(configuration: Configuration) throws {
        self.init(units: try checkedSize(configuration.units, "units"),
                  activation: try configuration.activation.checked(), useBias: configuration.useBias,
                  kernelInitializer: try checked(configuration.kernelInitializer, "kernelInitializer", standard: .glorotUniform),
                  biasInitializer: try checked(configuration.biasInitializer, "biasInitializer", standard: .zeros))
    }

    public static func expectedTensorShapes(for configuration: Configuration, inputShape: [Int]) -> [String: [Int]]? {
        guard inputShape.count == 1, let units = try? checkedSize(configuration.units, "units") else { return nil }
        let kernel = [inputShape[0], units]
        return configuration.useBias ? ["kernel": kernel, "bias": [units]] : ["kernel": kernel]
    }
}

extension BatchNormalization: SavableLayer {
    /// A ``BatchNormalization`` layer's options.
    public struct Configuration: Codable, Equatable, Sendable {
        public var momentum: Float
        public var epsilon: Float
    }

    public static var typeName: String { "batch_normalization" }

    public var configuration: Configuration { Configuration(momentum: momentum, epsilon: epsilon) }

    public convenience init(configuration: Configuration) throws {
        guard (0...1).contains(configuration.momentum) else {
            throw LayerConfigurationError("momentum must be in 0...1, got \(configuration.momentum)")
        }
        guard configuration.epsilon > 0, configuration.epsilon.isFinite else {
            throw LayerConfigurationError("epsilon must be positive and finite, got \(configuration.epsilon)")
        }
        self.init(momentum: configuration.momentum, epsilon: configuration.epsilon)
    }

    public static func expectedTensorShapes(for configuration: Configuration, inputShape: [Int]) -> [String: [Int]]? {
        guard let channels = inputShape.last else { return nil }
        return ["gamma": [channels], "beta": [channels], "running_mean": [channels], "running_variance": [channels]]
    }

    public static func valueDomain(ofTensorNamed name: String) -> TensorValueDomain {
        name == "running_variance" ? .nonNegative : .finite
    }
}

extension Normalization: SavableOptionlessLayer {
    public static var typeName: String { "normalization" }

    public static func expectedTensorShapes(for configuration: EmptyLayerConfiguration, inputShape: [Int]) -> [String: [Int]]? {
        guard let channels = inputShape.last else { return nil }
        return ["mean": [channels], "variance": [channels]]
    }

    public static func valueDomain(ofTensorNamed name: String) -> TensorValueDomain {
        name == "variance" ? .nonNegative : .finite
    }
}

// MARK: - Layers without parameters

/// A pooling layer, saved as its window options: ``MaxPool2D`` and ``AveragePool2D`` differ only in their
/// type name.
protocol SavablePoolingLayer: SavableLayer where Configuration: PoolingConfiguration {
    var poolSize: (height: Int, width: Int) { get }
    var strides: (height: Int, width: Int) { get }
    var padding: Padding { get }
    init(poolSize: (height: Int, width: Int), strides: (height: Int, width: Int)?, padding: Padding)
}

/// The configuration of a ``SavablePoolingLayer``; sizes are `[height, width]`.
protocol PoolingConfiguration: Codable {
    var poolSize: [Int] { get }
    var strides: [Int] { get }
    var padding: Padding { get }
    init(poolSize: [Int], strides: [Int], padding: Padding)
}

extension SavablePoolingLayer {
    public var configuration: Configuration {
        Configuration(poolSize: [poolSize.height, poolSize.width], strides: [strides.height, strides.width],
                      padding: padding)
    }

    public init(configuration: Configuration) throws {
        self.init(poolSize: try checkedPair(configuration.poolSize, "poolSize"),
                  strides: try checkedPair(configuration.strides, "strides"), padding: configuration.padding)
    }
}

extension MaxPool2D: SavablePoolingLayer {
    /// A ``MaxPool2D`` layer's options; sizes are `[height, width]`.
    public struct Configuration: Codable, Equatable, Sendable, PoolingConfiguration {
        public var poolSize: [Int]
        public var strides: [Int]
        public var padding: Padding
    }

    public static var typeName: String { "max_pooling2d" }
}

extension AveragePool2D: SavablePoolingLayer {
    /// An ``AveragePool2D`` layer's options; sizes are `[height, width]`.
    public struct Configuration: Codable, Equatable, Sendable, PoolingConfiguration {
        public var poolSize: [Int]
        public var strides: [Int]
        public var padding: Padding
    }

    public static var typeName: String { "average_pooling2d" }
}

extension Dropout: SavableLayer {
    /// A ``Dropout`` layer's options. The generator's current state is not part of the model; a
    /// ``TrainingCheckpoint`` saves it.
    public struct Configuration: Codable, Equatable, Sendable {
        public var rate: Float
        public var seed: UInt64
    }

    public static var typeName: String { "dropout" }

    public var configuration: Configuration { Configuration(rate: rate, seed: seed) }

    public convenience init(configuration: Configuration) throws {
        guard configuration.rate >= 0, configuration.rate < 1 else {
            throw LayerConfigurationError("rate must be in 0..<1, got \(configuration.rate)")
        }
        self.init(rate: configuration.rate, seed: configuration.seed)
    }
}

extension LeakyReLU: SavableLayer {
    /// A ``LeakyReLU`` layer's options.
    public struct Configuration: Codable, Equatable, Sendable {
        public var slope: Float
    }

    public static var typeName: String { "leaky_relu" }

    public var configuration: Configuration { Configuration(slope: slope) }

    public convenience init(configuration: Configuration) throws {
        self.init(slope: try checkedSlope(configuration.slope))
    }
}

/// A layer without options, saved by its type name alone.
protocol SavableOptionlessLayer: SavableLayer where Configuration == EmptyLayerConfiguration {
    init()
}

extension SavableOptionlessLayer {
    public var configuration: EmptyLayerConfiguration { EmptyLayerConfiguration() }
    public init(configuration: EmptyLayerConfiguration) { self.init() }
}

extension Flatten: SavableOptionlessLayer {
    public static var typeName: String { "flatten" }
}

extension GlobalAveragePooling2D: SavableOptionlessLayer {
    public static var typeName: String { "global_average_pooling2d" }
}

extension Add: SavableOptionlessLayer {
    public static var typeName: String { "add" }
}

extension Concatenate: SavableOptionlessLayer {
    public static var typeName: String { "concatenate" }
}

extension ReLU: SavableOptionlessLayer {
    public static var typeName: String { "relu" }
}

extension Sigmoid: SavableOptionlessLayer {
    public static var typeName: String { "sigmoid" }
}

extension Tanh: SavableOptionlessLayer {
    public static var typeName: String { "tanh" }
}

extension Softmax: SavableOptionlessLayer {
    public static var typeName: String { "softmax" }
}
