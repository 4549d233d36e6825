import CLibPNG
import Foundation

/// PNG decoding and encoding through libpng's simplified API, which expands palettes, bit depths below 8,
/// 16-bit samples and interlacing itself and reports errors through return codes instead of `longjmp`.
///
/// Samples are read and written with 8 bits: 16-bit files are reduced to 8 bits on reading, which is
/// more precision than a 0…1 classifier input can use.
enum PNGCodec {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func isPNG(_ data: Data) -> Bool {
        data.count >= signature.count && data.prefix(signature.count).elementsEqual(signature)
    }

    static func decode(_ data: Data, file: String, maximumPixelCount: Int) throws -> Image {
        try checkHeader(data, file: file, maximumPixelCount: maximumPixelCount)
        var control = png_image()
        control.version = png_uint_32(PNG_IMAGE_VERSION)
        defer { png_image_free(&control) }

        // libpng reads from the caller's memory until png_image_finish_read returns, so both calls
        // happen while the bytes are pinned.
        let decoded: Image? = data.withUnsafeBytes { encoded in
            guard png_image_begin_read_from_memory(&control, encoded.baseAddress, encoded.count) != 0 else {
                return nil
            }
            let hasColor = control.format & png_uint_32(PNG_FORMAT_FLAG_COLOR) != 0
            let hasAlpha = control.format & png_uint_32(PNG_FORMAT_FLAG_ALPHA) != 0
            switch (hasColor, hasAlpha) {
            case (false, false): control.format = swiftcnn_png_format_gray
            case (false, true): control.format = swiftcnn_png_format_gray_alpha
            case (true, false): control.format = swiftcnn_png_format_rgb
            case (true, true): control.format = swiftcnn_png_format_rgba
            }
            // Without a gAMA or sRGB chunk libpng would take 16-bit samples as linear light and re-encode
            // them on the way to 8 bits; files from ordinary tools are sRGB-encoded, so their values are kept.
            control.flags |= png_uint_32(PNG_IMAGE_FLAG_16BIT_sRGB)

            let width = Int(control.width), height = Int(control.height)
            let channels = (hasColor ? 3 : 1) + (hasAlpha ? 1 : 0)
            var samples = [UInt8](repeating: 0, count: width * height * channels)
            let finished = samples.withUnsafeMutableBytes { buffer in
                png_image_finish_read(&control, nil, buffer.baseAddress, 0, nil)
            }
            guard finished != 0 else { return nil }
            return Image(width: width, height: height, channels: channels, pixels: samples.map { Float($0) / 255 })
        }
        guard let decoded else {
            throw endsEarly(data) ? ImageError.truncated(file: file)
                : ImageError.malformed(file: file, reason: message(of: &control))
        }
        return decoded
    }

    static func encode(_ image: Image, file: String) throws -> Data {
        precondition(image.width > 0 && image.height > 0, "Cannot encode an empty \(image.width)×\(image.height) image as PNG")
        var control = png_image()
        control.version = png_uint_32(PNG_IMAGE_VERSION)
        control.width = png_uint_32(image.width)
        control.height = png_uint_32(image.height)
        control.format = [swiftcnn_png_format_gray, swiftcnn_png_format_gray_alpha,
                          swiftcnn_png_format_rgb, swiftcnn_png_format_rgba][image.channels - 1]
        let samples = image.pixels.map { UInt8((min(max($0, 0), 1) * 255).rounded()) }

        return try samples.withUnsafeBytes { buffer in
            var size: png_alloc_size_t = 0
            guard png_image_write_to_memory(&control, nil, &size, 0, buffer.baseAddress, 0, nil) != 0 else {
                throw ImageError.unwritable(file: file, reason: message(of: &control))
            }
            var encoded = Data(count: Int(size))
            let written = encoded.withUnsafeMutableBytes { output in
                png_image_write_to_memory(&control, output.baseAddress, &size, 0, buffer.baseAddress, 0, nil)
            }
            guard written != 0 else { throw ImageError.unwritable(file: file, reason: message(of: &control)) }
            return encoded.prefix(Int(size))
        }
    }

    /// Reads the dimensions from the IHDR chunk, which the PNG format requires to come first, so that
    /// empty and oversized images are refused before libpng allocates anything.
    private static func checkHeader(_ data: Data, file: String, maximumPixelCount: Int) throws {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24 else { throw ImageError.truncated(file: file) }
        guard bytes[12..<16].elementsEqual("IHDR".utf8) else {
            throw ImageError.malformed(file: file, reason: "the first chunk is not IHDR")
        }
        let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
        try Image.validateDimensions(width: width, height: height, file: file, maximumPixelCount: maximumPixelCount)
    }

    /// Whether the chunk sequence runs past the end of the data or stops before the IEND chunk.
    private static func endsEarly(_ data: Data) -> Bool {
        let bytes = [UInt8](data)
        var offset = signature.count
        while offset + 8 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let isEnd = bytes[(offset + 4)..<(offset + 8)].elementsEqual("IEND".utf8)
            offset += 12 + length
            if offset > bytes.count { return true }
            if isEnd { return false }
        }
        return true
    }

    private static func message(of control: inout png_image) -> String {
        withUnsafeBytes(of: &control.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
