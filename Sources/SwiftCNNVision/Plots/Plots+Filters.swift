import Foundation
import SwiftCNN

extension Plots {
    /// The kernels of a built convolution layer, one enlarged tile per filter.
    ///
    /// With one input channel (the first layer of an MNIST model) weights are shown on a diverging scale,
    /// blue negative, white zero, red positive, shared by all tiles so they can be compared; with three
    /// input channels each tile is the RGB image of its weights. Other channel counts show each filter's
    /// weights averaged over the input channels.
    public static func filters(of layer: Conv2D, title: String = "Convolution filters", to url: URL) throws {
        let shape = layer.kernel.value.shape
        precondition(shape.count == 4, "filters(of:) needs a built Conv2D layer; its kernel has shape \(shape)")
        let (height, width, channels, count) = (shape[0], shape[1], shape[2], shape[3])
        let weights = layer.kernel.value.scalars
        // Kernel layout [height, width, channels, filters].
        func weight(_ y: Int, _ x: Int, _ channel: Int, _ filter: Int) -> Float {
            weights[((y * width + x) * channels + channel) * count + filter]
        }
        let largest = Double(weights.map(abs).max() ?? 0)
        let tiles: [Image] = (0..<count).map { filter in
            var pixels = [Float]()
            for y in 0..<height {
                for x in 0..<width {
                    if channels == 3 {
                        let values = (0..<3).map { weight(y, x, $0, filter) }
                        pixels += values.map { Float(0.5 + 0.5 * Double($0) / max(largest, 1e-12)) }
                    } else {
                        let mean = (0..<channels).map { weight(y, x, $0, filter) }.reduce(0, +) / Float(channels)
                        let color = divergingColor(Double(mean) / max(largest, 1e-12))
                        pixels += [Float(color.red), Float(color.green), Float(color.blue)]
                    }
                }
            }
            return Image(width: width, height: height, channels: 3, pixels: pixels)
        }

        let columns = min(count, 8)
        let rows = (count + columns - 1) / columns
        let zoom = max(8, 60 / max(height, width))
        let tileWidth = Double(width * zoom), tileHeight = Double(height * zoom)
        let cellWidth = tileWidth + 20, cellHeight = tileHeight + 30
        let margin = 24.0, header = 76.0, legendHeight = channels == 3 ? 0.0 : 64.0
        let canvasWidth = max(2 * margin + Double(columns) * cellWidth, 460)
        let canvas = Canvas(width: Int(canvasWidth), height: Int(header + Double(rows) * cellHeight + legendHeight + 10))
        canvas.drawText(title, at: Point(x: margin, y: 26), size: Style.titleSize, color: Style.text, bold: true)
        canvas.drawText("\(count) filters of \(height)×\(width)×\(channels) · largest |weight| "
                            + String(format: "%.3f", largest),
                        at: Point(x: margin, y: 52), size: Style.labelSize, color: Style.secondaryText)
        for (index, tile) in tiles.enumerated() {
            let x = margin + Double(index % columns) * cellWidth + 10
            let y = header + Double(index / columns) * cellHeight
            canvas.drawImage(tile, x: x, y: y, width: tileWidth, height: tileHeight)
            canvas.strokeRectangle(x: x - 0.5, y: y - 0.5, width: tileWidth + 1, height: tileHeight + 1, color: Style.tileBorder)
            canvas.drawText("\(index)", at: Point(x: x + tileWidth / 2, y: y + tileHeight + 12), size: Style.tickSize - 1,
                            color: Style.secondaryText, alignment: .center)
        }
        if channels != 3 {
            drawColorBar(on: canvas, x: margin, y: header + Double(rows) * cellHeight + 8,
                         width: min(canvasWidth - 2 * margin, 360), largest: largest)
        }
        try canvas.write(to: url)
    }

    /// Blue for -1, white for 0, red for +1.
    static func divergingColor(_ value: Double) -> Color {
        value < 0 ? Color.white.mixed(with: Style.negative, by: -value) : Color.white.mixed(with: Style.positive, by: value)
    }

    private static func drawColorBar(on canvas: Canvas, x: Double, y: Double, width: Double, largest: Double) {
        let steps = 101
        let gradient = Image(width: steps, height: 1, channels: 3, pixels: (0..<steps).flatMap { step -> [Float] in
            let color = divergingColor(Double(step) / Double(steps - 1) * 2 - 1)
            return [Float(color.red), Float(color.green), Float(color.blue)]
        })
        canvas.drawImage(gradient, x: x, y: y, width: width, height: 14, smoothing: true)
        canvas.strokeRectangle(x: x - 0.5, y: y - 0.5, width: width + 1, height: 15, color: Style.tileBorder)
        for (fraction, label) in [(0.0, String(format: "%+.3f", -largest)), (0.5, "0"), (1.0, String(format: "%+.3f", largest))] {
            canvas.drawText(label, at: Point(x: x + fraction * width, y: y + 28),
                            size: Style.tickSize, color: Style.secondaryText,
                            alignment: fraction == 0 ? .left : (fraction == 1 ? .right : .center))
        }
    }
}
