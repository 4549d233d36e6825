import Foundation
import SwiftCNN

/// `activation` applied to `x`, written out independently of the library's kernels.
public func activate(_ x: Float, _ activation: Activation) -> Float {
    switch activation {
    case .linear: return x
    case .relu: return max(x, 0)
    case let .leakyReLU(slope): return x > 0 ? x : slope * x
    case .sigmoid: return 1 / (1 + exp(-x))
    case .tanh: return tanh(x)
    }
}
