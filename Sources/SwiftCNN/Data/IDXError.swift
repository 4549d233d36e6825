/// Why an IDX file could not be read. Each case names the file and says what was expected.
public enum IDXError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read at all (missing, a directory, no permission).
    case unreadable(file: String, reason: String)
    /// The file has no bytes; `compressed` when it is gzip data that decompresses to nothing.
    case empty(file: String, compressed: Bool)
    /// The file starts with gzip's magic bytes but does not decompress.
    case corruptedGzip(file: String, reason: GzipError)
    /// The file does not start with IDX's two zero bytes; `found` are its first bytes (after
    /// decompression when `wasGzip`).
    case badMagic(file: String, found: [UInt8], wasGzip: Bool)
    /// The element-type byte is not one IDX defines.
    case unsupportedElementType(file: String, code: UInt8)
    /// The rank byte is zero.
    case noDimensions(file: String)
    /// The dimensions describe more bytes than a file can hold.
    case tooLarge(file: String, dimensions: [Int])
    /// The file is shorter than its header and dimensions require.
    case truncated(file: String, expectedBytes: Int, actualBytes: Int)
    /// The file is longer than its header and dimensions allow.
    case trailingBytes(file: String, expectedBytes: Int, actualBytes: Int)
    /// The file is valid IDX but not what the dataset needs, such as images that are not 3-dimensional
    /// or labels out of range.
    case unexpectedContent(file: String, found: String, expected: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "Cannot read IDX file \(file): \(reason)"
        case let .empty(file, compressed):
            return compressed
                ? "IDX file \(file) is gzip data that decompresses to nothing; expected an IDX header"
                : "IDX file \(file) is empty; expected an IDX header (00 00, element type, rank)"
        case let .corruptedGzip(file, reason):
            return "IDX file \(file) is damaged: \(reason)"
        case let .badMagic(file, found, wasGzip):
            let what = wasGzip ? "decompresses to data starting with" : "is neither gzip nor IDX: it starts with"
            return "IDX file \(file) \(what) \(Self.hex(found)); expected 00 00 (IDX)"
                + (wasGzip ? "" : " or 1f 8b (gzip)")
        case let .unsupportedElementType(file, code):
            let known = IDXFile.ElementType.allCases.map { Self.hex([$0.rawValue]) }.joined(separator: ", ")
            return "IDX file \(file) has element type \(Self.hex([code])); expected one of \(known)"
        case let .noDimensions(file):
            return "IDX file \(file) has rank 0; expected at least one dimension"
        case let .tooLarge(file, dimensions):
            return "IDX file \(file) has dimensions \(dimensions), too large to hold in memory"
        case let .truncated(file, expectedBytes, actualBytes):
            return "IDX file \(file) is truncated: expected \(expectedBytes) bytes (uncompressed), found \(actualBytes)"
        case let .trailingBytes(file, expectedBytes, actualBytes):
            return "IDX file \(file) has \(actualBytes - expectedBytes) bytes after its data: "
                + "expected \(expectedBytes) bytes (uncompressed), found \(actualBytes)"
        case let .unexpectedContent(file, found, expected):
            return "IDX file \(file) holds \(found); expected \(expected)"
        }
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
    }
}
