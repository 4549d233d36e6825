import Foundation

// Element-wise activations, in place. x, y, dy: any shape, `count` elements.
// Every derivative here is written in terms of the output y, so a layer can overwrite its
// pre-activation buffer and still run backward. The ReLU family is written as selects and bit masks,
// not conditional stores: on random signs a branch mispredicts half the time and blocks vectorising.

extension Activation {
    /// Replaces each of the `count` values at `values` by the activation of it.
    func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .linear:
            return
        case .relu:
            for i in 0..<count {
                let value = values[i]
                values[i] = value > 0 ? value : 0
            }
        case let .leakyReLU(slope):
            for i in 0..<count {
                let value = values[i]
                values[i] = value > 0 ? value : value * slope
            }
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
            for i in 0..<count {
                let keep: UInt32 = output[i] > 0 ? ~0 : 0
                gradient[i] = Float(bitPattern: gradient[i].bitPattern & keep)
            }
        case let .leakyReLU(slope):
            for i in 0..<count {
                let value = gradient[i]
                gradient[i] = output[i] > 0 ? value : value * slope
            }
        case .sigmoid:
            for i in 0..<count { gradient[i] *= output[i] * (1 - output[i]) }
        case .tanh:
            for i in 0..<count { gradient[i] *= 1 - output[i] * output[i] }
        }
    }
}
