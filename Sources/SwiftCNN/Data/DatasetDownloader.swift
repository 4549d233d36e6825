import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads dataset files from a list of mirrors, keeping a file only once its content has the
/// expected SHA-256.
///
/// Mirrors are tried in order until one delivers a file whose uncompressed content matches the sum;
/// a mirror that fails (HTTP error, unreachable, damaged or wrong content) passes the turn to the next.
/// A file is written to its destination only after it has been verified, and atomically (to a temporary
/// file, then renamed), so the directory never holds a half-written or unverified file.
///
/// ```swift
/// let downloader = DatasetDownloader(mirrors: [URL(string: "https://ossci-datasets.s3.amazonaws.com/mnist/")!])
/// let url = try downloader.download("t10k-labels-idx1-ubyte.gz",
///                                   expectedSHA256: "ff7bcfd4…", into: cacheDirectory)
/// ```
public struct DatasetDownloader: Sendable {
    /// Base URLs, tried in order; a file's URL is its mirror followed by its name.
    public var mirrors: [URL]
    /// Seconds to wait for data from a mirror before giving up on it.
    public var timeout: TimeInterval

    /// A downloader trying `mirrors` in order.
    public init(mirrors: [URL], timeout: TimeInterval = 60) {
        self.mirrors = mirrors
        self.timeout = timeout
    }

    /// Downloads `name` from the first mirror that has it with the right content and saves it in
    /// `directory` (created if needed) under the same name.
    ///
    /// - Parameters:
    ///   - name: the file's name on the mirrors and in `directory`.
    ///   - expectedSHA256: the SHA-256 of the file's uncompressed content, in hexadecimal (the download
    ///     itself may be gzip, told apart by its magic bytes, and is saved as downloaded).
    ///   - directory: where to save it; created if needed.
    /// - Returns: the URL of the saved file.
    /// - Throws: ``DownloadError/allMirrorsFailed(file:failures:)`` listing why each mirror failed, or
    ///   ``DownloadError/cannotSave(file:reason:)``.
    @discardableResult
    public func download(_ name: String, expectedSHA256: String, into directory: URL) throws -> URL {
        precondition(!mirrors.isEmpty, "DatasetDownloader needs at least one mirror to download \(name)")
        var failures: [DownloadError] = []
        for mirror in mirrors {
            let url = mirror.appendingPathComponent(name)
            do {
                let bytes = try fetch(url)
                try verify(bytes, from: url, expectedSHA256: expectedSHA256)
                return try save(bytes, as: name, in: directory)
            } catch let failure as DownloadError {
                if case .cannotSave = failure { throw failure }
                failures.append(failure)
            }
        }
        throw DownloadError.allMirrorsFailed(file: name, failures: failures)
    }

    private func verify(_ bytes: [UInt8], from url: URL, expectedSHA256: String) throws {
        let content: [UInt8]
        do {
            content = try Gzip.decompressIfGzipped(bytes)
        } catch let error as GzipError {
            throw DownloadError.corruptedGzip(url: url.absoluteString, reason: error)
        }
        let actual = SHA256.hexDigest(of: content)
        guard actual == expectedSHA256.lowercased() else {
            throw DownloadError.checksumMismatch(url: url.absoluteString, expected: expectedSHA256.lowercased(),
                                                 actual: actual)
        }
    }

    private func save(_ bytes: [UInt8], as name: String, in directory: URL) throws -> URL {
        let destination = directory.appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try AtomicFile.replaceContents(of: destination, with: Data(bytes))
        } catch let failure as AtomicFile.Failure {
            throw DownloadError.cannotSave(file: destination.path, reason: failure.reason)
        } catch {
            throw DownloadError.cannotSave(file: destination.path, reason: error.localizedDescription)
        }
        return destination
    }

    /// The body of a successful GET of `url`. Blocks: dataset loading is synchronous, and the
    /// downloader is used once per missing file.
    private func fetch(_ url: URL) throws -> [UInt8] {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }

        let outcome = FetchOutcome()
        let finished = DispatchSemaphore(value: 0)
        session.dataTask(with: url) { data, response, error in
            if let error {
                outcome.result = .failure(.transport(url: url.absoluteString, reason: error.localizedDescription))
            } else if let status = (response as? HTTPURLResponse)?.statusCode, status != 200 {
                outcome.result = .failure(.httpStatus(url: url.absoluteString, status: status))
            } else {
                outcome.result = .success([UInt8](data ?? Data()))
            }
            finished.signal()
        }.resume()
        finished.wait()
        return try outcome.result.get()
    }
}

/// Carries a download's result out of URLSession's completion handler; the semaphore orders the
/// handler's write before the waiting thread's read.
private final class FetchOutcome: @unchecked Sendable {
    var result: Result<[UInt8], DownloadError> = .success([])
}

/// Why a dataset file could not be downloaded.
public enum DownloadError: Error, Equatable, CustomStringConvertible {
    /// The server answered with an HTTP status other than 200.
    case httpStatus(url: String, status: Int)
    /// No answer: the host is unreachable, the connection broke or timed out.
    case transport(url: String, reason: String)
    /// The download starts like gzip but does not decompress.
    case corruptedGzip(url: String, reason: GzipError)
    /// The uncompressed content's SHA-256 is `actual`, not the `expected` one.
    case checksumMismatch(url: String, expected: String, actual: String)
    /// Every mirror failed; `failures` says why, in mirror order.
    case allMirrorsFailed(file: String, failures: [DownloadError])
    /// The verified file could not be written to `file`.
    case cannotSave(file: String, reason: String)

    public var description: String {
        switch self {
        case let .httpStatus(url, status):
            return "Downloading \(url) failed with HTTP status \(status); expected 200"
        case let .transport(url, reason):
            return "Downloading \(url) failed: \(reason)"
        case let .corruptedGzip(url, reason):
            return "Download from \(url) is damaged: \(reason)"
        case let .checksumMismatch(url, expected, actual):
            return "Download from \(url) has SHA-256 \(actual) (uncompressed); expected \(expected)"
        case let .allMirrorsFailed(file, failures):
            return "Could not download \(file) from any mirror:\n"
                + failures.map { "  - \($0)" }.joined(separator: "\n")
        case let .cannotSave(file, reason):
            return "Cannot save the download to \(file): \(reason)"
        }
    }
}
