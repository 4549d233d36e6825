import Foundation
import SwiftCNNVision
import Testing
import TestSupport

/// Decoding the fixture PNGs (made by ImageMagick) and encoding through libpng.
struct PNGCodecTests {
    @Test func decodesEightBitGrey() throws {
        let image = try Fixtures.image("gray8.png")
        #expect(image.width == 4 && image.height == 2 && image.channels == 1)
        #expect(image.pixels == samples([0, 64, 128, 255, 255, 128, 64, 0]))
        #expect(image[x: 1, y: 0] == Float(64) / 255)
    }

    @Test func reducesSixteenBitGreyToEightBits() throws {
        let image = try Fixtures.image("gray16.png")
        #expect(image.channels == 1)
        // 1000/65535 of full scale is 3.89/255; 32896 = 128·257.
        #expect(image.pixels == samples([0, 4, 128, 255, 255, 128, 4, 0]))
    }

    @Test func keepsGreyAlpha() throws {
        let image = try Fixtures.image("gray-alpha.png")
        #expect(image.channels == 2 && image.hasAlpha && !image.isColor)
        #expect(image.pixels == samples([0, 255, 255, 0, 0, 128, 200, 64]))
    }

    @Test func decodesRGB() throws {
        let image = try Fixtures.image("rgb.png")
        #expect(image.channels == 3)
        #expect(image.pixels == samples([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]))
    }

    @Test func decodesRGBA() throws {
        let image = try Fixtures.image("rgba.png")
        #expect(image.channels == 4)
        #expect(image.pixels == samples([255, 0, 0, 255, 0, 0, 255, 128, 10, 20, 30, 0, 255, 255, 255, 255]))
    }

    @Test func expandsPalette() throws {
        let image = try Fixtures.image("palette.png")
        #expect(image.channels == 3)
        #expect(image.pixels == samples([255, 0, 0, 0, 128, 0, 0, 128, 0, 0, 0, 255]))
    }

    @Test func deinterlacesAdam7() throws {
        let image = try Fixtures.image("interlaced.png")
        #expect(image.width == 16 && image.height == 16 && image.channels == 1)
        let expected = (0..<16).flatMap { y in (0..<16).map { x in 16 * x + y } }
        #expect(image.pixels == samples(expected))
    }

    @Test func compositesAlphaOverWhite() throws {
        let grey = try Fixtures.image("gray-alpha.png").compositedOver(background: 1)
        #expect(grey.channels == 1)
        // (0, α 128): 0·128/255 + (1 - 128/255); (200, α 64): 200/255·64/255 + (1 - 64/255).
        expectClose(grey.pixels, [0, 1, 127.0 / 255, (200.0 * 64 / 255 + 191) / 255])
        let colour = try Fixtures.image("rgba.png").compositedOver(background: 1)
        #expect(colour.channels == 3)
        expectClose(colour.pixels, [1, 0, 0, 127.0 / 255, 127.0 / 255, 1, 1, 1, 1, 1, 1, 1])
    }

    @Test(arguments: ["gray8.png", "gray-alpha.png", "rgb.png", "rgba.png", "interlaced.png"])
    func roundTripsThroughAFile(name: String) throws {
        let original = try Fixtures.image(name)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.file("copy.png")
        try original.write(to: url)
        #expect(try Image(contentsOf: url) == original)
        #expect(try Image(data: original.pngData()) == original)
    }

    @Test func quantisesToEightBitsWhenWriting() throws {
        let image = Image(width: 3, height: 1, channels: 1, pixels: [0.1, -0.5, 1.5])
        let decoded = try Image(data: image.pngData())
        #expect(decoded.pixels == samples([26, 0, 255]))
    }

    @Test func writingReplacesTheFileWithoutLeavingTemporaries() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.file("picture.png")
        try Image(width: 2, height: 2, channels: 1, repeating: 0).write(to: url)
        try Image(width: 3, height: 1, channels: 1, repeating: 1).write(to: url)
        #expect(try Image(contentsOf: url).width == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["picture.png"])
    }

    // MARK: - Damaged files

    @Test func refusesAFileThatIsNotAnImage() throws {
        let url = Fixtures.url("not-an-image.png")
        #expect(throws: ImageError.unsupportedFormat(file: url.path)) { try Image(contentsOf: url) }
    }

    @Test func reportsTruncation() throws {
        let url = Fixtures.url("truncated.png")
        #expect(throws: ImageError.truncated(file: url.path)) { try Image(contentsOf: url) }
        let full = try Fixtures.data("rgb.png")
        for length in [8, 20, 40, full.count - 16] {
            #expect(throws: ImageError.truncated(file: "cut")) { try Image(data: full.prefix(length), source: "cut") }
        }
    }

    @Test func reportsZeroSize() throws {
        let url = Fixtures.url("zero-width.png")
        #expect(throws: ImageError.empty(file: url.path, width: 0, height: 1)) { try Image(contentsOf: url) }
    }

    @Test func refusesAbsurdDimensionsBeforeDecoding() throws {
        let url = Fixtures.url("huge.png")
        #expect(throws: ImageError.tooLarge(file: url.path, width: 20000, height: 20000)) { try Image(contentsOf: url) }
    }

    @Test func reportsDamagedData() throws {
        var data = try Fixtures.data("interlaced.png")
        // Flip bits inside the compressed pixel data: the chunk's CRC no longer matches.
        data[data.count - 20] ^= 0xFF
        #expect {
            try Image(data: data, source: "flipped.png")
        } throws: { error in
            guard case let .malformed(file, reason)? = error as? ImageError else { return false }
            return file == "flipped.png" && !reason.isEmpty
        }
    }

    @Test func reportsAMissingFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent/digit.png")
        #expect {
            try Image(contentsOf: url)
        } throws: { error in
            guard case let .unreadable(file, _)? = error as? ImageError else { return false }
            return file == url.path && "\(error)".contains("/nonexistent/digit.png")
        }
    }
}
