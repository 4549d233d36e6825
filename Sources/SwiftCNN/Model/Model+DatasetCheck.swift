/// A model that cannot be trained or evaluated on a dataset as a classifier: it takes other inputs, or
/// its outputs are not one score per class of the dataset.
public enum DatasetMismatchError: Error, Equatable, CustomStringConvertible {
    /// The model takes samples of shape `model`; the dataset's are `dataset`.
    case inputShape(model: [Int], dataset: [Int])
    /// The model's output shape `outputShape` is not one score per class: it is not a classifier.
    case notAClassifier(outputShape: [Int])
    /// The model scores `model` classes; the dataset has `dataset`.
    case classCount(model: Int, dataset: Int)

    public var description: String {
        switch self {
        case let .inputShape(model, dataset):
            return "the model takes inputs of shape \(model), but the data's samples have shape \(dataset)"
        case let .notAClassifier(outputShape):
            return "the model gives outputs of shape \(outputShape), not one score per class: it is not a classifier"
        case let .classCount(model, dataset):
            return "the model tells \(model) classes apart, but the data has \(dataset)"
        }
    }
}

extension Model {
    /// Checks that the model is a classifier for `data`: it takes `data`'s samples and gives one score for
    /// each of its classes, as `fit` and `evaluate` with ``SoftmaxCrossEntropy`` need. Call it on a model
    /// from a file before training or evaluating it.
    ///
    /// - Parameter data: the dataset the model will be trained or evaluated on.
    /// - Throws: ``DatasetMismatchError`` saying what does not fit.
    public func checkClassifier(for data: LabeledDataset) throws {
        guard inputShape == data.sampleShape else {
            throw DatasetMismatchError.inputShape(model: inputShape, dataset: data.sampleShape)
        }
        guard outputShape.count == 1 else { throw DatasetMismatchError.notAClassifier(outputShape: outputShape) }
        guard outputShape[0] == data.classCount else {
            throw DatasetMismatchError.classCount(model: outputShape[0], dataset: data.classCount)
        }
    }
}
