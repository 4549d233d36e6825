import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reading for SwiftCNN's readers, with a size ceiling checked before anything is allocated and
/// reasons a user understands when a file cannot be read: "it is a directory", "it does not exist",
/// "permission denied", "it is not a regular file".
///
/// ```swift
/// let data = try FileContents.read(url, maximumSize: FileContents.maximumImageFileSize)
/// ```
public enum FileContents {
    /// The largest model, checkpoint or weight file read: 16 GiB. Such files are mapped rather than read,
    /// and the tensors loaded from one take at most its size.
    public static let maximumModelFileSize = 16 << 30
    /// The largest picture file read: 256 MiB. Decoding is bounded separately, by the pixel count.
    public static let maximumImageFileSize = 256 << 20

    /// The contents of the regular file at `url`.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - maximumSize: the most bytes the file may have; checked before reading.
    ///   - mapped: whether to map the file into memory rather than copy it, when the system allows.
    /// - Throws: ``FileReadError`` saying why the file cannot be read.
    public static func read(_ url: URL, maximumSize: Int, mapped: Bool = false) throws -> Data {
        let path = url.path
        var status = stat()
        guard stat(path, &status) == 0 else { throw FileReadError(reason: reason(errno)) }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            break
        case S_IFDIR:
            throw FileReadError(reason: "it is a directory, not a file")
        default:
            throw FileReadError(reason: "it is a device, pipe or socket, not a regular file")
        }
        guard Int(status.st_size) <= maximumSize else {
            throw FileReadError(reason: "it has \(status.st_size) bytes, more than the \(maximumSize) this reader accepts")
        }
        // Opened once the checks pass: a file that cannot be opened says why in POSIX's words.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileReadError(reason: reason(errno)) }
        close(descriptor)
        do {
            return try Data(contentsOf: url, options: mapped ? .mappedIfSafe : [])
        } catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            if let underlying, underlying.domain == NSPOSIXErrorDomain { throw FileReadError(reason: reason(Int32(underlying.code))) }
            throw FileReadError(reason: "it cannot be read")
        }
    }

    private static func reason(_ error: Int32) -> String {
        switch error {
        case ENOENT: return "it does not exist"
        case EACCES, EPERM: return "permission denied"
        case ENOTDIR: return "a folder on its path is a file"
        default: return String(cString: strerror(error)).lowercased()
        }
    }
}

/// Why a file could not be read, in plain words; the readers wrap it in their own errors, which name the file.
public struct FileReadError: Error, Equatable, CustomStringConvertible {
    /// What is wrong, such as `it is a directory, not a file`.
    public var reason: String

    /// An error explaining `reason`.
    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
