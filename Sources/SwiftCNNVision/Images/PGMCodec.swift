import Foundation

/// The two encodings of a Netpbm greymap.
public enum PGMEncoding: Sendable {
    /// `P2`: samples as decimal text, one row per line.
    case ascii
    /// `P5`: samples as bytes (or big-endian byte pairs when the maximum value exceeds 255).
    case binary
}

/// Netpbm greymap (PGM) reading and writing: `P2` and `P5`, maximum sample values up to 65535.
enum PGMCodec {
    static func isPGM(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == UInt8(ascii: "P")
            && [UInt8(ascii: "2"), UInt8(ascii: "5")].contains(data[data.startIndex + 1])
    }

    static func decode(_ data: Data, file: String, maximumPixelCount: Int) throws -> Image {
        var reader = Reader(bytes: [UInt8](data), file: file)
        let isBinary = reader.bytes[1] == UInt8(ascii: "5")
        reader.offset = 2
        let width = try reader.headerNumber("the width")
        let height = try reader.headerNumber("the height")
        let maxValue = try reader.headerNumber("the maximum value")
        guard (1...65_535).contains(maxValue) else {
            throw ImageError.malformed(file: file, reason: "maximum value \(maxValue) is outside 1…65535")
        }
        try Image.validateDimensions(width: width, height: height, file: file, maximumPixelCount: maximumPixelCount)

        let count = width * height
        var pixels = [Float](repeating: 0, count: count)
        let scale = 1 / Float(maxValue)
        if isBinary {
            // Exactly one whitespace byte separates the header from the samples.
            reader.offset += 1
            let bytesPerSample = maxValue > 255 ? 2 : 1
            guard reader.bytes.count - reader.offset >= count * bytesPerSample else { throw ImageError.truncated(file: file) }
            for index in 0..<count {
                let position = reader.offset + index * bytesPerSample
                let sample = bytesPerSample == 1
                    ? Int(reader.bytes[position])
                    : Int(reader.bytes[position]) << 8 | Int(reader.bytes[position + 1])
                guard sample <= maxValue else { throw sampleTooLarge(sample, maxValue: maxValue, file: file) }
                pixels[index] = Float(sample) * scale
            }
        } else {
            for index in 0..<count {
                guard let sample = try reader.nextNumber() else { throw ImageError.truncated(file: file) }
                guard sample <= maxValue else { throw sampleTooLarge(sample, maxValue: maxValue, file: file) }
                pixels[index] = Float(sample) * scale
            }
        }
        return Image(width: width, height: height, channels: 1, pixels: pixels)
    }

    /// A greymap of `image`'s luminance (see ``Image/grayscale()``).
    static func encode(_ image: Image, encoding: PGMEncoding, maxValue: Int) -> Data {
        precondition((1...65_535).contains(maxValue), "PGM maximum value must be in 1…65535, got \(maxValue)")
        let grey = image.grayscale()
        let samples = grey.pixels.map { Int((min(max($0, 0), 1) * Float(maxValue)).rounded()) }
        var data = Data("\(encoding == .binary ? "P5" : "P2")\n\(image.width) \(image.height)\n\(maxValue)\n".utf8)
        switch encoding {
        case .binary:
            data.reserveCapacity(data.count + samples.count * (maxValue > 255 ? 2 : 1))
            for sample in samples {
                if maxValue > 255 { data.append(UInt8(sample >> 8)) }
                data.append(UInt8(sample & 0xFF))
            }
        case .ascii:
            for row in 0..<image.height {
                let line = samples[(row * image.width)..<((row + 1) * image.width)].map(String.init)
                data.append(contentsOf: (line.joined(separator: " ") + "\n").utf8)
            }
        }
        return data
    }

    private static func sampleTooLarge(_ sample: Int, maxValue: Int, file: String) -> ImageError {
        .malformed(file: file, reason: "sample \(sample) exceeds the maximum value \(maxValue)")
    }

    /// Reads the whitespace-separated decimal numbers of a Netpbm header or `P2` body; `#` starts a
    /// comment that runs to the end of the line.
    private struct Reader {
        let bytes: [UInt8]
        let file: String
        var offset = 0

        mutating func headerNumber(_ field: String) throws -> Int {
            guard let number = try nextNumber(field) else { throw ImageError.truncated(file: file) }
            return number
        }

        /// The next number, or nil at the end of the data; `field` names it in errors.
        mutating func nextNumber(_ field: String = "a sample") throws -> Int? {
            skipWhitespaceAndComments()
            guard offset < bytes.count else { return nil }
            var value = 0
            let start = offset
            while offset < bytes.count, let digit = Self.digitValue(bytes[offset]) {
                value = value * 10 + digit
                guard value <= Int(Int32.max) else {
                    throw ImageError.malformed(file: file, reason: "\(field) at byte \(start) is too large")
                }
                offset += 1
            }
            guard offset > start else {
                throw ImageError.malformed(file: file, reason: "expected \(field) at byte \(start)")
            }
            return value
        }

        private mutating func skipWhitespaceAndComments() {
            while offset < bytes.count {
                switch bytes[offset] {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                    offset += 1
                case UInt8(ascii: "#"):
                    while offset < bytes.count, bytes[offset] != UInt8(ascii: "\n") { offset += 1 }
                default:
                    return
                }
            }
        }

        private static func digitValue(_ byte: UInt8) -> Int? {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
        }
    }
}
