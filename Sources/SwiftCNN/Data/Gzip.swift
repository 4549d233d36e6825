import CZlib

/// gzip compression and decompression, by zlib.
///
/// This is the one file that touches zlib; the rest of SwiftCNN calls these functions and sees only
/// bytes and ``GzipError``.
///
/// ```swift
/// let bytes = try Gzip.decompress(compressed)              // must be gzip
/// let content = try Gzip.decompressIfGzipped(fileBytes)    // gzip or raw, told apart by magic bytes
/// ```
public enum Gzip {
    /// Whether `bytes` start with the gzip magic bytes 1f 8b.
    public static func hasGzipMagic(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        return iterator.next() == 0x1F && iterator.next() == 0x8B
    }

    /// The most bytes ``decompress(_:maximumSize:)`` produces unless told otherwise: 1 GiB, twenty times
    /// the largest file SwiftCNN reads (MNIST's 47 MB of training images).
    ///
    /// The output grows as zlib produces it, doubling from a small start, and never past the ceiling, so
    /// the memory a gzip file can make the reader take is bounded by what it really decompresses to —
    /// at most twice that — and by this ceiling; the size recorded in the file's trailer is never
    /// trusted.
    public static let defaultMaximumSize = 1 << 30

    /// The content of gzip data. Concatenated gzip members (as `cat a.gz b.gz` makes) decompress to
    /// their concatenated contents.
    ///
    /// - Parameters:
    ///   - compressed: the gzip data.
    ///   - maximumSize: the most bytes the content may have; by default ``defaultMaximumSize``.
    /// - Throws: ``GzipError/notGzip(firstBytes:)`` when `compressed` does not start with the gzip
    ///   magic bytes, ``GzipError/truncated`` when it ends mid-stream, ``GzipError/corrupted(reason:)``
    ///   when the stream is damaged (including a CRC mismatch), ``GzipError/trailingData(byteCount:)``
    ///   when something other than gzip follows the last member, and ``GzipError/tooLarge(limit:)`` as
    ///   soon as the content would exceed `maximumSize` bytes.
    public static func decompress(_ compressed: [UInt8], maximumSize: Int = defaultMaximumSize) throws -> [UInt8] {
        precondition(maximumSize >= 0, "maximumSize must not be negative, got \(maximumSize)")
        guard hasGzipMagic(compressed) else {
            throw GzipError.notGzip(firstBytes: Array(compressed.prefix(4)))
        }
        var stream = z_stream()
        guard swiftcnn_inflate_init_gzip(&stream) == Z_OK else {
            throw GzipError.corrupted(reason: "zlib could not start decompressing")
        }
        defer { inflateEnd(&stream) }

        // One byte beyond the ceiling tells content that exceeds it from content that fills it exactly.
        let capacityLimit = maximumSize + 1
        var output = [UInt8](repeating: 0, count: min(1 << 16, capacityLimit))
        var produced = 0
        try compressed.withUnsafeBufferPointer { input in
            var consumed = 0
            while true {
                if produced == output.count {
                    guard output.count < capacityLimit else { throw GzipError.tooLarge(limit: maximumSize) }
                    output.append(contentsOf: repeatElement(0, count: min(output.count, capacityLimit - output.count)))
                }
                let inputChunk = min(input.count - consumed, Int(UInt32.max))
                let outputChunk = min(output.count - produced, Int(UInt32.max))
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                stream.avail_in = UInt32(inputChunk)
                let status = output.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    stream.next_out = buffer.baseAddress! + produced
                    stream.avail_out = UInt32(outputChunk)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                consumed += inputChunk - Int(stream.avail_in)
                produced += outputChunk - Int(stream.avail_out)
                if produced > maximumSize { throw GzipError.tooLarge(limit: maximumSize) }

                switch status {
                case Z_STREAM_END:
                    let rest = input[consumed...]
                    if rest.isEmpty { return }
                    guard hasGzipMagic(rest) else { throw GzipError.trailingData(byteCount: rest.count) }
                    inflateReset(&stream)
                case Z_OK:
                    continue
                case Z_BUF_ERROR where consumed == input.count:
                    throw GzipError.truncated
                case Z_BUF_ERROR:
                    continue
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw GzipError.corrupted(reason: message)
                }
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    /// The content of `bytes` if they are gzip data (judged by the magic bytes, not a file name),
    /// otherwise `bytes` unchanged.
    ///
    ///
    /// - Parameters:
    ///   - bytes: gzip data or raw bytes.
    ///   - maximumSize: the most bytes gzip data may decompress to; by default ``defaultMaximumSize``.
    /// - Throws: the errors of ``decompress(_:maximumSize:)`` when `bytes` start like gzip but do not
    ///   decompress within `maximumSize` bytes.
    public static func decompressIfGzipped(_ bytes: [UInt8], maximumSize: Int = defaultMaximumSize) throws -> [UInt8] {
        hasGzipMagic(bytes) ? try decompress(bytes, maximumSize: maximumSize) : bytes
    }

    /// `bytes` compressed into a single gzip member.
    ///
    /// - Parameters:
    ///   - bytes: the data to compress.
    ///   - level: zlib's compression level, from 0 (store) to 9 (smallest); 6 is gzip's default.
    public static func compress(_ bytes: [UInt8], level: Int = 6) -> [UInt8] {
        precondition((0...9).contains(level), "gzip compression level must be in 0...9, got \(level)")
        precondition(bytes.count <= Int(UInt32.max), "Gzip.compress takes at most 4 GiB, got \(bytes.count) bytes")
        var stream = z_stream()
        let initialised = swiftcnn_deflate_init_gzip(&stream, Int32(level))
        precondition(initialised == Z_OK, "zlib could not start compressing (error \(initialised))")
        defer { deflateEnd(&stream) }

        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))))
        let status = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { buffer -> Int32 in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = UInt32(input.count)
                stream.next_out = buffer.baseAddress
                stream.avail_out = UInt32(buffer.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        // deflateBound is an upper bound on the whole output, so one Z_FINISH call always completes.
        precondition(status == Z_STREAM_END, "zlib did not finish compressing (status \(status))")
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }
}

/// Why gzip data could not be decompressed.
public enum GzipError: Error, Equatable, CustomStringConvertible {
    /// The data does not start with the gzip magic bytes 1f 8b; `firstBytes` are what it starts with.
    case notGzip(firstBytes: [UInt8])
    /// The data ends before the end of the gzip stream.
    case truncated
    /// The stream is damaged; `reason` is zlib's message, such as "incorrect data check" for a CRC mismatch.
    case corrupted(reason: String)
    /// `byteCount` bytes that are not gzip follow the end of the stream.
    case trailingData(byteCount: Int)
    /// The content would be larger than `limit` bytes, the ceiling the reader was given (by default
    /// ``Gzip/defaultMaximumSize``). Decompression stops there, before allocating more.
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case let .notGzip(firstBytes):
            let hex = firstBytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
            return firstBytes.isEmpty
                ? "not gzip data: it is empty, expected the magic bytes 1f 8b"
                : "not gzip data: it starts with \(hex), expected the magic bytes 1f 8b"
        case .truncated:
            return "gzip data is truncated: it ends before the end of the compressed stream"
        case let .corrupted(reason):
            return "gzip data is corrupted: \(reason)"
        case let .trailingData(byteCount):
            return "gzip data is followed by \(byteCount) bytes that are not gzip"
        case let .tooLarge(limit):
            return "gzip data decompresses to more than \(limit) bytes, the most this reader accepts"
        }
    }
}
