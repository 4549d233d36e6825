/// The expected outputs of a batch, as a ``Loss`` and ``correctCount(of:)`` take them.
///
/// Classifiers are usually trained on class indices — what ``LabeledDataset`` provides — and the
/// losses then never build a one-hot matrix. Targets with the predictions' shape serve for one-hot or
/// soft class probabilities and for regression.
///
/// ```swift
/// let loss = SoftmaxCrossEntropy().value(predictions: logits, labels: .classes(batchLabels))
/// ```
public enum Labels {
    /// One class index per row of the predictions (per sample for `[N, classes]`), in `0..<classes`.
    case classes([Int32])
    /// One target per prediction, with the predictions' shape.
    case targets(Tensor)
}

extension Labels {
    /// Stops with a message naming both shapes unless these labels fit `predictions`, whose last axis
    /// holds the classes (or outputs) of each row.
    func checkCompatible(with predictions: Tensor, loss: String) {
        precondition(predictions.rank >= 2 && predictions.count > 0,
                     "\(loss) needs predictions [N, ..., classes] with N > 0; got shape \(predictions.shape)")
        switch self {
        case let .classes(indices):
            let rows = predictions.count / predictions.shape[predictions.rank - 1]
            precondition(indices.count == rows,
                         "\(loss) got predictions of shape \(predictions.shape) (\(rows) rows) but \(indices.count) class labels")
        case let .targets(targets):
            precondition(targets.shape == predictions.shape,
                         "\(loss) got predictions of shape \(predictions.shape) but targets of shape \(targets.shape)")
        }
    }
}

/// The class index `label` as an offset into a row of `classes` values, checked.
@inline(__always)
func classOffset(_ label: Int32, classes: Int) -> Int {
    let index = Int(label)
    precondition(index >= 0 && index < classes, "Class label \(label) is out of range for \(classes) classes")
    return index
}
