import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import SwiftCNN

/// The mnist-serve HTTP server: the drawing page at `/`, `POST /predict`, `GET /model` and `GET /health`.
///
/// Decoding and classifying run on a pool of ``ServerConfiguration/threads`` threads, so requests are
/// answered in parallel and the network threads never wait for the model.
public struct Server: Sendable {
    /// The classifier behind `/predict`.
    public let service: ModelService
    /// Where to listen, and the limits.
    public let configuration: ServerConfiguration

    /// A server for `service`.
    ///
    /// - Parameters:
    ///   - service: The loaded model.
    ///   - configuration: The address, threads and body limit.
    public init(service: ModelService, configuration: ServerConfiguration) {
        self.service = service
        self.configuration = configuration
    }

    /// Serves until the process is asked to stop (SIGINT or SIGTERM).
    ///
    /// - Parameter onListening: Called once with the server's URL when it accepts connections (with the
    ///   real port when the configuration asks for port 0).
    public func run(onListening: @escaping @Sendable (String) -> Void) async throws {
        // One request classifies one image: the library's own threads would only compete with the pool's.
        Backend.threadCount = 1
        let pool = NIOThreadPool(numberOfThreads: configuration.threads)
        pool.start()
        let network = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        let host = configuration.host
        let application = Application(
            responder: JSONErrorResponder(inner: Routes(service: service, pool: pool,
                                                        maximumBodySize: configuration.maximumBodySize).router.buildResponder()),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "mnist-serve"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                onListening("http://\(host.contains(":") ? "[\(host)]" : host):\(port)/")
            },
            eventLoopGroupProvider: .shared(network))
        do {
            try await application.runService()
        } catch {
            try? await pool.shutdownGracefully()
            try? await network.shutdownGracefully()
            throw error
        }
        try await pool.shutdownGracefully()
        try await network.shutdownGracefully()
    }
}

/// Turns Hummingbird's own answers for requests it refuses (no such route, an empty 404; its HTTP errors)
/// into the JSON errors of the API. The routes themselves never answer 404.
struct JSONErrorResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context: RequestContext {
    let inner: Inner

    func respond(to request: Request, context: Inner.Context) async throws -> Response {
        do {
            let response = try await inner.respond(to: request, context: context)
            guard response.status != .notFound else {
                return try APIError(.notFound, code: "notFound",
                                    message: "no \(request.method) \(request.uri.path): the routes are GET /, GET /health, GET /model and POST /predict")
                    .response(from: request, context: context)
            }
            return response
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "notFound" : "httpError"
            return try APIError(error.status, code: code,
                                message: error.body ?? "\(request.method) \(request.uri.path): \(error.status.reasonPhrase)")
                .response(from: request, context: context)
        }
    }
}
