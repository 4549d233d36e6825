import Foundation
import Hummingbird

/// A request the server refuses: a 4xx status and a JSON body
/// `{"error": {"code": "truncated", "message": "…"}}` naming the problem.
public struct APIError: HTTPResponseError, Equatable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A stable identifier for programs: `bodyTooLarge`, `unsupportedMediaType`, `notAnImage`, `truncated`,
    /// `damagedImage`, `emptyImage`, `imageTooLarge`, `blankImage`, `invalidJSON`, `wrongPixelCount`,
    /// `pixelOutOfRange`, `notFound`.
    public var code: String
    /// What was wrong and what was expected, for people.
    public var message: String

    /// An error with `status`, `code` and `message`.
    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// The JSON body.
    private struct Body: Encodable {
        struct Detail: Encodable { var code: String; var message: String }
        var error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder().encode(Body(error: .init(code: code, message: message)))
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
