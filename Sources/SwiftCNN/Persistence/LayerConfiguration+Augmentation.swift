// How the augmentation layers are saved in a model file: their options and seed. The generators' current
// states are not part of the model; a TrainingCheckpoint saves them.

/// `value`, unless it lies outside `range` (or is NaN).
private func checked(_ value: Float, in range: ClosedRange<Float>, _ option: String) throws -> Float {
    guard range.contains(value) else {
        throw LayerConfigurationError("\(option) must be in \(range), got \(value)")
    }
    return value
}

/// `value`, unless it lies outside `0..<1` (or is NaN).
private func checkedZoom(_ value: Float, _ option: String) throws -> Float {
    guard value >= 0, value < 1 else {
        throw LayerConfigurationError("\(option) must be in 0..<1, got \(value)")
    }
    return value
}

extension RandomTranslation: SavableLayer {
    /// A ``RandomTranslation`` layer's options.
    public struct Configuration: Codable, Equatable, Sendable {
        public var heightFactor: Float
        public var widthFactor: Float
        public var seed: UInt64
    }

    public static var typeName: String { "random_translation" }

    public var configuration: Configuration {
        Configuration(heightFactor: heightFactor, widthFactor: widthFactor, seed: seed)
    }

    public convenience init(configuration: Configuration) throws {
        self.init(heightFactor: try checked(configuration.heightFactor, in: 0...1, "heightFactor"),
                  widthFactor: try checked(configuration.widthFactor, in: 0...1, "widthFactor"),
                  seed: configuration.seed)
    }
}

extension RandomRotation: SavableLayer {
    /// A ``RandomRotation`` layer's options.
    public struct Configuration: Codable, Equatable, Sendable {
        public var factor: Float
        public var seed: UInt64
    }

    public static var typeName: String { "random_rotation" }

    public var configuration: Configuration { Configuration(factor: factor, seed: seed) }

    public convenience init(configuration: Configuration) throws {
        self.init(factor: try checked(configuration.factor, in: 0...1, "factor"), seed: configuration.seed)
    }
}

extension RandomZoom: SavableLayer {
    /// A ``RandomZoom`` layer's options; no `widthFactor` zooms the width as the height.
    public struct Configuration: Codable, Equatable, Sendable {
        public var heightFactor: Float
        public var widthFactor: Float?
        public var seed: UInt64
    }

    public static var typeName: String { "random_zoom" }

    public var configuration: Configuration {
        Configuration(heightFactor: heightFactor, widthFactor: widthFactor, seed: seed)
    }

    public convenience init(configuration: Configuration) throws {
        self.init(heightFactor: try checkedZoom(configuration.heightFactor, "heightFactor"),
                  widthFactor: try configuration.widthFactor.map { try checkedZoom($0, "widthFactor") },
                  seed: configuration.seed)
    }
}

extension RandomContrast: SavableLayer {
    /// A ``RandomContrast`` layer's options; `valueRange` is `[lower, upper]`.
    public struct Configuration: Codable, Equatable, Sendable {
        public var factor: Float
        public var valueRange: [Float]
        public var seed: UInt64
    }

    public static var typeName: String { "random_contrast" }

    public var configuration: Configuration {
        Configuration(factor: factor, valueRange: [valueRange.lowerBound, valueRange.upperBound], seed: seed)
    }

    public convenience init(configuration: Configuration) throws {
        let range = configuration.valueRange
        guard range.count == 2, range[0].isFinite, range[1].isFinite, range[0] <= range[1] else {
            throw LayerConfigurationError("valueRange must hold two finite bounds, lower first, got \(range)")
        }
        self.init(factor: try checked(configuration.factor, in: 0...1, "factor"), valueRange: range[0]...range[1],
                  seed: configuration.seed)
    }
}

extension RandomElasticDeformation: SavableLayer {
    /// A ``RandomElasticDeformation`` layer's options.
    public struct Configuration: Codable, Equatable, Sendable {
        public var alpha: Float
        public var sigma: Float
        public var seed: UInt64
    }

    public static var typeName: String { "random_elastic_deformation" }

    public var configuration: Configuration { Configuration(alpha: alpha, sigma: sigma, seed: seed) }

    public convenience init(configuration: Configuration) throws {
        guard configuration.alpha >= 0, configuration.alpha.isFinite else {
            throw LayerConfigurationError("alpha must be non-negative and finite, got \(configuration.alpha)")
        }
        self.init(alpha: configuration.alpha, sigma: try checked(configuration.sigma, in: 0.1...100, "sigma"),
                  seed: configuration.seed)
    }
}

extension RandomStrokeWidth: SavableLayer {
    /// A ``RandomStrokeWidth`` layer's options.
    public struct Configuration: Codable, Equatable, Sendable {
        public var probability: Float
        public var seed: UInt64
    }

    public static var typeName: String { "random_stroke_width" }

    public var configuration: Configuration { Configuration(probability: probability, seed: seed) }

    public convenience init(configuration: Configuration) throws {
        self.init(probability: try checked(configuration.probability, in: 0...1, "probability"),
                  seed: configuration.seed)
    }
}
