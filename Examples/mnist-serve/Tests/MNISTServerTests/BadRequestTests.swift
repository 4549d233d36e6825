import Foundation
import SwiftCNNVision
import Testing

/// Each kind of bad request gets its 4xx status and a JSON error naming the problem, and the server
/// keeps serving.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MNIST_DIR"] != nil, "needs MNIST_DIR"))
struct BadRequestTests {
    @Test func refusesBadRequestsAndKeepsServing() async throws {
        let setup = try TrainedModel.shared.get()
        let server = try RunningServer(model: setup.url, arguments: ["--max-body-size", "1000000"])
        defer { server.stop() }

        let png = try TrainedModel.page(of: setup.digits[0]).pngData()
        let jpeg = try TrainedModel.page(of: setup.digits[0]).jpegData(quality: 90)
        var damagedJPEG = jpeg
        let frame = try #require([UInt8](jpeg).indices.dropLast().first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
        damagedJPEG[frame + 4] = 12      // a sample precision libjpeg refuses
        let hugePNG = try Self.pngHeader(width: 5000, height: 5000)
        let pixels = { (values: [Double]) in try JSONEncoder().encode(["pixels": values]) }

        let cases: [(name: String, body: Data, type: String?, status: Int, code: String, mentions: String)] = [
            ("text as PNG", Data("hello, this is text".utf8), "image/png", 400, "notAnImage", "PNG, JPEG or PGM"),
            ("empty body", Data(), "image/png", 400, "notAnImage", "empty"),
            ("truncated PNG", png.prefix(png.count / 2), "image/png", 400, "truncated", "ends too early"),
            ("truncated JPEG", jpeg.prefix(jpeg.count / 2), "image/jpeg", 400, "truncated", "ends too early"),
            ("damaged JPEG", damagedJPEG, "image/jpeg", 400, "damagedImage", "precision"),
            ("body over the limit", Data(count: 1_500_000), "image/png", 413, "bodyTooLarge", "1000000 bytes"),
            ("picture over the pixel limit", hugePNG, "image/png", 413, "imageTooLarge", "5000×5000"),
            ("wrong content type", png, "text/plain", 415, "unsupportedMediaType", "text/plain"),
            ("GIF", Data("GIF89a".utf8), "image/gif", 415, "unsupportedMediaType", "image/gif"),
            ("784 expected", try pixels([Double](repeating: 0.5, count: 100)), "application/json", 422, "wrongPixelCount", "expected 784 pixels"),
            ("pixel above 1", try pixels([Double](repeating: 0, count: 783) + [2]), "application/json", 422, "pixelOutOfRange", "pixel 783"),
            ("not JSON", Data("{pixels: oops".utf8), "application/json", 400, "invalidJSON", "pixels"),
            ("JSON without pixels", Data(#"{"image": [1, 2]}"#.utf8), "application/json", 400, "invalidJSON", "\"pixels\""),
            ("blank picture", try Image(width: 50, height: 50, channels: 1, repeating: 1).pngData(), "image/png", 422, "blankImage", "blank"),
        ]
        for bad in cases {
            let answer = try await server.send("POST", "/predict", body: bad.body, contentType: bad.type)
            #expect(answer.status == bad.status, "\(bad.name)")
            #expect(answer.contentType.hasPrefix("application/json"), "\(bad.name)")
            let error = try JSONDecoder().decode(ErrorAnswer.self, from: answer.body).error
            #expect(error.code == bad.code, "\(bad.name)")
            #expect(error.message.contains(bad.mentions), "\(bad.name): \(error.message)")
        }

        let unknown = try await server.send("GET", "/nowhere")
        #expect(unknown.status == 404)
        #expect(try JSONDecoder().decode(ErrorAnswer.self, from: unknown.body).error.code == "notFound")

        let after = try await server.send("POST", "/predict", body: png, contentType: "image/png")
        #expect(after.status == 200, "the server still answers after the bad requests")
        #expect(try JSONDecoder().decode(PredictionAnswer.self, from: after.body).digit == setup.expected(for: TrainedModel.page(of: setup.digits[0])).digit)
    }

    /// A PNG signature and IHDR chunk declaring `width`×`height` 8-bit grey, with a valid CRC, and nothing
    /// else: the server must refuse it from the header alone.
    static func pngHeader(width: Int, height: Int) throws -> Data {
        func bigEndian(_ value: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8((value >> $0) & 0xFF) } }
        let chunk: [UInt8] = Array("IHDR".utf8) + bigEndian(width) + bigEndian(height) + [8, 0, 0, 0, 0]
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + bigEndian(13) + chunk + bigEndian(Int(crc32(chunk))))
    }

    /// CRC-32 (ISO 3309) as PNG chunks use it.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
