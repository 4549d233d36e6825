import CJPEGCodec
import Foundation

/// JPEG decoding and encoding through libjpeg-turbo, whose fatal errors come back from the C shim as
/// status codes (libjpeg would otherwise call `exit()`).
///
/// Greyscale files decode to one channel, colour files (YCbCr or RGB) to three; CMYK files are refused.
/// The dimensions are read from the frame header and checked before the image is allocated.
enum JPEGCodec {
    /// Every JPEG starts with the SOI marker followed by another marker.
    static func isJPEG(_ data: Data) -> Bool {
        data.count >= 3 && data.prefix(3).elementsEqual([0xFF, 0xD8, 0xFF])
    }

    static func decode(_ data: Data, file: String, maximumPixelCount: Int) throws -> Image {
        // libjpeg reads from the caller's memory until decoding ends, so the bytes stay pinned throughout.
        try data.withUnsafeBytes { encoded in
            guard let decoder = swiftcnn_jpeg_decoder_create(encoded.bindMemory(to: UInt8.self).baseAddress, encoded.count) else {
                throw ImageError.malformed(file: file, reason: "out of memory")
            }
            defer { swiftcnn_jpeg_decoder_destroy(decoder) }

            var width: Int32 = 0, height: Int32 = 0, channels: Int32 = 0
            let header = swiftcnn_jpeg_read_header(decoder, &width, &height, &channels)
            if header == SWIFTCNN_JPEG_EMPTY {
                throw ImageError.empty(file: file, width: Int(width), height: Int(height))
            }
            try check(header, decoder, file: file)
            try Image.validateDimensions(width: Int(width), height: Int(height), file: file,
                                         maximumPixelCount: maximumPixelCount)

            var samples = [UInt8](repeating: 0, count: Int(width) * Int(height) * Int(channels))
            let status = samples.withUnsafeMutableBufferPointer { buffer in
                swiftcnn_jpeg_decode(decoder, buffer.baseAddress, buffer.count)
            }
            try check(status, decoder, file: file)
            return Image(width: Int(width), height: Int(height), channels: Int(channels),
                         pixels: samples.map { Float($0) / 255 })
        }
    }

    /// Encodes the image's grey or RGB samples; alpha is composited over white first, as JPEG has none.
    static func encode(_ image: Image, quality: Int, file: String) throws -> Data {
        precondition(image.width > 0 && image.height > 0, "Cannot encode an empty \(image.width)×\(image.height) image as JPEG")
        precondition((1...100).contains(quality), "JPEG quality must be in 1...100, got \(quality)")
        let opaque = image.compositedOver(background: 1)
        let samples = opaque.pixels.map { UInt8((min(max($0, 0), 1) * 255).rounded()) }
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 200)
        let status = swiftcnn_jpeg_encode(samples, Int32(opaque.width), Int32(opaque.height), Int32(opaque.channels),
                                          Int32(quality), &output, &size, &message)
        guard status == SWIFTCNN_JPEG_OK, let output else {
            let text = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            throw ImageError.unwritable(file: file, reason: String(decoding: text, as: UTF8.self))
        }
        defer { swiftcnn_jpeg_free(output) }
        return Data(bytes: output, count: size)
    }

    private static func check(_ status: swiftcnn_jpeg_status, _ decoder: OpaquePointer, file: String) throws {
        switch status {
        case SWIFTCNN_JPEG_OK: return
        case SWIFTCNN_JPEG_TRUNCATED: throw ImageError.truncated(file: file)
        default: throw ImageError.malformed(file: file, reason: String(cString: swiftcnn_jpeg_decoder_message(decoder)))
        }
    }
}
