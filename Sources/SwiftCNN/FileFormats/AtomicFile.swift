import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces a file all at once: readers, and the disk after a crash, see the old contents or the new ones,
/// never a mixture or a truncated file.
///
/// A save killed before its rename leaves its temporary file (`.<name>.<UUID>.tmp`) behind; the next save to
/// the same path removes every such file that no running save holds. A save holds its temporary file
/// locked (`flock`) from creation to rename, and the kernel drops the lock when a process dies, so an
/// unlocked one is stale.
enum AtomicFile {
    /// Why a write failed, as the operating system put it.
    struct Failure: Error {
        var reason: String
    }

    /// Writes `data` to a temporary file beside `url`, flushes it to disk, and renames it over `url`.
    ///
    /// The temporary file shares the directory so the rename stays within one file system, where POSIX
    /// makes it atomic. On any failure the temporary file is removed and `url` is left as it was.
    static func replaceContents(of url: URL, with data: Data) throws {
        removeStaleTemporaryFiles(of: url)
        let destination = url.path
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent("\(temporaryPrefix(of: url))\(UUID().uuidString).tmp").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot create a temporary file beside it") }
        // Held until the file is renamed or removed; closing the descriptor releases it.
        _ = flock(descriptor, LOCK_EX | LOCK_NB)
        defer { close(descriptor) }
        do {
            try writeAll(data, to: descriptor)
            guard fsync(descriptor) == 0 else { throw failure("cannot flush the temporary file to disk") }
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, destination) == 0 else {
            let error = failure("cannot move the temporary file into place")
            unlink(temporary)
            throw error
        }
        syncDirectory(of: url)
    }

    /// The start of the names of `url`'s temporary files.
    private static func temporaryPrefix(of url: URL) -> String {
        ".\(url.lastPathComponent)."
    }

    /// Removes the temporary files of earlier saves to `url` that were interrupted: those no save holds
    /// locked. Best effort: a file that cannot be opened or removed is left.
    private static func removeStaleTemporaryFiles(of url: URL) {
        let directory = url.deletingLastPathComponent()
        let prefix = temporaryPrefix(of: url)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp")
            && UUID(uuidString: String(name.dropFirst(prefix.count).dropLast(4))) != nil {
            let path = directory.appendingPathComponent(name).path
            let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard descriptor >= 0 else { continue }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { unlink(path) }
            close(descriptor)
        }
    }

    private static func writeAll(_ data: Data, to descriptor: Int32) throws {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var written = 0
            while written < bytes.count {
                let result = write(descriptor, bytes.baseAddress.map { $0 + written }, bytes.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw failure("cannot write the temporary file")
                }
                written += result
            }
        }
    }

    /// Flushes the directory entry so the rename itself survives a crash. Best effort: some file systems
    /// refuse to sync directories, and the data is already safe in either name.
    private static func syncDirectory(of url: URL) {
        let directory = open(url.deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        guard directory >= 0 else { return }
        _ = fsync(directory)
        close(directory)
    }

    private static func failure(_ what: String) -> Failure {
        Failure(reason: "\(what) (\(String(cString: strerror(errno))))")
    }
}
