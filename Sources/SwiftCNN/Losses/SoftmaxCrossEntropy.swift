import Foundation

/// Cross-entropy between the softmax of logits and the labels, with the softmax fused in — Keras's
/// `SparseCategoricalCrossentropy(from_logits=True)` for class indices and
/// `CategoricalCrossentropy(from_logits=True)` for one-hot or soft targets.
///
/// Per row of logits `z` (the last axis holds the classes) the loss is `log Σⱼ eᶻʲ − Σⱼ tⱼ zⱼ`, the
/// log-sum-exp taken after subtracting the row's maximum so that large logits neither overflow nor lose
/// the answer; its gradient is `softmax(z) · Σⱼ tⱼ − t`. Both are averaged over the rows. The model
/// should end in logits (a linear ``Dense``), not in ``Softmax``.
public struct SoftmaxCrossEntropy: SinglePassLoss {
    static let name = "SoftmaxCrossEntropy"

    /// The loss.
    public init() {}

    func loss(of predictions: Tensor, _ labels: Labels, gradient: UnsafeMutablePointer<Float>?) -> Float {
        crossEntropy(predictions, labels, gradient: gradient)
    }
}

// MARK: - Kernels

// z, g, t: [R, K], R rows of K class logits (g the gradient, t the targets); labels: R class indices.

/// The mean cross-entropy over the rows of `logits`, writing its gradient to `gradient` when given.
private func crossEntropy(_ logits: Tensor, _ labels: Labels, gradient: UnsafeMutablePointer<Float>?) -> Float {
    let classes = logits.shape[logits.rank - 1], rows = logits.count / classes
    let inverseRows = 1 / Float(rows)
    let z = logits.storage.pointer
    var total: Double = 0
    switch labels {
    case let .classes(indices):
        for row in 0..<rows {
            let offset = row &* classes
            let label = classOffset(indices[row], classes: classes)
            let logSumExp = softmaxRow(z + offset, classes: classes, scaledBy: inverseRows, into: gradient.map { $0 + offset })
            total += Double(logSumExp - z[offset &+ label])
            gradient?[offset &+ label] -= inverseRows
        }
    case let .targets(targets):
        let t = targets.storage.pointer
        for row in 0..<rows {
            let offset = row &* classes
            var targetSum: Float = 0
            var targetDotLogits: Float = 0
            for j in offset..<(offset &+ classes) {
                targetSum += t[j]
                targetDotLogits += t[j] * z[j]
            }
            let logSumExp = softmaxRow(z + offset, classes: classes, scaledBy: inverseRows * targetSum,
                                       into: gradient.map { $0 + offset })
            total += Double(logSumExp * targetSum - targetDotLogits)
            if let gradient {
                for j in offset..<(offset &+ classes) {
                    gradient[j] -= t[j] * inverseRows
                }
            }
        }
    }
    return Float(total / Double(rows))
}

/// `log Σⱼ eᶻʲ` of one row, computed after subtracting the row's maximum; writes `scale · softmax(z)`
/// to `probabilities` when given.
private func softmaxRow(_ z: UnsafePointer<Float>, classes: Int, scaledBy scale: Float,
                        into probabilities: UnsafeMutablePointer<Float>?) -> Float {
    var largest = z[0]
    for j in 1..<classes where z[j] > largest {
        largest = z[j]
    }
    var sum: Float = 0
    if let probabilities {
        for j in 0..<classes {
            let e = Foundation.exp(z[j] - largest)
            probabilities[j] = e
            sum += e
        }
        let factor = scale / sum
        for j in 0..<classes {
            probabilities[j] *= factor
        }
    } else {
        for j in 0..<classes {
            sum += Foundation.exp(z[j] - largest)
        }
    }
    return largest + Foundation.log(sum)
}
