import SwiftCNNVision

/// Pen strokes shaped like handwritten digits, drawn with Cairo at any size, place and colour.
enum SyntheticDigit {
    /// Polylines in a unit box (x right, y down), roughly as a person writes the digit.
    static let seven: [[(Double, Double)]] = [[(0.05, 0.05), (0.95, 0.05), (0.35, 1.0)], [(0.3, 0.5), (0.8, 0.5)]]
    static let two: [[(Double, Double)]] = [[
        (0.1, 0.25), (0.25, 0.05), (0.6, 0.0), (0.85, 0.15), (0.85, 0.4), (0.1, 1.0), (0.95, 1.0),
    ]]
    static let one: [[(Double, Double)]] = [[(0.3, 0.2), (0.6, 0.0), (0.6, 1.0)]]

    /// A `width`×`height` picture of `strokes` scaled into the box at (`left`, `top`) of side `size`.
    static func draw(_ strokes: [[(Double, Double)]], width: Int, height: Int, left: Double, top: Double,
                     size: Double, strokeWidth: Double, ink: Color = .black, paper: Color = .white) -> Image {
        let canvas = Canvas(width: width, height: height, background: paper)
        for stroke in strokes {
            canvas.drawPolyline(stroke.map { Point(x: left + $0.0 * size, y: top + $0.1 * size) },
                                color: ink, lineWidth: strokeWidth)
        }
        return canvas.renderedImage()
    }

    /// The centre of mass of a one-channel image, in pixel indices.
    static func centreOfMass(_ image: Image) -> (x: Float, y: Float) {
        var mass: Float = 0, x: Float = 0, y: Float = 0
        for row in 0..<image.height {
            for column in 0..<image.width {
                let value = image[x: column, y: row]
                mass += value
                x += value * Float(column)
                y += value * Float(row)
            }
        }
        return (x / mass, y / mass)
    }

    /// The width and height of the smallest box around the pixels above `threshold`.
    static func inkBox(_ image: Image, threshold: Float = 0.05) -> (width: Int, height: Int) {
        var columns = [Int](), rows = [Int]()
        for row in 0..<image.height {
            for column in 0..<image.width where image[x: column, y: row] > threshold {
                columns.append(column)
                rows.append(row)
            }
        }
        guard let minX = columns.min(), let maxX = columns.max(), let minY = rows.min(), let maxY = rows.max() else {
            return (0, 0)
        }
        return (maxX - minX + 1, maxY - minY + 1)
    }

    static func meanAbsoluteDifference(_ a: Image, _ b: Image) -> Float {
        zip(a.pixels, b.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(a.pixels.count)
    }
}
