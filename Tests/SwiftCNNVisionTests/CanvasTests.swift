import Foundation
import SwiftCNNVision
import Testing
import TestSupport

/// Drawing through Cairo and reading the pixels back.
struct CanvasTests {
    @Test func fillsRectanglesOnThePixelGrid() {
        let canvas = Canvas(width: 6, height: 4, background: .white)
        canvas.fillRectangle(x: 1, y: 1, width: 2, height: 2, color: Color(red: 1, green: 0, blue: 0))
        let image = canvas.renderedImage()
        #expect(image.width == 6 && image.height == 4 && image.channels == 3)
        #expect([image[x: 1, y: 1, channel: 0], image[x: 1, y: 1, channel: 1], image[x: 2, y: 2, channel: 2]] == [1, 0, 0])
        #expect([image[x: 0, y: 0, channel: 0], image[x: 3, y: 1, channel: 1], image[x: 1, y: 3, channel: 2]] == [1, 1, 1])
    }

    @Test func blendsTranslucentColoursOverWhatIsBelow() {
        let canvas = Canvas(width: 2, height: 2, background: .black)
        canvas.fillRectangle(x: 0, y: 0, width: 2, height: 2, color: Color(grey: 1, alpha: 0.5))
        expectClose(canvas.renderedImage().pixels, [Float](repeating: 128.0 / 255, count: 12), absolute: 1.0 / 255)
    }

    @Test func keepsTransparencyWhenTheBackgroundIsTransparent() {
        let canvas = Canvas(width: 3, height: 1, background: Color(grey: 0, alpha: 0))
        canvas.fillRectangle(x: 0, y: 0, width: 1, height: 1, color: Color(red: 0, green: 0, blue: 1, alpha: 0.6))
        let image = canvas.renderedImage()
        #expect(image.channels == 4)
        expectClose(Array(image.pixels[0..<4]), [0, 0, 1, 0.6], absolute: 1.0 / 255)
        #expect(image.pixels[7] == 0)
    }

    @Test func enlargesImagesWithSharpPixels() {
        let image = Image(width: 2, height: 2, channels: 1, pixels: [0, 1, 0.5, 0.25])
        let canvas = Canvas(width: 4, height: 4)
        canvas.drawImage(image, x: 0, y: 0, width: 4, height: 4)
        let drawn = canvas.renderedImage().grayscale()
        // Each source pixel becomes a 2×2 block.
        let expected: [Float] = [0, 0, 1, 1, 0, 0, 1, 1, 0.5, 0.5, 0.25, 0.25, 0.5, 0.5, 0.25, 0.25]
        expectClose(drawn.pixels, expected, absolute: 1.0 / 255)
    }

    @Test func drawsTextWhereAsked() {
        let canvas = Canvas(width: 120, height: 40)
        canvas.drawText("Hello", at: Point(x: 60, y: 20), size: 16, alignment: .center)
        let image = canvas.renderedImage().grayscale()
        var inked = [(Int, Int)]()
        for y in 0..<40 { for x in 0..<120 where image[x: x, y: y] < 0.5 { inked.append((x, y)) } }
        #expect(inked.count > 50)
        let xs = inked.map(\.0), ys = inked.map(\.1)
        // Centred on (60, 20): the capitals' middle sits on the anchor.
        #expect(abs(Double(xs.min()! + xs.max()!) / 2 - 60) <= 2)
        #expect(abs(Double(ys.min()! + ys.max()!) / 2 - 20) <= 2)
        #expect(abs(canvas.textWidth("Hello", size: 16) - Double(xs.max()! - xs.min()!)) <= 4)
    }

    @Test func drawsLinesWithTheirWidth() {
        let canvas = Canvas(width: 20, height: 20)
        canvas.drawLine(from: Point(x: 2, y: 10), to: Point(x: 18, y: 10), color: .black, lineWidth: 4)
        let image = canvas.renderedImage().grayscale()
        let column = (0..<20).map { image[x: 10, y: $0] }
        #expect(column.filter { $0 < 0.01 }.count == 4)
        #expect(column[8...11].allSatisfy { $0 < 0.01 })
    }

    @Test func writesAPNGFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let canvas = Canvas(width: 30, height: 20)
        canvas.fillCircle(center: Point(x: 15, y: 10), radius: 6, color: .blue)
        let url = directory.file("circle.png")
        try canvas.write(to: url)
        let image = try Image(contentsOf: url)
        #expect(image == canvas.renderedImage())
        #expect(image[x: 15, y: 10, channel: 2] > 0.6 && image[x: 15, y: 10, channel: 0] < 0.2)
    }
}
