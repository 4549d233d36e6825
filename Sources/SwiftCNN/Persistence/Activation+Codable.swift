/// Activations are saved as their name, `"relu"`, or, with an option, as an object:
/// `{"name": "leaky_relu", "slope": 0.2}`.
extension Activation: Codable {
    private enum Key: String, CodingKey {
        case name, slope
    }

    private static let simple: [String: Activation] = [
        "linear": .linear, "relu": .relu, "sigmoid": .sigmoid, "tanh": .tanh,
    ]

    public init(from decoder: Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            guard let activation = Activation.simple[name] else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown activation '\(name)'; expected one of \(Activation.simple.keys.sorted())"))
            }
            self = activation
            return
        }
        let container = try decoder.container(keyedBy: Key.self)
        let name = try container.decode(String.self, forKey: .name)
        guard name == "leaky_relu" else {
            throw DecodingError.dataCorruptedError(forKey: .name, in: container,
                                                   debugDescription: "unknown activation '\(name)'")
        }
        self = .leakyReLU(slope: try container.decode(Float.self, forKey: .slope))
    }

    public func encode(to encoder: Encoder) throws {
        let name: String
        switch self {
        case .linear: name = "linear"
        case .relu: name = "relu"
        case .sigmoid: name = "sigmoid"
        case .tanh: name = "tanh"
        case let .leakyReLU(slope):
            var container = encoder.container(keyedBy: Key.self)
            try container.encode("leaky_relu", forKey: .name)
            try container.encode(slope, forKey: .slope)
            return
        }
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
