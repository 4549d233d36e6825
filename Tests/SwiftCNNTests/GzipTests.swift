import Foundation
import SwiftCNN
import Testing
import TestSupport

/// The output of the system's `gzip` run with `arguments` on a file holding `input`: an implementation
/// independent of zlib's use in SwiftCNN, to check against.
func gzipCommand(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
    try withTemporaryDirectory { directory in
        let file = directory.appendingPathComponent("input")
        try Data(input).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = arguments + [file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let bytes = [UInt8](output.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "gzip \(arguments) failed")
        return bytes
    }
}

/// Bytes that compress well but are not trivial: a repeating ramp with a seeded sprinkle of noise.
private func sampleBytes(_ count: Int) -> [UInt8] {
    var generator = Xoshiro256(seed: 7)
    return (0..<count).map { index in
        index % 97 == 0 ? UInt8(truncatingIfNeeded: generator.next()) : UInt8(truncatingIfNeeded: index / 3)
    }
}

@Suite struct GzipTests {
    @Test(arguments: [0, 1, 1000, 300_000])
    func decompressesWhatTheGzipCommandCompressed(count: Int) throws {
        let original = sampleBytes(count)
        let compressed = try gzipCommand(["-c"], input: original)
        #expect(Gzip.hasGzipMagic(compressed))
        #expect(try Gzip.decompress(compressed) == original)
    }

    @Test(arguments: [0, 1, 1000, 300_000])
    func theGzipCommandDecompressesWhatItCompressed(count: Int) throws {
        let original = sampleBytes(count)
        let compressed = Gzip.compress(original)
        #expect(try gzipCommand(["-dc"], input: compressed) == original)
        #expect(try Gzip.decompress(compressed) == original)
    }

    @Test func highlyCompressibleDataGrowsTheOutputBeyondItsFirstGuess() throws {
        // 4 MB of zeros compress to about 4 KB; the recorded size is still right, so a second member
        // (whose size the trailer does not tell) exercises growing the output.
        let zeros = [UInt8](repeating: 0, count: 4_000_000)
        let twoMembers = Gzip.compress(zeros) + Gzip.compress([1, 2, 3])
        #expect(try Gzip.decompress(twoMembers) == zeros + [1, 2, 3])
    }

    @Test func concatenatedMembersDecompressToConcatenatedContents() throws {
        let first = try gzipCommand(["-c"], input: Array("hello, ".utf8))
        let second = try gzipCommand(["-c"], input: Array("world".utf8))
        #expect(try Gzip.decompress(first + second) == Array("hello, world".utf8))
    }

    @Test func decompressIfGzippedPassesRawBytesThrough() throws {
        let raw: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 1, 42]
        #expect(try Gzip.decompressIfGzipped(raw) == raw)
        #expect(try Gzip.decompressIfGzipped(Gzip.compress(raw)) == raw)
        #expect(try Gzip.decompressIfGzipped([]) == [])
    }

    @Test func dataWithoutTheMagicBytesIsNotGzip() {
        #expect(throws: GzipError.notGzip(firstBytes: [0x12, 0x34, 0x56, 0x78])) {
            try Gzip.decompress([0x12, 0x34, 0x56, 0x78, 0x9A])
        }
        #expect(throws: GzipError.notGzip(firstBytes: [])) { try Gzip.decompress([]) }
        #expect(!Gzip.hasGzipMagic([0x1F]))
        #expect(GzipError.notGzip(firstBytes: [0x0A, 0xFF]).description.contains("starts with 0a ff"))
    }

    @Test func aStreamCutShortIsTruncated() throws {
        let compressed = Gzip.compress(sampleBytes(10_000))
        #expect(throws: GzipError.truncated) { try Gzip.decompress(Array(compressed.prefix(compressed.count / 2))) }
        #expect(throws: GzipError.truncated) { try Gzip.decompress(Array(compressed.dropLast(1))) }
        #expect(throws: GzipError.truncated) { try Gzip.decompress([0x1F, 0x8B]) }
    }

    @Test func aWrongChecksumIsCorruption() throws {
        var compressed = Gzip.compress(sampleBytes(10_000))
        // The CRC-32 of the content sits in the 8-byte trailer, before the size.
        compressed[compressed.count - 8] ^= 0xFF
        #expect(throws: GzipError.corrupted(reason: "incorrect data check")) { try Gzip.decompress(compressed) }
    }

    @Test func aDamagedHeaderOrBlockIsCorruption() throws {
        var badMethod = Gzip.compress(sampleBytes(100))
        badMethod[2] = 7  // compression method: only 8 (deflate) exists
        #expect(throws: GzipError.corrupted(reason: "unknown compression method")) { try Gzip.decompress(badMethod) }

        var badBlock = Gzip.compress(sampleBytes(100))
        badBlock[10] |= 0b110  // block type 3 is reserved
        #expect(throws: GzipError.corrupted(reason: "invalid block type")) { try Gzip.decompress(badBlock) }
    }

    @Test func bytesAfterTheLastMemberAreReported() throws {
        let compressed = Gzip.compress(Array("content".utf8))
        #expect(throws: GzipError.trailingData(byteCount: 3)) { try Gzip.decompress(compressed + [1, 2, 3]) }
    }

    @Test func contentUpToTheCeilingIsReadAndOneByteMoreIsTooLarge() throws {
        let content = sampleBytes(200_000)
        let compressed = Gzip.compress(content)
        #expect(try Gzip.decompress(compressed, maximumSize: content.count) == content)
        #expect(throws: GzipError.tooLarge(limit: content.count - 1)) {
            try Gzip.decompress(compressed, maximumSize: content.count - 1)
        }
        // A second member counts towards the same ceiling.
        #expect(throws: GzipError.tooLarge(limit: content.count)) {
            try Gzip.decompress(compressed + Gzip.compress([1]), maximumSize: content.count)
        }
        #expect(try Gzip.decompress(Gzip.compress([]), maximumSize: 0) == [])
        #expect(GzipError.tooLarge(limit: 1000).description.contains("more than 1000 bytes"))
    }

    @Test func aTrailerClaimingAHugeSizeIsNotTrusted() throws {
        // The last four bytes record the content's size; damaged data can claim 4 GiB. The reader must
        // neither allocate that (mnist-train's test checks it under a memory limit) nor stop short of
        // the real content when the claim is too small.
        let content = sampleBytes(300_000)
        var claimsTooMuch = Gzip.compress(content)
        claimsTooMuch.replaceSubrange((claimsTooMuch.count - 4)..., with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: GzipError.corrupted(reason: "incorrect length check")) {
            try Gzip.decompress(claimsTooMuch, maximumSize: 1 << 20)
        }
        var claimsTooLittle = Gzip.compress(content)
        claimsTooLittle.replaceSubrange((claimsTooLittle.count - 4)..., with: [1, 0, 0, 0])
        #expect(throws: GzipError.corrupted(reason: "incorrect length check")) { try Gzip.decompress(claimsTooLittle) }
    }
}
