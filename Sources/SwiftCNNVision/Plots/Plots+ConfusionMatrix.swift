import Foundation

extension Plots {
    /// The confusion matrix as a heat map with counts: row = true class, column = predicted class.
    ///
    /// Correct predictions (the diagonal) are shaded blue, mistakes orange to red, both on a logarithmic
    /// scale so that a handful of confusions stands out beside a thousand hits. The right-hand column
    /// gives each class's recall.
    ///
    /// - Parameters:
    ///   - labels: the true class of each sample.
    ///   - predictions: the predicted class of each sample.
    ///   - classCount: the number of classes; by default one more than the largest label or prediction.
    ///   - classNames: names to show instead of class numbers (Fashion-MNIST's "Sneaker").
    ///   - title: the heading above the matrix.
    ///   - url: the PNG file to write.
    public static func confusionMatrix(labels: [Int32], predictions: [Int], classCount: Int? = nil,
                                       classNames: [String]? = nil, title: String = "Confusion matrix",
                                       to url: URL) throws {
        precondition(labels.count == predictions.count,
                     "confusionMatrix got \(labels.count) labels and \(predictions.count) predictions")
        let classes = classCount ?? (max(Int(labels.max() ?? 0), predictions.max() ?? 0) + 1)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (label, prediction) in zip(labels, predictions) {
            precondition(Int(label) < classes && prediction < classes && label >= 0 && prediction >= 0,
                         "confusionMatrix got label \(label), prediction \(prediction) for \(classes) classes")
            counts[Int(label)][prediction] += 1
        }
        try drawConfusionMatrix(counts, classNames: classNames, title: title, to: url)
    }

    private static func drawConfusionMatrix(_ counts: [[Int]], classNames: [String]?, title: String,
                                            to url: URL) throws {
        let classes = counts.count
        let total = counts.joined().reduce(0, +)
        let correct = (0..<classes).map { counts[$0][$0] }.reduce(0, +)
        let largest = Double(counts.joined().max() ?? 1)
        let cell = 54.0
        let probe = Canvas(width: 1, height: 1)
        let nameWidth = (0..<classes).map { probe.textWidth(className($0, in: classNames), size: Style.labelSize) }.max() ?? 0
        let left = 70 + nameWidth, top = 112.0, recallWidth = 84.0
        let matrixSide = cell * Double(classes)

        let canvas = Canvas(width: Int(left + matrixSide + recallWidth + 20), height: Int(top + matrixSide + 64))
        canvas.drawText(title, at: Point(x: 24, y: 26), size: Style.titleSize, color: Style.text, bold: true)
        canvas.drawText("\(grouped(correct)) of \(grouped(total)) correct (\(percent(Double(correct) / Double(max(total, 1)))))"
                            + " · rows: true class · columns: predicted class",
                        at: Point(x: 24, y: 52), size: Style.labelSize, color: Style.secondaryText)
        canvas.drawText("Predicted", at: Point(x: left + matrixSide / 2, y: top - 38), size: Style.labelSize,
                        color: Style.text, alignment: .center, bold: true)
        canvas.drawText("True", at: Point(x: 22, y: top + matrixSide / 2), size: Style.labelSize, color: Style.text,
                        alignment: .center, bold: true, angle: -Double.pi / 2)
        canvas.drawText("Recall", at: Point(x: left + matrixSide + recallWidth / 2, y: top - 14),
                        size: Style.labelSize, color: Style.text, alignment: .center, bold: true)

        for row in 0..<classes {
            let name = className(row, in: classNames)
            canvas.drawText(name, at: Point(x: left - 10, y: top + (Double(row) + 0.5) * cell), size: Style.labelSize,
                            color: Style.text, alignment: .right)
            canvas.drawText(name, at: Point(x: left + (Double(row) + 0.5) * cell, y: top - 14), size: Style.labelSize,
                            color: Style.text, alignment: .center)
            for column in 0..<classes {
                let count = counts[row][column]
                let x = left + Double(column) * cell, y = top + Double(row) * cell
                // Logarithmic shading: 1 of 1000 is already visible, the largest count is full colour.
                let strength = count == 0 ? 0 : 0.15 + 0.85 * log(1 + Double(count)) / log(1 + largest)
                let hue = row == column ? Color(hex: 0x08519C) : Color(hex: 0xCB181D)
                canvas.fillRectangle(x: x, y: y, width: cell, height: cell, color: Color.white.mixed(with: hue, by: strength))
                if count > 0 {
                    canvas.drawText(grouped(count), at: Point(x: x + cell / 2, y: y + cell / 2),
                                    size: count >= 10_000 ? 10 : Style.tickSize,
                                    color: strength > 0.55 ? .white : Style.text, alignment: .center, bold: row == column)
                }
            }
            let rowTotal = counts[row].reduce(0, +)
            let recall = rowTotal == 0 ? "–" : percent(Double(counts[row][row]) / Double(rowTotal), decimals: 1)
            canvas.drawText(recall, at: Point(x: left + matrixSide + recallWidth / 2, y: top + (Double(row) + 0.5) * cell),
                            size: Style.tickSize, color: Style.text, alignment: .center)
        }
        for line in 0...classes {
            let offset = Double(line) * cell
            canvas.drawLine(from: Point(x: left + offset, y: top), to: Point(x: left + offset, y: top + matrixSide),
                            color: Style.grid)
            canvas.drawLine(from: Point(x: left, y: top + offset), to: Point(x: left + matrixSide, y: top + offset),
                            color: Style.grid)
        }
        canvas.strokeRectangle(x: left, y: top, width: matrixSide, height: matrixSide, color: Style.axis)
        canvas.drawText("blue: correct · red: mistakes · shading grows with the logarithm of the count",
                        at: Point(x: 24, y: top + matrixSide + 36), size: Style.tickSize, color: Style.secondaryText)
        try canvas.write(to: url)
    }
}
