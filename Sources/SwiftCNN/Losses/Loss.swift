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
