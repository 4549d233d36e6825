import Foundation
import SwiftCNN

extension Image {
    /// Reads a PNG, JPEG or PGM file, recognised by its contents rather than its name.
    ///
    /// The image keeps the channels the file has (grey, grey and alpha, RGB or RGBA); palettes are
    /// expanded to RGB(A). JPEG files give grey or RGB.
    ///
    /// - Parameter url: The file to read.
    /// - Throws: ``ImageError`` naming the file: unreadable, not PNG/JPEG/PGM, truncated, empty, too large or
    ///   otherwise damaged.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try FileContents.read(url, maximumSize: FileContents.maximumImageFileSize)
        } catch let error as FileReadError {
            throw ImageError.unreadable(file: url.path, reason: error.reason)
        }
        try self.init(data: data, source: url.path)
    }

    /// Decodes PNG, JPEG or PGM `data`, recognised by its first bytes.
    ///
    /// - Parameters:
    ///   - data: The encoded image.
    ///   - source: What to call the data in errors.
    ///   - maximumPixelCount: The most pixels to decode, checked from the header before anything is
    ///     allocated; a server lowers it to bound the memory one request can take. At most
    ///     ``maximumPixelCount``.
    /// - Throws: ``ImageError``, as ``init(contentsOf:)``; ``ImageError/tooLarge(file:width:height:)`` also
    ///   beyond `maximumPixelCount`.
    public init(data: Data, source: String = "image data", maximumPixelCount: Int = Image.maximumPixelCount) throws {
        let limit = min(maximumPixelCount, Image.maximumPixelCount)
        if PNGCodec.isPNG(data) {
            self = try PNGCodec.decode(data, file: source, maximumPixelCount: limit)
        } else if JPEGCodec.isJPEG(data) {
            self = try JPEGCodec.decode(data, file: source, maximumPixelCount: limit)
        } else if PGMCodec.isPGM(data) {
            self = try PGMCodec.decode(data, file: source, maximumPixelCount: limit)
        } else {
            throw ImageError.unsupportedFormat(file: source)
        }
    }

    /// The image encoded as an 8-bit PNG with the same channels.
    public func pngData() throws -> Data {
        try PNGCodec.encode(self, file: "PNG data")
    }

    /// The image encoded as a baseline JPEG: grey images as greyscale JPEG, colour as YCbCr with 4:2:0
    /// chroma subsampling; alpha is composited over white first, as JPEG has no transparency.
    ///
    /// - Parameter quality: libjpeg's quality setting, 1 (smallest) to 100 (best).
    /// - Throws: ``ImageError/unwritable(file:reason:)`` when libjpeg fails.
    public func jpegData(quality: Int = 90) throws -> Data {
        try JPEGCodec.encode(self, quality: quality, file: "JPEG data")
    }

    /// The image's luminance encoded as a PGM greymap (alpha is composited over white first).
    public func pgmData(encoding: PGMEncoding = .binary, maxValue: Int = 255) -> Data {
        PGMCodec.encode(self, encoding: encoding, maxValue: maxValue)
    }

    /// Writes the image as PNG; as a binary PGM when the file name ends in `.pgm`, as a JPEG of quality 90
    /// when it ends in `.jpg` or `.jpeg`.
    ///
    /// The data goes to a temporary file that then replaces `url`, so readers never see a half-written image.
    ///
    /// - Throws: ``ImageError/unwritable(file:reason:)``.
    public func write(to url: URL) throws {
        let data: Data
        switch url.pathExtension.lowercased() {
        case "pgm": data = pgmData()
        case "jpg", "jpeg": data = try JPEGCodec.encode(self, quality: 90, file: url.path)
        default: data = try PNGCodec.encode(self, file: url.path)
        }
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw ImageError.unwritable(file: url.path, reason: Self.reason(for: error))
        }
    }

    /// The operating system's reason behind a Foundation file error, without Foundation's wrapping.
    private static func reason(for error: Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        return underlying?.localizedDescription ?? error.localizedDescription
    }
}
