import Foundation
@testable import SwiftCNN
import Testing
import TestSupport

/// Runs `body` with the base URL of Python's HTTP server serving `directory` on 127.0.0.1, stopping the
/// server afterwards. The server picks a free port and reports it on its first line of output.
@discardableResult
private func withHTTPServer<R>(serving directory: URL, _ body: (URL) throws -> R) throws -> R {
    let server = Process()
    server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    server.arguments = ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory.path]
    let output = Pipe()
    server.standardOutput = output
    server.standardError = FileHandle.nullDevice
    try server.run()
    defer {
        // SIGKILL, not terminate()'s SIGTERM: children of the test runner inherit a signal mask that
        // blocks SIGTERM, so the server would never exit.
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
    }
    // "Serving HTTP on 127.0.0.1 port 43121 (http://127.0.0.1:43121/) ..."
    var banner = ""
    while !banner.contains("\n") {
        let chunk = output.fileHandleForReading.availableData
        guard !chunk.isEmpty else { break }
        banner += String(decoding: chunk, as: UTF8.self)
    }
    let port = try #require(banner.split(separator: " ").drop { $0 != "port" }.dropFirst().first.flatMap { Int($0) },
                            "no port in the server's banner: \(banner)")
    return try body(URL(string: "http://127.0.0.1:\(port)/")!)
}

/// The contents of `directory`, sorted; empty if it does not exist.

/// A port on which nothing listens, so connecting fails at once without leaving the machine.
private let refusingMirror = URL(string: "http://127.0.0.1:1/")!

private let content = Array("0123456789 fake dataset content".utf8)
private let contentSum = SHA256.hexDigest(of: content)

/// A served tree: `good/data.gz` is `content` gzipped, `bad/data.gz` other content, `broken/data.gz`
/// gzip with a damaged checksum.
private func serveMirrors(in root: URL) throws {
    var brokenGzip = Gzip.compress(content)
    brokenGzip[brokenGzip.count - 8] ^= 0xFF  // the CRC-32 of the content
    let files: [(String, [UInt8])] = [
        ("good", Gzip.compress(content)),
        ("bad", Gzip.compress(Array("something else".utf8))),
        ("broken", brokenGzip),
    ]
    for (folder, bytes) in files {
        let directory = root.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(bytes).write(to: directory.appendingPathComponent("data.gz"))
    }
}

@Suite struct DownloadTests {
    @Test func downloadsAndVerifiesAFile() throws {
        try withTemporaryDirectory { scratch in
            let served = scratch.appendingPathComponent("served")
            let destination = scratch.appendingPathComponent("cache/nested")
            try serveMirrors(in: served)
            try withHTTPServer(serving: served) { base in
                let downloader = DatasetDownloader(mirrors: [base.appendingPathComponent("good/")])
                let url = try downloader.download("data.gz", expectedSHA256: contentSum.uppercased(), into: destination)
                #expect(url == destination.appendingPathComponent("data.gz"))
                #expect(try Gzip.decompress([UInt8](Data(contentsOf: url))) == content)
                #expect(fileNames(in: destination) == ["data.gz"])
            }
        }
    }

    @Test func aMirrorAnswering404PassesToTheNext() throws {
        try withTemporaryDirectory { scratch in
            let served = scratch.appendingPathComponent("served")
            let destination = scratch.appendingPathComponent("cache")
            try serveMirrors(in: served)
            try withHTTPServer(serving: served) { base in
                let downloader = DatasetDownloader(mirrors: [base.appendingPathComponent("missing/"),
                                                             refusingMirror, base.appendingPathComponent("good/")])
                try downloader.download("data.gz", expectedSHA256: contentSum, into: destination)
                #expect(fileNames(in: destination) == ["data.gz"])
            }
        }
    }

    @Test func aWrongChecksumIsRejectedAndLeavesNoFile() throws {
        try withTemporaryDirectory { scratch in
            let served = scratch.appendingPathComponent("served")
            let destination = scratch.appendingPathComponent("cache")
            try serveMirrors(in: served)
            try withHTTPServer(serving: served) { base in
                let bad = base.appendingPathComponent("bad/data.gz").absoluteString
                let downloader = DatasetDownloader(mirrors: [base.appendingPathComponent("bad/")])
                let error = #expect(throws: DownloadError.self) {
                    try downloader.download("data.gz", expectedSHA256: contentSum, into: destination)
                }
                let actual = SHA256.hexDigest(of: Array("something else".utf8))
                #expect(error == .allMirrorsFailed(file: "data.gz", failures: [
                    .checksumMismatch(url: bad, expected: contentSum, actual: actual),
                ]))
                #expect(fileNames(in: destination).isEmpty)
            }
        }
    }

    @Test func everyMirrorsFailureIsReportedInOrder() throws {
        try withTemporaryDirectory { scratch in
            let served = scratch.appendingPathComponent("served")
            let destination = scratch.appendingPathComponent("cache")
            try serveMirrors(in: served)
            try withHTTPServer(serving: served) { base in
                let mirrors = ["missing/", "broken/"].map { base.appendingPathComponent($0) } + [refusingMirror]
                let downloader = DatasetDownloader(mirrors: mirrors)
                let error = #expect(throws: DownloadError.self) {
                    try downloader.download("data.gz", expectedSHA256: contentSum, into: destination)
                }
                guard case let .allMirrorsFailed(file, failures)? = error, failures.count == 3 else {
                    Issue.record("expected three failures, got \(String(describing: error))")
                    return
                }
                #expect(file == "data.gz")
                #expect(failures[0] == .httpStatus(url: mirrors[0].appendingPathComponent("data.gz").absoluteString,
                                                   status: 404))
                #expect(failures[1] == .corruptedGzip(url: mirrors[1].appendingPathComponent("data.gz").absoluteString,
                                                      reason: .corrupted(reason: "incorrect data check")))
                guard case .transport = failures[2] else {
                    Issue.record("expected a transport failure, got \(failures[2])")
                    return
                }
                #expect(error?.description.contains("Could not download data.gz from any mirror") == true)
                #expect(fileNames(in: destination).isEmpty)
            }
        }
    }

    @Test func mnistDownloadsMissingFilesIntoTheCacheThenReadsThem() throws {
        try withTemporaryDirectory { scratch in
            let served = scratch.appendingPathComponent("served")
            try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
            let checksums = try writeFakeMNIST(in: served, trainCount: 4, testCount: 3)
            let cache = scratch.appendingPathComponent("xdg")
            let environment = ["XDG_CACHE_HOME": cache.path, "HOME": scratch.path]
            let expectedDirectory = cache.appendingPathComponent("swiftcnn/fake-mnist")

            let downloaded = try withHTTPServer(serving: served) { base in
                try MNIST(variant: fakeVariant(mirrors: [refusingMirror, base], checksums: checksums),
                          directory: nil, downloadMissingFiles: nil, environment: environment)
            }
            #expect(downloaded.directory.standardizedFileURL.path == expectedDirectory.standardizedFileURL.path)
            #expect(downloaded.train.inputs.shape == [4, 4, 3, 1] && downloaded.test.labels == [0, 1, 2])
            #expect(fileNames(in: expectedDirectory) == MNIST.fileNames.map { $0 + ".gz" }.sorted())

            // With the server gone, the cached files are all that is needed.
            let cached = try MNIST(variant: fakeVariant(checksums: checksums), directory: nil,
                                   downloadMissingFiles: nil, environment: environment)
            #expect(cached.train.labels == downloaded.train.labels)
        }
    }

    @Test func mnistRefusesADownloadWhoseChecksumIsWrong() throws {
        try withTemporaryDirectory { scratch in
            let served = scratch.appendingPathComponent("served")
            try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
            var checksums = try writeFakeMNIST(in: served)
            checksums["train-labels-idx1-ubyte"] = String(repeating: "0", count: 64)
            let target = scratch.appendingPathComponent("target")
            try withHTTPServer(serving: served) { base in
                #expect(throws: DownloadError.self) {
                    try MNIST(variant: fakeVariant(mirrors: [base], checksums: checksums), directory: target,
                              downloadMissingFiles: true)
                }
            }
            #expect(!fileNames(in: target).contains("train-labels-idx1-ubyte.gz"))
        }
    }
}
