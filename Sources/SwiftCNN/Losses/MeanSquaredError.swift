/// The mean squared error, Keras's `MeanSquaredError`: `(p − t)²` averaged over the last axis of
/// each sample, then over the batch — which is the mean over all elements — with gradient
/// `2 (p − t) / count`.
///
/// Class-index labels stand for one-hot targets over the last axis, so a classifier's outputs can be
/// compared with them directly.
public struct MeanSquaredError: SinglePassLoss {
    static let name = "MeanSquaredError"

    /// The loss.
    public init() {}

    func loss(of predictions: Tensor, _ labels: Labels, gradient: UnsafeMutablePointer<Float>?) -> Float {
        meanSquaredError(predictions, labels, gradient: gradient)
    }
}

// MARK: - Kernels

// p, g, t: [R, K] (any shape, the last axis K); labels: R class indices standing for one-hot rows.

/// The mean of `(p − t)²` over all elements, writing its gradient to `gradient` when given.
private func meanSquaredError(_ predictions: Tensor, _ labels: Labels, gradient: UnsafeMutablePointer<Float>?) -> Float {
    let count = predictions.count, width = predictions.shape[predictions.rank - 1]
    let p = predictions.storage.pointer
    let gradientScale = 2 / Float(count)
    var total: Double = 0
    switch labels {
    case let .classes(indices):
        for row in 0..<(count / width) {
            let offset = row &* width
            let hot = offset &+ classOffset(indices[row], classes: width)
            for j in offset..<(offset &+ width) {
                let difference = p[j] - (j == hot ? 1 : 0)
                total += Double(difference * difference)
                gradient?[j] = difference * gradientScale
            }
        }
    case let .targets(targets):
        let t = targets.storage.pointer
        for j in 0..<count {
            let difference = p[j] - t[j]
            total += Double(difference * difference)
            gradient?[j] = difference * gradientScale
        }
    }
    return Float(total / Double(count))
}
