import Foundation
import SwiftCNN

extension Plots {
    /// Loss and accuracy per epoch, training and validation, side by side, from the history that
    /// `Sequential.fit` returns.
    public static func trainingCurves(_ history: History, title: String = "Training curves", to url: URL) throws {
        precondition(!history.epochs.isEmpty, "trainingCurves needs a history with at least one epoch")
        let epochs = history.epochs.map { Double($0.epoch + 1) }
        func points(_ values: [Float?]) -> [(x: Double, y: Double)] {
            zip(epochs, values).compactMap { epoch, value in value.map { (epoch, Double($0)) } }
        }
        let loss = [
            Series(name: "training", color: .blue, points: points(history.epochs.map(\.loss))),
            Series(name: "validation", color: .orange, points: points(history.epochs.map(\.validationLoss))),
        ].filter { !$0.points.isEmpty }
        let accuracy = [
            Series(name: "training", color: .blue, points: points(history.epochs.map(\.accuracy))),
            Series(name: "validation", color: .orange, points: points(history.epochs.map(\.validationAccuracy))),
        ].filter { !$0.points.isEmpty }

        let panelWidth = 520.0, panelHeight = 380.0, top = 76.0
        let canvas = Canvas(width: Int(2 * panelWidth + 40), height: Int(top + panelHeight + 20))
        canvas.drawText(title, at: Point(x: 24, y: 26), size: Style.titleSize, color: Style.text, bold: true)
        let finalRecord = history.epochs[history.epochs.count - 1]
        var summary = "\(history.epochs.count) epoch\(history.epochs.count == 1 ? "" : "s") · final training accuracy "
            + percent(Double(finalRecord.accuracy))
        if let validation = finalRecord.validationAccuracy { summary += " · validation " + percent(Double(validation)) }
        canvas.drawText(summary, at: Point(x: 24, y: 52), size: Style.labelSize, color: Style.secondaryText)

        let lastEpoch = history.epochs.map { $0.epoch + 1 }.max() ?? 1
        let firstEpoch = history.epochs.map { $0.epoch + 1 }.min() ?? 1
        let epochScale = AxisScale(integersFrom: firstEpoch, to: lastEpoch)
        let lossScale = AxisScale(covering: loss.flatMap { $0.points.map(\.y) }, includingZero: true)
        let accuracyScale = AxisScale(covering: accuracy.flatMap { $0.points.map(\.y) } + [1])
        let accuracyDecimals = max(0, accuracyScale.decimals - 2)

        drawPanel(on: canvas, x: 20, y: top, width: panelWidth, height: panelHeight, title: "Loss", series: loss,
                  xScale: epochScale, yScale: lossScale, legendAtTop: true) {
            String(format: "%.\(lossScale.decimals)f", $0)
        }
        drawPanel(on: canvas, x: 20 + panelWidth, y: top, width: panelWidth, height: panelHeight, title: "Accuracy",
                  series: accuracy, xScale: epochScale, yScale: accuracyScale, legendAtTop: false) {
            String(format: "%.\(accuracyDecimals)f%%", $0 * 100)
        }
        try canvas.write(to: url)
    }

    struct Series {
        var name: String
        var color: Color
        var points: [(x: Double, y: Double)]
    }

    /// One chart: axes with ticks and grid lines, a line with dots per series, and a legend in the top or
    /// bottom right corner (where loss and accuracy curves leave room).
    private static func drawPanel(on canvas: Canvas, x: Double, y: Double, width: Double, height: Double,
                                  title: String, series: [Series], xScale: AxisScale, yScale: AxisScale,
                                  legendAtTop: Bool, label: (Double) -> String) {
        let left = x + 64, right = x + width - 16, top = y + 30, bottom = y + height - 52
        canvas.drawText(title, at: Point(x: (left + right) / 2, y: y + 8), size: Style.labelSize + 2,
                        color: Style.text, alignment: .center, bold: true)
        for tick in yScale.ticks {
            let position = yScale.position(of: tick, from: bottom, to: top).rounded() + 0.5
            canvas.drawLine(from: Point(x: left, y: position), to: Point(x: right, y: position), color: Style.grid)
            canvas.drawText(label(tick), at: Point(x: left - 8, y: position), size: Style.tickSize,
                            color: Style.secondaryText, alignment: .right)
        }
        for tick in xScale.ticks {
            let position = xScale.position(of: tick, from: left, to: right).rounded() + 0.5
            canvas.drawLine(from: Point(x: position, y: top), to: Point(x: position, y: bottom), color: Style.grid)
            canvas.drawLine(from: Point(x: position, y: bottom), to: Point(x: position, y: bottom + 5), color: Style.axis)
            canvas.drawText("\(Int(tick))", at: Point(x: position, y: bottom + 16), size: Style.tickSize,
                            color: Style.secondaryText, alignment: .center)
        }
        canvas.drawText("epoch", at: Point(x: (left + right) / 2, y: bottom + 38), size: Style.labelSize,
                        color: Style.text, alignment: .center)
        canvas.drawPolyline([Point(x: left + 0.5, y: top), Point(x: left + 0.5, y: bottom + 0.5),
                             Point(x: right, y: bottom + 0.5)], color: Style.axis)

        for line in series {
            let points = line.points.map {
                Point(x: xScale.position(of: $0.x, from: left, to: right),
                      y: yScale.position(of: $0.y, from: bottom, to: top))
            }
            canvas.drawPolyline(points, color: line.color, lineWidth: 2.5)
            for point in points { canvas.fillCircle(center: point, radius: 4, color: line.color) }
        }

        let rowHeight = 22.0
        let legendWidth = 30 + (series.map { canvas.textWidth($0.name, size: Style.labelSize) }.max() ?? 0) + 16
        let legendHeight = rowHeight * Double(series.count) + 8
        let legendX = right - legendWidth - 10
        let legendY = legendAtTop ? top + 10 : bottom - legendHeight - 10
        canvas.fillRectangle(x: legendX, y: legendY, width: legendWidth, height: legendHeight, color: Color.white.withAlpha(0.9))
        canvas.strokeRectangle(x: legendX + 0.5, y: legendY + 0.5, width: legendWidth, height: legendHeight, color: Style.grid)
        for (row, line) in series.enumerated() {
            let middle = legendY + 4 + rowHeight * (Double(row) + 0.5)
            canvas.drawLine(from: Point(x: legendX + 8, y: middle), to: Point(x: legendX + 28, y: middle),
                            color: line.color, lineWidth: 2.5)
            canvas.fillCircle(center: Point(x: legendX + 18, y: middle), radius: 4, color: line.color)
            canvas.drawText(line.name, at: Point(x: legendX + 36, y: middle), size: Style.labelSize, color: Style.text)
        }
    }
}
