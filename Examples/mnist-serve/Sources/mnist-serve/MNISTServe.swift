import ArgumentParser
import Foundation
import MNISTServer

/// Serves a model trained by mnist-train over HTTP, with a page to draw digits on.
@main
struct MNISTServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist-serve",
        abstract: "Serve a model saved by mnist-train over HTTP, with a page to draw digits on.",
        discussion: """
            GET / is a page to draw a digit on (or upload a photo of one) that shows the prediction as you \
            draw. POST /predict takes a PNG, JPEG or PGM picture, or JSON {"pixels": [784 values in 0...1]}, \
            and answers JSON with the digit, the ten probabilities and the 28×28 image the network saw. \
            GET /model describes the model, GET /health answers {"status": "ok"}.
            """)

    @Option(help: "The model file written by mnist-train.")
    var model = "mnist-model.safetensors"

    @Option(help: "The address to listen on (0.0.0.0 for every interface).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one. The URL is printed once the server listens.")
    var port = 8080

    @Option(help: "The threads that decode and classify pictures (and as many network threads).")
    var threads = 2

    @Option(help: "The largest request body accepted, in bytes.")
    var maxBodySize = 4 * 1024 * 1024

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        guard maxBodySize > 0 else { throw ValidationError("--max-body-size must be positive") }
    }

    func run() async throws {
        let service: ModelService
        do {
            service = try ModelService(contentsOf: URL(fileURLWithPath: model))
        } catch let error as ServiceError {
            FileHandle.standardError.write(Data("mnist-serve: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.threads = threads
        configuration.maximumBodySize = maxBodySize
        let accuracy = service.evaluation.map { ", \(String(format: "%.2f", $0.accuracy * 100)) % on the \($0.dataset) test set" } ?? ""
        try await Server(service: service, configuration: configuration).run { url in
            // Flushed at once: a script or test waiting for this line reads it through a pipe.
            FileHandle.standardOutput.write(Data("mnist-serve: \(model) (\(service.parameterCount) parameters\(accuracy))\nlistening on \(url)\n".utf8))
        }
    }
}
