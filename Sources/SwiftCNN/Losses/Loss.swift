/// A training objective: how far a batch of predictions is from its labels, averaged over the batch
/// (Keras's default `sum_over_batch_size` reduction), and its gradient with respect to the predictions.
///
/// A training step needs both at once: ``valueAndGradient(predictions:labels:into:)`` computes them
/// in a single pass and writes the gradient into a tensor the caller keeps, reusing its storage, so a
/// warmed-up step allocates nothing.
///
/// ```swift
/// var gradient = Tensor(shape: [0])
/// let loss = SoftmaxCrossEntropy()
/// let value = loss.valueAndGradient(predictions: logits, labels: .classes(batchLabels), into: &gradient)
/// ```
public protocol Loss {
    /// The loss of `predictions` against `labels`, averaged over the batch.
    func value(predictions: Tensor, labels: Labels) -> Float

    /// The loss, as ``value(predictions:labels:)`` gives it, after writing its gradient with respect to
    /// `predictions` (same shape) into `gradient`, whose storage is reused when it is uniquely held and
    /// large enough.
    func valueAndGradient(predictions: Tensor, labels: Labels, into gradient: inout Tensor) -> Float
}

extension Loss {
    /// The gradient of the loss with respect to `predictions`, in a new tensor.
    public func gradient(predictions: Tensor, labels: Labels) -> Tensor {
        var gradient = Tensor(shape: [0])
        _ = valueAndGradient(predictions: predictions, labels: labels, into: &gradient)
        return gradient
    }
}

/// A loss whose value and gradient come from one kernel that writes the gradient only when asked; both
/// entry points of ``Loss`` check the labels against the predictions, then call it.
protocol SinglePassLoss: Loss {
    /// The loss's name in the messages that stop a program passing it the wrong labels.
    static var name: String { get }

    /// The loss of `predictions` against `labels`, averaged over the batch, its gradient written to
    /// `gradient` (as many elements as `predictions`) when given.
    func loss(of predictions: Tensor, _ labels: Labels, gradient: UnsafeMutablePointer<Float>?) -> Float
}

extension SinglePassLoss {
    public func value(predictions: Tensor, labels: Labels) -> Float {
        labels.checkCompatible(with: predictions, loss: Self.name)
        return loss(of: predictions, labels, gradient: nil)
    }

    public func valueAndGradient(predictions: Tensor, labels: Labels, into gradient: inout Tensor) -> Float {
        labels.checkCompatible(with: predictions, loss: Self.name)
        gradient.prepare(shape: predictions.shape)
        return loss(of: predictions, labels, gradient: gradient.storage.pointer)
    }
}
