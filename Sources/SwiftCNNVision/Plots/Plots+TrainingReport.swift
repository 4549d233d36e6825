import Foundation
import SwiftCNN

extension Plots {
    /// Writes the full set of pictures of a training run into `directory` (created if missing) and
    /// returns the files written:
    ///
    /// - `samples.png`: the first training images with their labels;
    /// - `predictions.png`: the first test images with true and predicted labels, mistakes in red;
    /// - `mistakes.png`: misclassified test images (when there are any);
    /// - `confusion-matrix.png`: the test set's confusion matrix;
    /// - `training-curves.png`: loss and accuracy per epoch (when `history` has epochs);
    /// - `filters.png`: the first `Conv2D` layer's kernels (when the model has one).
    public static func writeTrainingReport(model: Model, history: History, training: LabeledDataset,
                                           test: LabeledDataset, classNames: [String]? = nil,
                                           to directory: URL) throws -> [URL] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ImageError.unwritable(file: directory.path, reason: error.localizedDescription)
        }
        var written = [URL]()
        func file(_ name: String) -> URL {
            let url = directory.appendingPathComponent(name)
            written.append(url)
            return url
        }
        try sampleGrid(training, classNames: classNames, to: file("samples.png"))
        let predictions = model.predictedClasses(for: test.inputs)
        try predictionGrid(test, predictions: predictions, classNames: classNames, to: file("predictions.png"))
        if zip(test.labels, predictions).contains(where: { Int($0) != $1 }) {
            try predictionGrid(test, predictions: predictions, selection: .mistakes, classNames: classNames,
                               title: "Test mistakes", to: file("mistakes.png"))
        }
        try confusionMatrix(labels: test.labels, predictions: predictions, classCount: test.classCount,
                            classNames: classNames, title: "Confusion matrix (test set)", to: file("confusion-matrix.png"))
        if !history.epochs.isEmpty {
            try trainingCurves(history, to: file("training-curves.png"))
        }
        if let convolution = model.layers.lazy.compactMap({ $0 as? Conv2D }).first {
            try filters(of: convolution, title: "First convolution layer", to: file("filters.png"))
        }
        return written
    }
}
