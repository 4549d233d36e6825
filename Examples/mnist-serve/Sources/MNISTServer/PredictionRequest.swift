import Foundation
import Hummingbird
import SwiftCNNVision

/// The body of `POST /predict`, recognised by its Content-Type or, when that says nothing
/// (`application/octet-stream` or none), by its first bytes.
enum PredictionRequest {
    /// An encoded PNG, JPEG or PGM picture.
    case picture(Data)
    /// `{"pixels": [...]}`: a `side`×`side` grey picture, row by row from the top, values in 0…1.
    case pixels([Float])

    /// The largest picture the server decodes: a 4096×4096 photo needs 200 MB as floats, more would let
    /// a few requests exhaust the memory. Checked from the file's header before decoding.
    static let maximumPixelCount = 4096 * 4096

    private static let pictureTypes: Set<String> = ["image/png", "image/jpeg", "image/pjpeg", "image/x-portable-graymap",
                                                    "image/x-portable-anymap"]

    /// Classifies the body from its media type (parameters such as `charset` ignored) and its bytes.
    init(body: Data, contentType: String?) throws {
        let mediaType = contentType?.split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        switch mediaType {
        case let type? where Self.pictureTypes.contains(type):
            self = .picture(body)
        case "application/json"?:
            self = .pixels(try Self.pixels(fromJSON: body))
        case nil, "application/octet-stream"?:
            if body.first == UInt8(ascii: "{") {
                self = .pixels(try Self.pixels(fromJSON: body))
            } else {
                self = .picture(body)
            }
        case let type?:
            throw APIError(.unsupportedMediaType, code: "unsupportedMediaType",
                           message: "Content-Type \(type) is not accepted: send image/png, image/jpeg, "
                               + "image/x-portable-graymap or application/json {\"pixels\": [...]}")
        }
    }

    private static func pixels(fromJSON body: Data) throws -> [Float] {
        struct Pixels: Decodable { var pixels: [Double] }
        do {
            return try JSONDecoder().decode(Pixels.self, from: body).pixels.map(Float.init)
        } catch {
            throw APIError(.badRequest, code: "invalidJSON",
                           message: "the body is not JSON of the form {\"pixels\": [numbers in 0...1]}: \(Self.describe(error))")
        }
    }

    /// Decodes a picture, mapping the library's errors to HTTP ones.
    static func decode(_ data: Data) throws -> Image {
        guard !data.isEmpty else {
            throw APIError(.badRequest, code: "notAnImage", message: "the body is empty: send a PNG, JPEG or PGM picture")
        }
        do {
            return try Image(data: data, source: "the picture", maximumPixelCount: maximumPixelCount)
        } catch let error as ImageError {
            switch error {
            case .unsupportedFormat:
                throw APIError(.badRequest, code: "notAnImage", message: "the body is not a PNG, JPEG or PGM picture")
            case .truncated:
                throw APIError(.badRequest, code: "truncated", message: "\(error)")
            case .empty:
                throw APIError(.badRequest, code: "emptyImage", message: "\(error)")
            case let .tooLarge(_, width, height):
                throw APIError(.contentTooLarge, code: "imageTooLarge",
                               message: "the picture is \(width)×\(height) pixels; this server decodes at most "
                                   + "\(maximumPixelCount) pixels (such as 4096×4096) and \(Image.maximumSide) per side")
            case .malformed, .unreadable, .unwritable:
                throw APIError(.badRequest, code: "damagedImage", message: "\(error)")
            }
        }
    }

    /// Checks JSON pixels and makes them a picture of `side`×`side`.
    static func picture(fromPixels pixels: [Float], side: Int) throws -> Image {
        guard pixels.count == side * side else {
            throw APIError(.unprocessableContent, code: "wrongPixelCount",
                           message: "expected \(side * side) pixels (\(side)×\(side), row by row), got \(pixels.count)")
        }
        if let index = pixels.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw APIError(.unprocessableContent, code: "pixelOutOfRange",
                           message: "pixel \(index) is \(pixels[index]); every pixel must be in 0...1")
        }
        return Image(width: side, height: side, channels: 1, pixels: pixels)
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case let DecodingError.dataCorrupted(context):
            return context.debugDescription
        case let DecodingError.keyNotFound(key, _):
            return "no \"\(key.stringValue)\" key"
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
