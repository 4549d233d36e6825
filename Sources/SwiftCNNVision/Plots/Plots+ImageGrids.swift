import Foundation
import SwiftCNN

extension Plots {
    /// Which samples a prediction grid shows.
    public enum PredictionSelection: Sendable {
        /// The first samples, right or wrong: a fair impression of the model.
        case first
        /// Only misclassified samples, in dataset order: what the model gets wrong.
        case mistakes
    }

    /// A grid of the first `count` images of `data` with their labels.
    ///
    /// - Parameters:
    ///   - data: the images and their labels.
    ///   - count: how many images to show, at most.
    ///   - columns: images per row.
    ///   - classNames: names to show instead of class numbers (Fashion-MNIST's "Sneaker").
    ///   - title: the heading above the grid.
    ///   - url: the PNG file to write.
    public static func sampleGrid(_ data: LabeledDataset, count: Int = 40, columns: Int = 10,
                                  classNames: [String]? = nil, title: String = "Training samples",
                                  to url: URL) throws {
        let shown = min(count, data.count)
        let tiles = (0..<shown).map { index in
            Tile(image: paperImage(of: data, at: index),
                 caption: className(Int(data.labels[index]), in: classNames), captionColor: Style.text, frame: nil)
        }
        try drawGrid(tiles, columns: columns, title: title,
                     subtitle: "the first \(grouped(shown)) of \(grouped(data.count)) images, with their labels", to: url)
    }

    /// A grid of images of `data` with their true and predicted labels; misclassified ones get a red frame
    /// and a red caption.
    ///
    /// - Parameters:
    ///   - data: the images and their true labels.
    ///   - predictions: the predicted class of every sample of `data`, e.g. from
    ///     `model.predictedClasses(for: data.inputs)`.
    ///   - count: how many images to show, at most.
    ///   - columns: images per row.
    ///   - selection: the first samples, or only the mistakes.
    ///   - classNames: names to show instead of class numbers (Fashion-MNIST's "Sneaker").
    ///   - title: the heading above the grid.
    ///   - url: the PNG file to write.
    public static func predictionGrid(_ data: LabeledDataset, predictions: [Int], count: Int = 40,
                                      columns: Int = 10, selection: PredictionSelection = .first,
                                      classNames: [String]? = nil, title: String = "Test predictions",
                                      to url: URL) throws {
        precondition(predictions.count == data.count,
                     "predictionGrid got \(predictions.count) predictions for \(data.count) samples")
        let mistakes = data.labels.indices.filter { Int(data.labels[$0]) != predictions[$0] }
        let indices = selection == .first ? Array(0..<min(count, data.count)) : Array(mistakes.prefix(count))
        let tiles = indices.map { index -> Tile in
            let truth = Int(data.labels[index]), predicted = predictions[index]
            let isRight = truth == predicted
            let caption = isRight
                ? className(truth, in: classNames)
                : "\(className(truth, in: classNames)) → \(className(predicted, in: classNames))"
            return Tile(image: paperImage(of: data, at: index), caption: caption,
                        captionColor: isRight ? Style.text : .red, frame: isRight ? nil : .red)
        }
        let accuracy = Double(data.count - mistakes.count) / Double(max(data.count, 1))
        let shown = selection == .first
            ? "the first \(grouped(indices.count)) images"
            : "\(grouped(indices.count)) of \(grouped(mistakes.count)) mistakes"
        let subtitle = shown
            + " · caption: true label, or true → predicted in red · accuracy \(percent(accuracy)) on \(grouped(data.count))"
        try drawGrid(tiles, columns: columns, title: title, subtitle: subtitle, to: url)
    }

    struct Tile {
        var image: Image
        var caption: String
        var captionColor: Color
        var frame: Color?
    }

    static func drawGrid(_ tiles: [Tile], columns requestedColumns: Int, title: String, subtitle: String,
                                 to url: URL) throws {
        let columns = max(1, min(requestedColumns, tiles.count))
        let rows = max(1, (tiles.count + columns - 1) / columns)
        let sourceSide = tiles.map { max($0.image.width, $0.image.height) }.max() ?? 28
        // Whole-number magnification keeps every source pixel the same size on screen.
        let zoom = max(1, 84 / sourceSide)
        let side = Double(sourceSide * zoom)
        let cellWidth = side + 24, cellHeight = side + 30
        let margin = 24.0, header = 74.0

        let canvas = Canvas(width: Int(2 * margin + Double(columns) * cellWidth),
                            height: Int(header + margin + Double(rows) * cellHeight))
        canvas.drawText(title, at: Point(x: margin, y: 26), size: Style.titleSize, color: Style.text, bold: true)
        canvas.drawText(subtitle, at: Point(x: margin, y: 52), size: Style.labelSize, color: Style.secondaryText)
        for (index, tile) in tiles.enumerated() {
            let x = margin + Double(index % columns) * cellWidth + (cellWidth - side) / 2
            let y = header + Double(index / columns) * cellHeight
            canvas.drawImage(tile.image, x: x, y: y, width: side, height: side)
            if let frame = tile.frame {
                canvas.strokeRectangle(x: x - 1.5, y: y - 1.5, width: side + 3, height: side + 3, color: frame, lineWidth: 3)
            } else {
                canvas.strokeRectangle(x: x - 0.5, y: y - 0.5, width: side + 1, height: side + 1, color: Style.tileBorder)
            }
            var captionSize = Style.labelSize
            while captionSize > 8 && canvas.textWidth(tile.caption, size: captionSize, bold: true) > cellWidth - 4 {
                captionSize -= 1
            }
            canvas.drawText(tile.caption, at: Point(x: x + side / 2, y: y + side + 14), size: captionSize,
                            color: tile.captionColor, alignment: .center, bold: true)
        }
        try canvas.write(to: url)
    }
}
