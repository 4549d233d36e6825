/// Why an image could not be read or written. Each case names the file (or the data's source) involved.
public enum ImageError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The data is neither PNG, JPEG nor PGM.
    case unsupportedFormat(file: String)
    /// The data ends before the image does.
    case truncated(file: String)
    /// The image declares a width or height of zero.
    case empty(file: String, width: Int, height: Int)
    /// The image declares dimensions beyond ``Image/maximumSide`` or the pixel count allowed
    /// (``Image/maximumPixelCount`` unless the caller asked for less), too big to be decoded.
    case tooLarge(file: String, width: Int, height: Int)
    /// The data is damaged or breaks the format's rules; `reason` says how.
    case malformed(file: String, reason: String)
    /// The file could not be written.
    case unwritable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the file (\(reason))"
        case let .unsupportedFormat(file):
            return "\(file): not a PNG, JPEG or PGM image"
        case let .truncated(file):
            return "\(file): the image data ends too early (truncated file?)"
        case let .empty(file, width, height):
            return "\(file): the image is empty (\(width)×\(height) pixels)"
        case let .tooLarge(file, width, height):
            return "\(file): \(width)×\(height) pixels is larger than the \(Image.maximumSide) pixels per side "
                + "and the pixel count (\(Image.maximumPixelCount / 1_000_000) megapixels unless lowered) this library decodes"
        case let .malformed(file, reason):
            return "\(file): damaged image (\(reason))"
        case let .unwritable(file, reason):
            return "\(file): cannot write the image (\(reason))"
        }
    }
}

extension Image {
    /// The largest width or height the decoders accept.
    public static let maximumSide = 16_384
    /// The largest number of pixels the decoders accept.
    public static let maximumPixelCount = 100_000_000

    /// Checks the dimensions an image file declares before anything is allocated for it.
    static func validateDimensions(width: Int, height: Int, file: String,
                                   maximumPixelCount: Int = Image.maximumPixelCount) throws {
        guard width > 0, height > 0 else { throw ImageError.empty(file: file, width: width, height: height) }
        guard width <= maximumSide, height <= maximumSide, width * height <= maximumPixelCount else {
            throw ImageError.tooLarge(file: file, width: width, height: height)
        }
    }
}
