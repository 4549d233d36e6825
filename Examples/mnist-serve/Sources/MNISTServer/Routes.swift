import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import SwiftCNNVision

/// The routes of the API and the page.
struct Routes: Sendable {
    let service: ModelService
    /// Where pictures are decoded and classified, off the network threads.
    let pool: NIOThreadPool
    let maximumBodySize: Int

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                     body: .init(byteBuffer: ByteBuffer(bytes: Page.html)))
        }
        router.get("/health") { _, _ in
            try Self.json(["status": "ok"])
        }
        router.get("/model") { _, _ in
            try Self.json(ModelDescription(service: service))
        }
        router.post("/predict") { request, _ in
            try await predict(request)
        }
        return router
    }

    private func predict(_ request: Request) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maximumBodySize {
            throw bodyTooLarge()
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumBodySize)
        } catch is NIOTooManyBytesError {
            throw bodyTooLarge()
        }
        let kind = try PredictionRequest(body: Data(body.readableBytesView), contentType: request.headers[.contentType])
        let service = self.service
        let prediction = try await pool.runIfActive {
            let start = DispatchTime.now()
            let picture: Image
            switch kind {
            case let .picture(data): picture = try PredictionRequest.decode(data)
            case let .pixels(values): picture = try PredictionRequest.picture(fromPixels: values, side: service.side)
            }
            let decodeSeconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            do {
                return try service.predict(picture: picture, decodeSeconds: decodeSeconds)
            } catch let error as MNISTPreprocessingError {
                throw APIError(.unprocessableContent, code: "blankImage", message: "\(error)")
            }
        }
        return try Self.json(PredictionResponse(prediction))
    }

    private func bodyTooLarge() -> APIError {
        APIError(.contentTooLarge, code: "bodyTooLarge",
                 message: "the body is larger than this server's limit of \(maximumBodySize) bytes")
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
