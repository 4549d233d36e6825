import Dispatch
import Foundation
import Synchronization

/// MNIST, Fashion-MNIST, or another dataset in their format: 28×28 grey images with class labels, split
/// into a training and a test set.
///
/// ```swift
/// let mnist = try MNIST()                          // finds the files, or downloads and verifies them
/// mnist.train.inputs.shape                         // [60000, 28, 28, 1]: Float32 pixels in [0, 1], NHWC
/// mnist.train.labels[0]                            // 5
/// let fashion = try MNIST(variant: .fashion)
/// fashion.variant.classNames[Int(fashion.test.labels[0])]   // "Ankle boot"
/// ```
///
/// The files are looked for, in order:
/// 1. in `directory`, when given;
/// 2. in the directory named by the variant's environment variable (`MNIST_DIR`, `FASHION_MNIST_DIR`);
/// 3. in the variant's system directories, when one holds all four files (Debian's
///    `dataset-fashion-mnist` installs Fashion-MNIST in `/usr/share/datasets/fashion-mnist`);
/// 4. in the per-user cache, `$XDG_CACHE_HOME/swiftcnn/<name>` or `~/.cache/swiftcnn/<name>`.
///
/// Each file may be gzip-compressed (`train-images-idx3-ubyte.gz`) or not (`train-images-idx3-ubyte`).
/// Missing files are downloaded from the variant's mirrors when `downloadMissingFiles` allows it, and
/// kept only once their SHA-256 matches the published one.
public struct MNIST: Sendable {
    /// Which dataset this is.
    public let variant: Variant
    /// The directory the files were read from.
    public let directory: URL
    /// The training set.
    public let train: LabeledDataset
    /// The test set.
    public let test: LabeledDataset

    /// The four files of an MNIST-format dataset, uncompressed names.
    public static let fileNames = [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    ]

    /// Loads `variant`, finding its files as described above.
    ///
    /// - Parameters:
    ///   - variant: handwritten digits (MNIST) or Fashion-MNIST.
    ///   - directory: where the files are; by default they are looked for as described above.
    ///   - downloadMissingFiles: whether to download files missing from the directory; by default only
    ///     when it is the per-user cache, so a directory you name is never written to unasked.
    /// - Throws: ``MNISTError`` when files are missing and not downloaded, ``DownloadError`` when a
    ///   download fails, ``IDXError`` when a file is damaged or not what the dataset needs.
    public init(variant: Variant = .digits, directory: URL? = nil, downloadMissingFiles: Bool? = nil) throws {
        try self.init(variant: variant, directory: directory, downloadMissingFiles: downloadMissingFiles,
                      environment: ProcessInfo.processInfo.environment)
    }

    init(variant: Variant, directory explicitDirectory: URL?, downloadMissingFiles: Bool?,
         environment: [String: String]) throws {
        let (directory, source) = Self.locate(variant, explicitDirectory: explicitDirectory, environment: environment)
        let missing = Self.fileNames.filter { Self.existingFile($0, in: directory) == nil }
        if !missing.isEmpty {
            guard downloadMissingFiles ?? (source == .cache) else {
                throw MNISTError.missingFiles(dataset: variant.name, directory: directory.path, files: missing,
                                              hint: source.hint(for: variant))
            }
            let downloader = DatasetDownloader(mirrors: variant.mirrors)
            for name in missing {
                guard let checksum = variant.checksums[name] else {
                    preconditionFailure("\(variant.name) has no SHA-256 for \(name), so a download cannot be verified")
                }
                try downloader.download(name + ".gz", expectedSHA256: checksum, into: directory)
            }
        }

        // The two splits load side by side. Through Dispatch rather than the kernels' worker pool: this is
        // file reading and decompression, and must not take the pool from a training loop that is running.
        let classCount = variant.classNames.count
        let loaded = Mutex<[Result<LabeledDataset, Error>?]>([nil, nil])
        DispatchQueue.concurrentPerform(iterations: 2) { split in
            let result = Result {
                try Self.loadSplit(split == 0 ? "train" : "t10k", from: directory, classCount: classCount)
            }
            loaded.withLock { $0[split] = result }
        }
        let splits = loaded.withLock { $0 }
        self.variant = variant
        self.directory = directory
        train = try splits[0]!.get()
        test = try splits[1]!.get()
    }
}

// MARK: - Finding the files

extension MNIST {
    /// Where a dataset directory came from, which decides whether downloading into it is the default.
    enum DirectorySource: Equatable {
        case explicit, environment, system, cache

        func hint(for variant: Variant) -> String {
            switch self {
            case .explicit:
                return "put the files there, or pass downloadMissingFiles: true to download them"
            case .environment:
                return "\(variant.environmentVariable) names this directory; put the files there or unset it"
            case .system, .cache:
                return "set \(variant.environmentVariable) to a directory holding them, "
                    + "or pass downloadMissingFiles: true to download them here"
            }
        }
    }

    /// The directory to read `variant` from, by the lookup order in ``MNIST``.
    static func locate(_ variant: Variant, explicitDirectory: URL?,
                       environment: [String: String]) -> (URL, DirectorySource) {
        if let explicitDirectory {
            return (explicitDirectory, .explicit)
        }
        if let path = environment[variant.environmentVariable], !path.isEmpty {
            return (URL(fileURLWithPath: path, isDirectory: true), .environment)
        }
        if let system = variant.systemDirectories.first(where: { directory in
            fileNames.allSatisfy { existingFile($0, in: directory) != nil }
        }) {
            return (system, .system)
        }
        return (cacheDirectory(for: variant, environment: environment), .cache)
    }

    /// `$XDG_CACHE_HOME/swiftcnn/<cacheName>`, or `~/.cache/swiftcnn/<cacheName>` when that variable is
    /// unset or not an absolute path (which the XDG specification says to ignore).
    static func cacheDirectory(for variant: Variant, environment: [String: String]) -> URL {
        let cache: URL
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            cache = URL(fileURLWithPath: xdg, isDirectory: true)
        } else {
            let home = environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
                ?? FileManager.default.homeDirectoryForCurrentUser
            cache = home.appendingPathComponent(".cache", isDirectory: true)
        }
        return cache.appendingPathComponent("swiftcnn", isDirectory: true)
            .appendingPathComponent(variant.cacheName, isDirectory: true)
    }

    /// `directory/name`, else `directory/name.gz`, whichever is a regular file.
    static func existingFile(_ name: String, in directory: URL) -> URL? {
        for candidate in [name, name + ".gz"] {
            let url = directory.appendingPathComponent(candidate)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return url
            }
        }
        return nil
    }
}

// MARK: - Reading a split

extension MNIST {
    /// The images (`<prefix>-images-idx3-ubyte`) and labels (`<prefix>-labels-idx1-ubyte`) of one split.
    static func loadSplit(_ prefix: String, from directory: URL, classCount: Int) throws -> LabeledDataset {
        let imagesURL = try found("\(prefix)-images-idx3-ubyte", in: directory)
        let labelsURL = try found("\(prefix)-labels-idx1-ubyte", in: directory)
        let images = try IDXFile(contentsOf: imagesURL)
        guard images.elementType == .uint8, images.dimensions.count == 3 else {
            throw IDXError.unexpectedContent(
                file: imagesURL.path, found: "\(images.elementType) elements of dimensions \(images.dimensions)",
                expected: "uint8 images of dimensions [count, height, width]")
        }
        let imageCount = images.dimensions[0]
        let labelFile = try IDXFile(contentsOf: labelsURL)
        guard labelFile.elementType == .uint8, labelFile.dimensions == [imageCount] else {
            throw IDXError.unexpectedContent(
                file: labelsURL.path, found: "\(labelFile.elementType) elements of dimensions \(labelFile.dimensions)",
                expected: "uint8 labels of dimensions [\(imageCount)], one per image in \(imagesURL.lastPathComponent)")
        }
        let labels = labelFile.integers()
        if let index = labels.firstIndex(where: { $0 >= classCount }) {
            throw IDXError.unexpectedContent(file: labelsURL.path, found: "label \(labels[index]) at index \(index)",
                                             expected: "labels 0...\(classCount - 1)")
        }
        let inputs = images.tensor(dividedBy: 255).reshaped(to: images.dimensions + [1])
        return LabeledDataset(inputs: inputs, labels: labels, classCount: classCount)
    }

    private static func found(_ name: String, in directory: URL) throws -> URL {
        guard let url = existingFile(name, in: directory) else {
            throw IDXError.unreadable(file: directory.appendingPathComponent(name).path,
                                      reason: "neither \(name) nor \(name).gz exists")
        }
        return url
    }
}

/// Why an MNIST-format dataset could not be loaded before reading its files.
public enum MNISTError: Error, Equatable, CustomStringConvertible {
    /// `files` are missing from `directory` and were not downloaded; `hint` says how to provide them.
    case missingFiles(dataset: String, directory: String, files: [String], hint: String)

    public var description: String {
        switch self {
        case let .missingFiles(dataset, directory, files, hint):
            return "\(dataset) files missing from \(directory): \(files.joined(separator: ", ")) "
                + "(or their .gz); \(hint)"
        }
    }
}
