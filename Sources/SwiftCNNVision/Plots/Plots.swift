import Foundation
import SwiftCNN

/// Pictures of a training run, written as PNG files: sample images, predictions, the confusion matrix,
/// training curves and convolution filters.
///
/// ```swift
/// let history = try model.fit(mnist.train, epochs: 5, optimizer: Adam(), validationData: mnist.test)
/// try Plots.trainingCurves(history, to: URL(fileURLWithPath: "curves.png"))
/// try Plots.confusionMatrix(labels: mnist.test.labels,
///                           predictions: model.predictedClasses(for: mnist.test.inputs),
///                           to: URL(fileURLWithPath: "confusion.png"))
/// ```
///
/// Every function throws ``ImageError/unwritable(file:reason:)`` when the file cannot be written.
public enum Plots {}

extension Plots {
    /// Sizes and colours shared by all plots, so they look like one family.
    enum Style {
        static let titleSize = 20.0
        static let labelSize = 14.0
        static let tickSize = 12.0
        static let text = Color(hex: 0x222222)
        static let secondaryText = Color(hex: 0x666666)
        static let axis = Color(hex: 0x444444)
        static let grid = Color(hex: 0xE6E6E6)
        static let tileBorder = Color(hex: 0xBBBBBB)
        /// The diverging colours for negative and positive weights.
        static let negative = Color(hex: 0x2166AC)
        static let positive = Color(hex: 0xB2182B)
    }

    /// Sample `index` of a dataset of images (`[N, H, W, 1]` or `[N, H, W, 3]`) as dark ink on white
    /// paper, which reads more naturally in a figure than MNIST's white on black.
    static func paperImage(of data: LabeledDataset, at index: Int) -> Image {
        let shape = data.sampleShape
        precondition(shape.count == 3 && (shape[2] == 1 || shape[2] == 3),
                     "Plots draw images of shape [height, width, 1 or 3]; the dataset's samples are \(shape)")
        let size = shape.reduce(1, *)
        let pixels = data.inputs.withUnsafeBufferPointer { Array($0[(index * size)..<((index + 1) * size)]) }
        let image = Image(width: shape[1], height: shape[0], channels: shape[2], pixels: pixels.map { min(max($0, 0), 1) })
        return shape[2] == 1 ? image.inverted() : image
    }

    /// A short label for class `index`: its name when names are given, otherwise the number.
    static func className(_ index: Int, in names: [String]?) -> String {
        guard let names, names.indices.contains(index) else { return "\(index)" }
        return names[index]
    }

    /// `value` written with thousands separators, as counts read best.
    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return value < 0 ? "-" + result : result
    }

    /// `fraction` as a percentage with `decimals` digits after the point.
    static func percent(_ fraction: Double, decimals: Int = 2) -> String {
        String(format: "%.\(decimals)f%%", fraction * 100)
    }
}
