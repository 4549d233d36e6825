import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The real `mnist-serve` executable, built beside the test bundle, run as a subprocess on a free loopback
/// port (`--port 0`) and stopped with SIGTERM when the test is done.
final class RunningServer {
    let process = Process()
    let url: URL
    let session: URLSession

    /// The executable's path: the test bundle is built into the same directory.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("mnist-serve")
    }

    /// Starts the server and waits (at most 60 s) for the URL it prints once it listens.
    init(model: URL, arguments: [String] = []) throws {
        let executable = Self.executable
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build mnist-serve first: \(executable.path)")
        process.executableURL = executable
        process.arguments = ["--model", model.path, "--port", "0"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()

        let reader = output.fileHandleForReading
        var printed = ""
        let deadline = Date().addingTimeInterval(60)
        while !printed.contains("listening on "), Date() < deadline {
            let chunk = reader.availableData
            if chunk.isEmpty { break }     // the server exited
            printed += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = printed.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }),
              let url = URL(string: String(line.dropFirst("listening on ".count))) else {
            process.terminate()
            throw ServerDidNotStart(output: printed)
        }
        self.url = url
        // Keep reading what the server logs, so that a full pipe never blocks it.
        reader.readabilityHandler = { _ = $0.availableData }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.timeoutIntervalForRequest = 60
        session = URLSession(configuration: configuration)
    }

    struct ServerDidNotStart: Error, CustomStringConvertible {
        var output: String
        var description: String { "mnist-serve printed no URL; its output: \(output)" }
    }

    /// Stops the server (SIGTERM) and waits for it to exit.
    func stop() {
        (process.standardOutput as? Pipe)?.fileHandleForReading.readabilityHandler = nil
        session.invalidateAndCancel()
        process.terminate()
        process.waitUntilExit()
    }

    /// Sends a request and returns the status, the Content-Type and the body.
    func send(_ method: String, _ path: String, body: Data? = nil, contentType: String? = nil) async throws
        -> (status: Int, contentType: String, body: Data) {
        var request = URLRequest(url: URL(string: path, relativeTo: url)!)
        request.httpMethod = method
        request.httpBody = body
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type") ?? "", data)
    }
}

/// An executable run to completion, for the start-up failures.
func runToExit(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, errors: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let data = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
