import Foundation

// Element-wise activations, in place. x, y, dy: any shape, `count` elements.
// Every derivative here is written in terms of the output y, so a layer can overwrite its
// pre-activation buffer and still run backward.

extension Activation {
    /// Replaces each of the `count` values at `values` by the activation of it.
    func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .linear:
            return
        case .relu:
            for i in 0..<count where !(values[i] > 0) { values[i] = 0 }
        case let .leakyReLU(slope):
            for i in 0..<count where !(values[i] > 0) { values[i] *= slope }
        case .sigmoid:
            for i in 0..<count { values[i] = 1 / (1 + Foundation.exp(-values[i])) }
        case .tanh:
            for i in 0..<count { values[i] = Foundation.tanh(values[i]) }
        }
    }

    /// Multiplies each gradient at `gradient` by the activation's derivative, given the activation's
    /// `output` at the same positions.
    func applyDerivative(to gradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, count: Int) {
        switch self {
        case .linear:
            return
        case .relu:
            for i in 0..<count where !(output[i] > 0) { gradient[i] = 0 }
        case let .leakyReLU(slope):
            for i in 0..<count where !(output[i] > 0) { gradient[i] *= slope }
        case .sigmoid:
            for i in 0..<count { gradient[i] *= output[i] * (1 - output[i]) }
        case .tanh:
            for i in 0..<count { gradient[i] *= 1 - output[i] * output[i] }
        }
    }
}
