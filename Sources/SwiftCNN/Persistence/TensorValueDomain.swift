/// The values a saved parameter, buffer or optimizer tensor may hold. Loading a model or checkpoint checks
/// every tensor against its domain, so damaged weights are an error naming the tensor rather than a model
/// that predicts NaN.
public enum TensorValueDomain: Equatable, Sendable {
    /// Any finite value: weights, biases, means.
    case finite
    /// Finite and not negative: variances, second moments.
    case nonNegative

    /// What the domain asks, for messages: `finite` or `finite and not negative`.
    public var requirement: String {
        switch self {
        case .finite: return "finite"
        case .nonNegative: return "finite and not negative"
        }
    }

    /// Whether `value` lies in the domain.
    public func contains(_ value: Float) -> Bool {
        switch self {
        case .finite: return value.isFinite
        case .nonNegative: return value.isFinite && value >= 0
        }
    }

    /// The first element of `tensor` outside the domain and its index (row-major), or nil when all lie in it.
    func firstViolation(in tensor: Tensor) -> (index: Int, value: Float)? {
        let pointer = tensor.storage.pointer
        for index in 0..<tensor.count where !contains(pointer[index]) {
            return (index, pointer[index])
        }
        return nil
    }

    /// Throws ``ModelFileError/invalidValue(file:tensor:index:value:requirement:)`` when `tensor`, named
    /// `name` in `file`, holds a value outside the domain.
    func check(_ tensor: Tensor, named name: String, file: String) throws {
        if let (index, value) = firstViolation(in: tensor) {
            throw ModelFileError.invalidValue(file: file, tensor: name, index: index, value: "\(value)",
                                              requirement: requirement)
        }
    }
}
