import Foundation
import SwiftCNNVision
import Testing
import TestSupport

/// Decoding and encoding JPEG through libjpeg-turbo. The images are made here with the encoder; the
/// expected values come from JPEG's arithmetic rather than from the decoder: a block of one grey level
/// has only a DC coefficient, 8·(level − 128), which quality 100 (every quantiser 1) keeps exactly, so it
/// decodes to the same level.
struct JPEGCodecTests {
    /// 24×16 grey, six 8×8 blocks each of one level, laid out so that a wrong row stride or a transposed
    /// image shows.
    static let blockLevels = [[10, 60, 110], [160, 210, 250]]
    static func blocks() -> Image {
        var image = Image(width: 24, height: 16, channels: 1, repeating: 0)
        for y in 0..<16 { for x in 0..<24 { image[x: x, y: y] = Float(blockLevels[y / 8][x / 8]) / 255 } }
        return image
    }

    @Test func decodesFlatGreyBlocksExactly() throws {
        let data = try Self.blocks().jpegData(quality: 100)
        #expect(data.prefix(3) == Data([0xFF, 0xD8, 0xFF]))
        let decoded = try Image(data: data)
        #expect(decoded.width == 24 && decoded.height == 16 && decoded.channels == 1)
        #expect(decoded == Self.blocks())
    }

    @Test func decodesColourNearlyExactly() throws {
        // Two 16×16 areas (one 4:2:0 MCU each) of one colour: only the YCbCr conversion rounds, by at most
        // a couple of levels, except where the decoder's chroma upsampling blends the two colours, within
        // one chroma sample (two pixels) of the border.
        let colours: [[Float]] = [[200, 40, 90], [20, 180, 240]]
        var image = Image(width: 32, height: 16, channels: 3, repeating: 0)
        for y in 0..<16 { for x in 0..<32 { for c in 0..<3 { image[x: x, y: y, channel: c] = colours[x / 16][c] / 255 } } }
        let decoded = try Image(data: image.jpegData(quality: 100))
        #expect(decoded.width == 32 && decoded.height == 16 && decoded.channels == 3)
        var worst: Float = 0
        for y in 0..<16 {
            for x in 0..<32 where !(14..<18).contains(x) {
                for c in 0..<3 { worst = max(worst, abs(decoded[x: x, y: y, channel: c] - image[x: x, y: y, channel: c])) }
            }
        }
        #expect(worst <= 2.0 / 255, "largest difference \(worst * 255) levels")
    }

    @Test func keepsAGradientCloseAtHighQuality() throws {
        var image = Image(width: 40, height: 30, channels: 1, repeating: 0)
        for y in 0..<30 { for x in 0..<40 { image[x: x, y: y] = Float(x * 5 + y * 2) / 255 } }
        let decoded = try Image(data: image.jpegData(quality: 95))
        let worst = zip(decoded.pixels, image.pixels).map { abs($0 - $1) }.max() ?? 1
        #expect(worst <= 4.0 / 255, "largest difference \(worst * 255) levels")
    }

    @Test func compositesAlphaOverWhiteWhenEncoding() throws {
        let transparent = Image(width: 8, height: 8, channels: 2, pixels: Array(repeating: [0, 0], count: 64).flatMap { $0 })
        let decoded = try Image(data: transparent.jpegData(quality: 100))
        #expect(decoded.channels == 1 && decoded.pixels.allSatisfy { $0 == 1 })
    }

    @Test func readsAndWritesJPEGFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.file("blocks.jpg")
        try Self.blocks().write(to: url)
        #expect(try Data(contentsOf: url).prefix(2) == Data([0xFF, 0xD8]))
        let decoded = try Image(contentsOf: url)
        let worst = zip(decoded.pixels, Self.blocks().pixels).map { abs($0 - $1) }.max() ?? 1
        #expect(worst <= 2.0 / 255, "quality 90 keeps flat blocks within rounding")
    }

    @Test(arguments: [3, 100, 300])
    func reportsTruncatedData(keeping count: Int) throws {
        var image = Image(width: 64, height: 64, channels: 1, repeating: 0)
        for y in 0..<64 { for x in 0..<64 { image[x: x, y: y] = Float((x * y) % 256) / 255 } }
        let data = try image.jpegData(quality: 90)
        #expect(data.count > 600)
        #expect(throws: ImageError.truncated(file: "cut.jpg")) {
            try Image(data: data.prefix(count), source: "cut.jpg")
        }
    }

    @Test func reportsDamagedHeadersAsMalformed() throws {
        var data = try Self.blocks().jpegData(quality: 100)
        let frame = try #require(Self.frameHeader(in: data))
        data[frame + 4] = 12    // the sample precision: libjpeg-turbo built for 8 bits refuses 12
        do {
            _ = try Image(data: data, source: "twelve.jpg")
            Issue.record("a 12-bit frame header decoded")
        } catch let ImageError.malformed(file, reason) {
            #expect(file == "twelve.jpg")
            #expect(reason.contains("precision 12"), "\(reason)")
        }
    }

    @Test func refusesEmptyAndHugeImagesFromTheHeader() throws {
        let original = try Self.blocks().jpegData(quality: 100)
        let frame = try #require(Self.frameHeader(in: original))
        var empty = original
        empty[frame + 5] = 0; empty[frame + 6] = 0    // height 0
        #expect(throws: ImageError.empty(file: "empty.jpg", width: 24, height: 0)) {
            try Image(data: empty, source: "empty.jpg")
        }
        // 60000 × 60000 would need 3.6 GB; the data is 24×16's, so it must be refused before decoding.
        var huge = original
        huge[frame + 5] = 0xEA; huge[frame + 6] = 0x60; huge[frame + 7] = 0xEA; huge[frame + 8] = 0x60
        #expect(throws: ImageError.tooLarge(file: "huge.jpg", width: 60000, height: 60000)) {
            try Image(data: huge, source: "huge.jpg")
        }
    }

    @Test func honoursALowerPixelLimit() throws {
        let data = try Self.blocks().jpegData(quality: 100)
        #expect(throws: ImageError.tooLarge(file: "small.jpg", width: 24, height: 16)) {
            try Image(data: data, source: "small.jpg", maximumPixelCount: 24 * 16 - 1)
        }
        #expect(try Image(data: data, maximumPixelCount: 24 * 16).width == 24)
    }

    @Test func namesJPEGAmongTheFormatsItReads() throws {
        #expect(throws: ImageError.unsupportedFormat(file: "x")) { try Image(data: Data("GIF89a".utf8), source: "x") }
        #expect(ImageError.unsupportedFormat(file: "x").description.contains("JPEG"))
    }

    /// The offset of the baseline frame header's marker (FF C0): length (2 bytes), precision, height (2),
    /// width (2) follow it.
    static func frameHeader(in data: Data) -> Int? {
        let bytes = [UInt8](data)
        return bytes.indices.dropLast().first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }
    }
}
