import Foundation
@testable import SwiftCNN
import Testing
import TestSupport

/// A small dataset in MNIST's format, written to `directory`: 4×3 images whose pixels encode their
/// image index, labels i mod 3. Returns the SHA-256 of each file's uncompressed content.
@discardableResult
func writeFakeMNIST(in directory: URL, trainCount: Int = 5, testCount: Int = 2,
                    compressed: Bool = true) throws -> [String: String] {
    var checksums: [String: String] = [:]
    for (prefix, count) in [("train", trainCount), ("t10k", testCount)] {
        let pixels = (0..<count).flatMap { image in (0..<12).map { UInt8(image * 20 + $0) } }
        let images = IDXFile(dimensions: [count, 4, 3], bytes: pixels)
        let labels = IDXFile(dimensions: [count], bytes: (0..<count).map { UInt8($0 % 3) })
        for (name, file) in [("\(prefix)-images-idx3-ubyte", images), ("\(prefix)-labels-idx1-ubyte", labels)] {
            try file.write(to: directory.appendingPathComponent(compressed ? name + ".gz" : name), compressed: compressed)
            checksums[name] = SHA256.hexDigest(of: file.encoded)
        }
    }
    return checksums
}

/// A variant for fake files: three classes, mirrors that refuse connections unless a test gives its own.
func fakeVariant(mirrors: [URL] = [URL(string: "http://127.0.0.1:1/")!], checksums: [String: String] = [:],
                 systemDirectories: [URL] = []) -> MNIST.Variant {
    MNIST.Variant(name: "Fake-MNIST", cacheName: "fake-mnist", environmentVariable: "FAKE_MNIST_DIR",
                  systemDirectories: systemDirectories, mirrors: mirrors, checksums: checksums,
                  classNames: ["zero", "one", "two"])
}

private let mnistDirectory = ProcessInfo.processInfo.environment["MNIST_DIR"]
private let fashionDirectory = MNIST.Variant.fashion.systemDirectories[0]

private func directoryExists(_ path: String?) -> Bool {
    path.map { FileManager.default.fileExists(atPath: $0) } ?? false
}

/// The real MNIST, loaded once for all tests that need it.
private let realMNIST = Result { try MNIST() }

@Suite struct MNISTTests {
    @Test(.enabled(if: directoryExists(mnistDirectory), "MNIST_DIR is not set to an existing directory"))
    func loadsTheRealMNISTFromMNISTDir() throws {
        let mnist = try realMNIST.get()
        #expect(mnist.directory.standardizedFileURL.path == URL(fileURLWithPath: mnistDirectory!).standardizedFileURL.path)
        #expect(mnist.train.count == 60_000 && mnist.test.count == 10_000)
        #expect(mnist.train.inputs.shape == [60_000, 28, 28, 1])
        #expect(mnist.test.inputs.shape == [10_000, 28, 28, 1])
        #expect(mnist.train.classCount == 10)
        #expect(mnist.train.labels[0] == 5 && mnist.test.labels[0] == 7)
        for split in [mnist.train, mnist.test] {
            let range = split.inputs.withUnsafeBufferPointer { ($0.min(), $0.max()) }
            #expect(range.0 == 0 && range.1 == 1)
        }
        // The published class frequencies of the training set.
        var counts = [Int](repeating: 0, count: 10)
        for label in mnist.train.labels { counts[Int(label)] += 1 }
        #expect(counts == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
    }

    @Test(.enabled(if: directoryExists(mnistDirectory), "MNIST_DIR is not set to an existing directory"))
    func embeddedMNISTChecksumsMatchTheFiles() throws {
        try expectChecksumsMatch(MNIST.Variant.digits, in: URL(fileURLWithPath: mnistDirectory!))
    }

    @Test(.enabled(if: directoryExists(fashionDirectory.path), "dataset-fashion-mnist is not installed"))
    func embeddedFashionChecksumsMatchTheFiles() throws {
        try expectChecksumsMatch(MNIST.Variant.fashion, in: fashionDirectory)
    }

    /// Checks the embedded sums with the system's `gzip` and `sha256sum`, which are independent of
    /// SwiftCNN and, unlike a debug build's SHA-256, fast enough for 100 MB.
    private func expectChecksumsMatch(_ variant: MNIST.Variant, in directory: URL) throws {
        for name in MNIST.fileNames {
            let url = try #require(MNIST.existingFile(name, in: directory))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "gzip -dcf \"$0\" | sha256sum", url.path]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(printed.split(separator: " ").first.map(String.init) == variant.checksums[name], "\(name)")
        }
    }

    @Test(.enabled(if: directoryExists(fashionDirectory.path), "dataset-fashion-mnist is not installed"))
    func findsFashionMNISTInItsSystemDirectory() throws {
        try withTemporaryDirectory { home in
            let fashion = try MNIST(variant: .fashion, directory: nil, downloadMissingFiles: false,
                                    environment: ["HOME": home.path])
            #expect(fashion.directory == fashionDirectory)
            #expect(fashion.train.inputs.shape == [60_000, 28, 28, 1] && fashion.test.count == 10_000)
            #expect(fashion.train.labels[0] == 9 && fashion.test.labels[0] == 9)
            #expect(fashion.variant.classNames[9] == "Ankle boot")
        }
    }
}

@Suite struct MNISTLookupTests {
    let variant = fakeVariant(systemDirectories: [URL(fileURLWithPath: "/nonexistent/fake-mnist")])

    @Test func anExplicitDirectoryComesFirst() {
        let explicit = URL(fileURLWithPath: "/data/mine")
        let (directory, source) = MNIST.locate(variant, explicitDirectory: explicit,
                                               environment: ["FAKE_MNIST_DIR": "/data/env"])
        #expect(directory == explicit && source == .explicit)
    }

    @Test func thenTheEnvironmentVariable() {
        let (directory, source) = MNIST.locate(variant, explicitDirectory: nil,
                                               environment: ["FAKE_MNIST_DIR": "/data/env", "HOME": "/home/u"])
        #expect(directory.path == "/data/env" && source == .environment)
    }

    @Test func thenASystemDirectoryHoldingAllFiles() throws {
        try withTemporaryDirectory { system in
            try writeFakeMNIST(in: system, compressed: false)
            let variant = fakeVariant(systemDirectories: [URL(fileURLWithPath: "/nonexistent"), system])
            let (directory, source) = MNIST.locate(variant, explicitDirectory: nil, environment: ["HOME": "/home/u"])
            #expect(directory == system && source == .system)
            try FileManager.default.removeItem(at: system.appendingPathComponent("t10k-labels-idx1-ubyte"))
            #expect(MNIST.locate(variant, explicitDirectory: nil, environment: ["HOME": "/home/u"]).1 == .cache)
        }
    }

    @Test func thenTheCacheUnderXDGCacheHomeOrHome() {
        let xdg = MNIST.locate(variant, explicitDirectory: nil, environment: ["XDG_CACHE_HOME": "/c", "HOME": "/h"])
        #expect(xdg.0.path == "/c/swiftcnn/fake-mnist" && xdg.1 == .cache)
        let home = MNIST.locate(variant, explicitDirectory: nil, environment: ["HOME": "/h"])
        #expect(home.0.path == "/h/.cache/swiftcnn/fake-mnist")
        // The XDG specification says to ignore relative paths; empty variables count as unset.
        let relative = MNIST.locate(variant, explicitDirectory: nil,
                                    environment: ["XDG_CACHE_HOME": "cache", "HOME": "/h", "FAKE_MNIST_DIR": ""])
        #expect(relative.0.path == "/h/.cache/swiftcnn/fake-mnist")
    }
}

@Suite struct MNISTFileTests {
    @Test func loadsAFakeDatasetFromRawAndGzippedFiles() throws {
        try withTemporaryDirectory { directory in
            try writeFakeMNIST(in: directory, trainCount: 5, testCount: 2, compressed: true)
            // One file uncompressed: both forms may be mixed.
            let gz = directory.appendingPathComponent("t10k-images-idx3-ubyte.gz")
            let content = try Gzip.decompress([UInt8](Data(contentsOf: gz)))
            try FileManager.default.removeItem(at: gz)
            try Data(content).write(to: directory.appendingPathComponent("t10k-images-idx3-ubyte"))

            let data = try MNIST(variant: fakeVariant(), directory: directory)
            #expect(data.train.inputs.shape == [5, 4, 3, 1] && data.test.inputs.shape == [2, 4, 3, 1])
            #expect(data.train.labels == [0, 1, 2, 0, 1] && data.test.labels == [0, 1])
            #expect(data.train.classCount == 3)
            // Image 1, row 2, column 0 is pixel 6 of that image: 20 + 6.
            #expect(data.train.inputs[1, 2, 0, 0] == Float(26) / 255)
            #expect(data.test.inputs[0, 0, 0, 0] == 0)
        }
    }

    @Test func missingFilesAreNamedAndNotDownloadedIntoAGivenDirectory() throws {
        try withTemporaryDirectory { directory in
            try writeFakeMNIST(in: directory)
            try FileManager.default.removeItem(at: directory.appendingPathComponent("train-labels-idx1-ubyte.gz"))
            let error = #expect(throws: MNISTError.self) { try MNIST(variant: fakeVariant(), directory: directory) }
            guard case let .missingFiles(dataset, path, files, hint)? = error else { return }
            #expect(dataset == "Fake-MNIST" && path == directory.path)
            #expect(files == ["train-labels-idx1-ubyte"])
            #expect(hint.contains("downloadMissingFiles: true"))
        }
    }

    @Test func anEnvironmentDirectoryWithoutTheFilesIsAnError() throws {
        try withTemporaryDirectory { directory in
            let error = #expect(throws: MNISTError.self) {
                try MNIST(variant: fakeVariant(), directory: nil, downloadMissingFiles: nil,
                          environment: ["FAKE_MNIST_DIR": directory.path])
            }
            #expect(error?.description.contains("FAKE_MNIST_DIR names this directory") == true)
        }
    }

    @Test func labelsOutsideTheClassesAreRejected() throws {
        try withTemporaryDirectory { directory in
            try writeFakeMNIST(in: directory)
            let url = directory.appendingPathComponent("train-labels-idx1-ubyte.gz")
            try IDXFile(dimensions: [5], bytes: [0, 1, 2, 3, 0]).write(to: url, compressed: true)
            #expect(throws: IDXError.unexpectedContent(file: url.path, found: "label 3 at index 3",
                                                       expected: "labels 0...2")) {
                try MNIST(variant: fakeVariant(), directory: directory)
            }
        }
    }

    @Test func labelsMustMatchTheImagesOneToOne() throws {
        try withTemporaryDirectory { directory in
            try writeFakeMNIST(in: directory)
            let url = directory.appendingPathComponent("t10k-labels-idx1-ubyte.gz")
            try IDXFile(dimensions: [3], bytes: [0, 1, 2]).write(to: url, compressed: true)
            let error = #expect(throws: IDXError.self) { try MNIST(variant: fakeVariant(), directory: directory) }
            #expect(error?.description.contains("expected uint8 labels of dimensions [2], one per image") == true)
        }
    }

    @Test func imagesMustBeThreeDimensionalBytes() throws {
        try withTemporaryDirectory { directory in
            try writeFakeMNIST(in: directory)
            let url = directory.appendingPathComponent("train-images-idx3-ubyte.gz")
            try IDXFile(dimensions: [5, 12], bytes: [UInt8](repeating: 0, count: 60)).write(to: url, compressed: true)
            #expect(throws: IDXError.unexpectedContent(file: url.path, found: "uint8 elements of dimensions [5, 12]",
                                                       expected: "uint8 images of dimensions [count, height, width]")) {
                try MNIST(variant: fakeVariant(), directory: directory)
            }
        }
    }
}
