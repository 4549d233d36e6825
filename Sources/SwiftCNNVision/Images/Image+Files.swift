import Foundation
import SwiftCNN

extension Image {
    /// Reads a PNG or PGM file, recognised by its contents rather than its name.
    ///
    /// The image keeps the channels the file has (grey, grey and alpha, RGB or RGBA); palettes are
    /// expanded to RGB(A).
    ///
    /// - Throws: ``ImageError`` naming the file: unreadable, not PNG/PGM, truncated, empty, too large or
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

    /// Decodes PNG or PGM `data`; `source` names the data in errors.
    public init(data: Data, source: String = "image data") throws {
        if PNGCodec.isPNG(data) {
            self = try PNGCodec.decode(data, file: source)
        } else if PGMCodec.isPGM(data) {
            self = try PGMCodec.decode(data, file: source)
        } else {
            throw ImageError.unsupportedFormat(file: source)
        }
    }

    /// The image encoded as an 8-bit PNG with the same channels.
    public func pngData() throws -> Data {
        try PNGCodec.encode(self, file: "PNG data")
    }

    /// The image's luminance encoded as a PGM greymap (alpha is composited over white first).
    public func pgmData(encoding: PGMEncoding = .binary, maxValue: Int = 255) -> Data {
        PGMCodec.encode(self, encoding: encoding, maxValue: maxValue)
    }

    /// Writes the image as PNG, or as a binary PGM when the file name ends in `.pgm`.
    ///
    /// The data goes to a temporary file that then replaces `url`, so readers never see a half-written image.
    ///
    /// - Throws: ``ImageError/unwritable(file:reason:)``.
    public func write(to url: URL) throws {
        let data = url.pathExtension.lowercased() == "pgm"
            ? pgmData()
            : try PNGCodec.encode(self, file: url.path)
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
