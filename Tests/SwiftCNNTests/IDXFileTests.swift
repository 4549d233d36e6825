import Foundation
import SwiftCNN
import Testing
import TestSupport

/// Runs `body` with a fresh empty directory, removed afterwards.

/// A hand-written IDX file: three 2×2 unsigned-byte images.
private let imageBytes: [UInt8] = [
    0x00, 0x00, 0x08, 0x03,  // magic: two zero bytes, uint8, rank 3
    0x00, 0x00, 0x00, 0x03,  // 3 images
    0x00, 0x00, 0x00, 0x02,  // 2 rows
    0x00, 0x00, 0x00, 0x02,  // 2 columns
    0, 51, 102, 255,
    1, 2, 3, 4,
    255, 255, 0, 0,
]

/// The error thrown when parsing `bytes` as a file named `file`.
private func parseError(_ bytes: [UInt8], file: String = "images.idx") -> IDXError? {
    #expect(throws: IDXError.self) { try IDXFile(bytes: bytes, file: file) }
}

@Suite struct IDXFileReadingTests {
    @Test func readsUnsignedByteImagesFromRawAndGzippedFiles() throws {
        try withTemporaryDirectory { directory in
            let raw = directory.appendingPathComponent("images-idx3-ubyte")
            let gzipped = directory.appendingPathComponent("images-idx3-ubyte.gz")
            try Data(imageBytes).write(to: raw)
            try Data(gzipCommand(["-c"], input: imageBytes)).write(to: gzipped)
            for url in [raw, gzipped] {
                let file = try IDXFile(contentsOf: url)
                #expect(file.elementType == .uint8)
                #expect(file.dimensions == [3, 2, 2])
                #expect(file.count == 12)
                #expect(file.tensor() == Tensor(shape: [3, 2, 2],
                                                scalars: [0, 51, 102, 255, 1, 2, 3, 4, 255, 255, 0, 0]))
                #expect(file.tensor(dividedBy: 255)[0, 0, 1] == 0.2)
                #expect(file.tensor(dividedBy: 255)[0, 1, 1] == 1)
                #expect(file.integers() == [0, 51, 102, 255, 1, 2, 3, 4, 255, 255, 0, 0])
            }
        }
    }

    @Test func gzipIsRecognisedByContentNotName() throws {
        try withTemporaryDirectory { directory in
            let rawNamedGz = directory.appendingPathComponent("labels.gz")
            let gzipNamedRaw = directory.appendingPathComponent("labels")
            let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 3, 5, 0, 4]
            try Data(labels).write(to: rawNamedGz)
            try Data(Gzip.compress(labels)).write(to: gzipNamedRaw)
            #expect(try IDXFile(contentsOf: rawNamedGz).integers() == [5, 0, 4])
            #expect(try IDXFile(contentsOf: gzipNamedRaw).integers() == [5, 0, 4])
        }
    }

    @Test func readsEverySignedAndFloatingPointType() throws {
        let int8 = try IDXFile(bytes: [0, 0, 0x09, 1, 0, 0, 0, 3, 0xFF, 0x80, 0x7F], file: "i8")
        #expect(int8.integers() == [-1, -128, 127])
        #expect(int8.tensor().scalars == [-1, -128, 127])

        let int16 = try IDXFile(bytes: [0, 0, 0x0B, 1, 0, 0, 0, 2, 0xFF, 0xFE, 0x01, 0x00], file: "i16")
        #expect(int16.integers() == [-2, 256])

        let int32 = try IDXFile(bytes: [0, 0, 0x0C, 1, 0, 0, 0, 2, 0x80, 0, 0, 0, 0, 1, 0, 1], file: "i32")
        #expect(int32.integers() == [Int32.min, 65537])

        // 1.5 is 0x3FC00000 as Float and 0x3FF8000000000000 as Double; -2 is 0xC0000000.
        let float32 = try IDXFile(bytes: [0, 0, 0x0D, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x3F, 0xC0, 0, 0, 0xC0, 0, 0, 0],
                                  file: "f32")
        #expect(float32.tensor() == Tensor(shape: [1, 2], scalars: [1.5, -2]))
        #expect(!float32.elementType.isInteger)

        let float64 = try IDXFile(bytes: [0, 0, 0x0E, 1, 0, 0, 0, 1, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0], file: "f64")
        #expect(float64.tensor(dividedBy: 3).scalars == [0.5])
    }

    @Test func emptyDimensionsMeanNoElements() throws {
        let file = try IDXFile(bytes: [0, 0, 8, 2, 0, 0, 0, 0, 0, 0, 0, 28], file: "none")
        #expect(file.dimensions == [0, 28])
        #expect(file.tensor().shape == [0, 28])
    }
}

@Suite struct IDXFileErrorTests {
    @Test func aFileOneByteShortIsTruncated() {
        #expect(parseError(Array(imageBytes.dropLast()))
            == .truncated(file: "images.idx", expectedBytes: 28, actualBytes: 27))
        // Dimensions promising more images than the file holds.
        var moreImages = imageBytes
        moreImages[7] = 4
        #expect(parseError(moreImages) == .truncated(file: "images.idx", expectedBytes: 32, actualBytes: 28))
    }

    @Test func aHeaderCutShortIsTruncated() {
        #expect(parseError(Array(imageBytes.prefix(10)))
            == .truncated(file: "images.idx", expectedBytes: 16, actualBytes: 10))
        #expect(parseError([0, 0, 8]) == .truncated(file: "images.idx", expectedBytes: 4, actualBytes: 3))
    }

    @Test func aTruncatedGzippedFileIsTruncatedGzip() throws {
        let compressed = Gzip.compress(imageBytes)
        #expect(parseError(Array(compressed.dropLast(4)), file: "images.gz")
            == .corruptedGzip(file: "images.gz", reason: .truncated))
    }

    @Test func bytesBeyondTheDataAreAnError() {
        let error = parseError(imageBytes + [9])
        #expect(error == .trailingBytes(file: "images.idx", expectedBytes: 28, actualBytes: 29))
        #expect(error?.description.contains("1 bytes after its data") == true)
    }

    @Test func aWrongMagicNumberIsReportedWithTheBytesFound() {
        var wrong = imageBytes
        wrong[1] = 0x01
        #expect(parseError(wrong) == .badMagic(file: "images.idx", found: [0x00, 0x01, 0x08, 0x03], wasGzip: false))
        let gzipped = parseError(Gzip.compress([0x42, 0x00, 0x08, 0x01]))
        #expect(gzipped == .badMagic(file: "images.idx", found: [0x42, 0x00, 0x08, 0x01], wasGzip: true))
    }

    @Test func randomBytesNamedGzAreNeitherGzipNorIDX() {
        var generator = Xoshiro256(seed: 3)
        let noise = (0..<64).map { _ in UInt8(truncatingIfNeeded: generator.next()) | 0x80 }
        let error = parseError(noise, file: "train-images-idx3-ubyte.gz")
        #expect(error == .badMagic(file: "train-images-idx3-ubyte.gz", found: Array(noise.prefix(4)), wasGzip: false))
        let message = error?.description ?? ""
        #expect(message.contains("train-images-idx3-ubyte.gz") && message.contains("neither gzip nor IDX"))
        #expect(message.contains("expected 00 00 (IDX) or 1f 8b (gzip)"))
    }

    @Test func corruptedGzipIsReportedWithZlibsReason() {
        var compressed = Gzip.compress(imageBytes)
        compressed[compressed.count - 8] ^= 0x01
        let error = parseError(compressed, file: "images.gz")
        #expect(error == .corruptedGzip(file: "images.gz", reason: .corrupted(reason: "incorrect data check")))
        #expect(error?.description.contains("images.gz") == true)
    }

    @Test func emptyFilesAreEmpty() {
        #expect(parseError([]) == .empty(file: "images.idx", compressed: false))
        #expect(parseError(Gzip.compress([])) == .empty(file: "images.idx", compressed: true))
    }

    @Test func anUnknownElementTypeIsUnsupported() {
        var unknown = imageBytes
        unknown[2] = 0x0A
        let error = parseError(unknown)
        #expect(error == .unsupportedElementType(file: "images.idx", code: 0x0A))
        #expect(error?.description.contains("0a; expected one of 08, 09, 0b, 0c, 0d, 0e") == true)
    }

    @Test func rankZeroHasNoDimensions() {
        #expect(parseError([0, 0, 8, 0, 7]) == .noDimensions(file: "images.idx"))
    }

    @Test func dimensionsTooLargeToHoldAreReported() {
        let huge: [UInt8] = [0, 0, 0x0E, 3] + [UInt8](repeating: 0xFF, count: 12)
        #expect(parseError(huge) == .tooLarge(file: "images.idx", dimensions: [4_294_967_295, 4_294_967_295, 4_294_967_295]))
    }

    @Test func aMissingFileIsUnreadableAndNamed() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("absent-idx1-ubyte")
            let error = #expect(throws: IDXError.self) { try IDXFile(contentsOf: url) }
            guard case let .unreadable(file, _)? = error else {
                Issue.record("expected .unreadable, got \(String(describing: error))")
                return
            }
            #expect(file == url.path)
        }
    }
}

@Suite struct IDXFileWritingTests {
    @Test func encodingMatchesTheHandWrittenFile() {
        let file = IDXFile(dimensions: [3, 2, 2], bytes: Array(imageBytes.suffix(12)))
        #expect(file.encoded == imageBytes)
    }

    @Test func writtenFilesReadBackRawAndCompressed() throws {
        try withTemporaryDirectory { directory in
            let values: [UInt8] = [0x3F, 0xC0, 0, 0, 0xC0, 0, 0, 0]
            let file = IDXFile(elementType: .float32, dimensions: [2], bigEndianElements: values)
            for compressed in [false, true] {
                let url = directory.appendingPathComponent("values-\(compressed)")
                try file.write(to: url, compressed: compressed)
                let onDisk = try [UInt8](Data(contentsOf: url))
                #expect(Gzip.hasGzipMagic(onDisk) == compressed)
                #expect(try IDXFile(contentsOf: url).tensor().scalars == [1.5, -2])
            }
            // The compressed file is real gzip: the system's gzip reads it.
            let compressed = try [UInt8](Data(contentsOf: directory.appendingPathComponent("values-true")))
            #expect(try gzipCommand(["-dc"], input: compressed) == file.encoded)
        }
    }
}
