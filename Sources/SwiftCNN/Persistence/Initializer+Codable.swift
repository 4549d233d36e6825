/// Initializers are saved as an object named as Keras names their classes' options, for example
/// `{"name": "variance_scaling", "scale": 2, "mode": "fan_in", "distribution": "uniform"}`. The layers'
/// configurations check the values (``Initializer/problem``).
extension Initializer: Codable {
    private enum Key: String, CodingKey {
        case name, value, minimum, maximum, mean, standardDeviation = "standard_deviation", scale, mode, distribution
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let name = try container.decode(String.self, forKey: .name)
        switch name {
        case "constant":
            self = .constant(try container.decode(Float.self, forKey: .value))
        case "random_uniform":
            self = .randomUniform(minimum: try container.decode(Float.self, forKey: .minimum),
                                  maximum: try container.decode(Float.self, forKey: .maximum))
        case "random_normal":
            self = .randomNormal(mean: try container.decode(Float.self, forKey: .mean),
                                 standardDeviation: try container.decode(Float.self, forKey: .standardDeviation))
        case "variance_scaling":
            let mode = try container.decode(String.self, forKey: .mode)
            let distribution = try container.decode(String.self, forKey: .distribution)
            guard let fanMode = FanMode(rawValue: mode) else {
                throw DecodingError.dataCorruptedError(forKey: .mode, in: container,
                                                       debugDescription: "unknown fan mode '\(mode)'; expected fan_in, fan_out or fan_avg")
            }
            guard let kind = Distribution(rawValue: distribution) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .distribution, in: container,
                    debugDescription: "unknown distribution '\(distribution)'; expected uniform, truncated_normal or untruncated_normal")
            }
            self = .varianceScaling(scale: try container.decode(Float.self, forKey: .scale), mode: fanMode, distribution: kind)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .name, in: container,
                debugDescription: "unknown initializer '\(name)'; expected constant, random_uniform, random_normal or variance_scaling")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch self {
        case let .constant(value):
            try container.encode("constant", forKey: .name)
            try container.encode(value, forKey: .value)
        case let .randomUniform(minimum, maximum):
            try container.encode("random_uniform", forKey: .name)
            try container.encode(minimum, forKey: .minimum)
            try container.encode(maximum, forKey: .maximum)
        case let .randomNormal(mean, standardDeviation):
            try container.encode("random_normal", forKey: .name)
            try container.encode(mean, forKey: .mean)
            try container.encode(standardDeviation, forKey: .standardDeviation)
        case let .varianceScaling(scale, mode, distribution):
            try container.encode("variance_scaling", forKey: .name)
            try container.encode(scale, forKey: .scale)
            try container.encode(mode.rawValue, forKey: .mode)
            try container.encode(distribution.rawValue, forKey: .distribution)
        }
    }
}
