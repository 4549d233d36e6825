import Foundation
import SwiftCNNVision
import Testing
import TestSupport

/// Reading and writing Netpbm greymaps, P2 and P5.
struct PGMCodecTests {
    @Test func readsASCIIGreymapFromImageMagick() throws {
        let image = try Fixtures.image("gray8-ascii.pgm")
        #expect(image.width == 4 && image.height == 2 && image.channels == 1)
        #expect(image.pixels == samples([0, 64, 128, 255, 255, 128, 64, 0]))
    }

    @Test func readsSixteenBitBinaryGreymapFromImageMagick() throws {
        let image = try Fixtures.image("gray16-binary.pgm")
        expectClose(image.pixels, [0, 1000, 32896, 65535, 65535, 32896, 1000, 0].map { Float($0) / 65535 })
    }

    @Test func readsCommentsAndOddMaximumValues() throws {
        let text = "P2 # a comment\n3 1\n# another\n10\n0 5 10\n"
        let image = try Image(data: Data(text.utf8))
        expectClose(image.pixels, [0, 0.5, 1])
    }

    @Test(arguments: [PGMEncoding.ascii, .binary], [255, 1000, 65535])
    func roundTrips(encoding: PGMEncoding, maxValue: Int) throws {
        let values: [Float] = [0, 0.25, 0.5, 1, 0.75, 0.1]
        let image = Image(width: 3, height: 2, channels: 1, pixels: values)
        let decoded = try Image(data: image.pgmData(encoding: encoding, maxValue: maxValue))
        #expect(decoded.width == 3 && decoded.height == 2)
        expectClose(decoded.pixels, values, absolute: 0.5 / Float(maxValue) + 1e-6)
    }

    @Test func writesLuminanceOfColourImages() throws {
        let image = try Fixtures.image("rgb.png")
        let decoded = try Image(data: image.pgmData())
        expectClose(decoded.pixels, image.grayscale().pixels, absolute: 0.5 / 255 + 1e-6)
    }

    @Test func writesPGMWhenTheNameSaysSo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.file("digit.pgm")
        try Fixtures.image("gray8.png").write(to: url)
        #expect(try Data(contentsOf: url).prefix(2) == Data("P5".utf8))
        #expect(try Image(contentsOf: url) == Fixtures.image("gray8.png"))
    }

    @Test func reportsTruncation() {
        #expect(throws: ImageError.truncated(file: "a.pgm")) { try Image(data: Data("P5\n4 4\n255\nabc".utf8), source: "a.pgm") }
        #expect(throws: ImageError.truncated(file: "b.pgm")) { try Image(data: Data("P2\n2 2\n255\n1 2 3".utf8), source: "b.pgm") }
        #expect(throws: ImageError.truncated(file: "c.pgm")) { try Image(data: Data("P2\n2".utf8), source: "c.pgm") }
    }

    @Test func reportsEmptyAndAbsurdSizes() {
        #expect(throws: ImageError.empty(file: "d.pgm", width: 0, height: 3)) {
            try Image(data: Data("P5\n0 3\n255\n".utf8), source: "d.pgm")
        }
        #expect(throws: ImageError.tooLarge(file: "e.pgm", width: 100_000, height: 2)) {
            try Image(data: Data("P5\n100000 2\n255\n".utf8), source: "e.pgm")
        }
    }

    @Test func reportsBadHeadersAndSamples() {
        let cases = ["P2\n2 1\n0\n0 0\n", "P2\n2 1\n70000\n0 0\n", "P2\nx 1\n255\n", "P2\n2 1\n255\n7 300\n"]
        for text in cases {
            #expect {
                try Image(data: Data(text.utf8), source: "bad.pgm")
            } throws: { error in
                guard case let .malformed(file, _)? = error as? ImageError else { return false }
                return file == "bad.pgm"
            }
        }
    }
}
