import Foundation

/// Cross-entropy between the softmax of logits and the labels, with the softmax fused in — Keras's
/// `SparseCategoricalCrossentropy(from_logits=True)` for class indices and
/// `CategoricalCrossentropy(from_logits=True)` for one-hot or soft targets.
///
/// Per row of logits `z` (the last axis holds the classes) the loss is `log Σⱼ eᶻʲ − Σⱼ tⱼ zⱼ`, the
/// log-sum-exp taken after subtracting the row's maximum so that large logits neither overflow nor lose
/// the answer; its gradient is `softmax(z) · Σⱼ tⱼ − t`. Both are averaged over the rows. The model
/// should end in logits (a linear ``Dense``), not in ``Softmax``.
///
/// With label smoothing `ε` each target becomes `(1 − ε) tⱼ + ε / K` over `K` classes, as Keras's
/// `label_smoothing` makes it: the model is no longer pushed towards infinitely confident logits,
/// which regularises a network trained long on augmented images.
public struct SoftmaxCrossEntropy: SinglePassLoss {
    static let name = "SoftmaxCrossEntropy"

    /// How much of each target is spread evenly over the classes, in [0, 1]; 0 leaves the labels as they are.
    public let labelSmoothing: Float

    /// The loss, with `labelSmoothing` (in [0, 1]) of each target spread over the classes.
    public init(labelSmoothing: Float = 0) {
        precondition((0...1).contains(labelSmoothing), "label smoothing must be in [0, 1], not \(labelSmoothing)")
        self.labelSmoothing = labelSmoothing
    }

    func loss(of predictions: Tensor, _ labels: Labels, gradient: UnsafeMutablePointer<Float>?) -> Float {
        crossEntropy(predictions, labels, smoothing: labelSmoothing, gradient: gradient)
    }
}

// MARK: - Kernels

// z, g, t: [R, K], R rows of K class logits (g the gradient, t the targets); labels: R class indices.

/// The mean cross-entropy over the rows of `logits` against targets smoothed by `smoothing`, writing
/// its gradient to `gradient` when given.
private func crossEntropy(_ logits: Tensor, _ labels: Labels, smoothing: Float,
                          gradient: UnsafeMutablePointer<Float>?) -> Float {
    let classes = logits.shape[logits.rank - 1], rows = logits.count / classes
    let inverseRows = 1 / Float(rows)
    let kept = 1 - smoothing, spread = smoothing / Float(classes)
    let z = logits.storage.pointer
    var total: Double = 0
    switch labels {
    case let .classes(indices):
        for row in 0..<rows {
            let offset = row &* classes
            let label = classOffset(indices[row], classes: classes)
            let logSumExp = softmaxRow(z + offset, classes: classes, scaledBy: inverseRows, into: gradient.map { $0 + offset })
            var logitSum: Float = 0
            if smoothing > 0 {
                for j in offset..<(offset &+ classes) {
                    logitSum += z[j]
                    gradient?[j] -= spread * inverseRows
                }
            }
            total += Double(logSumExp - kept * z[offset &+ label] - spread * logitSum)
            gradient?[offset &+ label] -= kept * inverseRows
        }
    case let .targets(targets):
        let t = targets.storage.pointer
        for row in 0..<rows {
            let offset = row &* classes
            var targetSum: Float = 0
            var targetDotLogits: Float = 0
            for j in offset..<(offset &+ classes) {
                let target = kept * t[j] + spread
                targetSum += target
                targetDotLogits += target * z[j]
            }
            let logSumExp = softmaxRow(z + offset, classes: classes, scaledBy: inverseRows * targetSum,
                                       into: gradient.map { $0 + offset })
            total += Double(logSumExp * targetSum - targetDotLogits)
            if let gradient {
                for j in offset..<(offset &+ classes) {
                    gradient[j] -= (kept * t[j] + spread) * inverseRows
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
