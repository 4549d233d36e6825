import Foundation
@testable import SwiftCNN
import Testing
import TestSupport

/// A committed file under `Fixtures/Interop`, found beside this source file so tests need no resource bundle.
func interopFixture(_ name: String, filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/Interop").appendingPathComponent(name)
}


@Suite struct SafeTensorsRoundTripTests {
    @Test func tensorsAndMetadataSurviveAWriteAndReadBitForBit() throws {
        let special: [Float] = [.nan, -.infinity, .infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                Float(bitPattern: 0x7FC0_1234)]
        var file = SafeTensorsFile(metadata: ["quote\"key": "line\nbreak \\ tab\t control\u{01} é 🎉", "empty": ""])
        file.setTensor(Tensor(shape: [7], scalars: special), named: "special")
        file.setTensor(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), named: "layers.0.kernel")
        file.setTensor(Tensor(scalar: 42), named: "scalar")
        file.setTensor(Tensor(shape: [0, 4]), named: "empty")

        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("round-trip.safetensors")
            try file.write(to: url)
            let loaded = try SafeTensorsFile(contentsOf: url)
            #expect(loaded.names == ["special", "layers.0.kernel", "scalar", "empty"])
            #expect(loaded.metadata == file.metadata)
            #expect(try loaded.tensor(named: "special").scalars.map(\.bitPattern) == special.map(\.bitPattern))
            #expect(try loaded.tensor(named: "layers.0.kernel") == Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
            let scalar = try loaded.tensor(named: "scalar")
            #expect(scalar.shape == [] && scalar.scalar == 42)
            #expect(try loaded.tensor(named: "empty").shape == [0, 4])
            #expect(loaded.dataType(of: "scalar") == .float32)
        }
    }

    @Test func headerIsPaddedSoTheDataSectionIsEightByteAligned() throws {
        var file = SafeTensorsFile()
        file.setTensor(Tensor([1, 2, 3]), named: "x")
        let bytes = file.serialized()
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        #expect(bytes.count == 8 + headerLength + 12)
        #expect(bytes[8 + headerLength - 1] == UInt8(ascii: " ") || bytes[8 + headerLength - 1] == UInt8(ascii: "}"))
    }

    @Test func replacingATensorKeepsItsPlaceAndRemovingDropsIt() throws {
        var file = SafeTensorsFile()
        file.setTensor(Tensor([1]), named: "a")
        file.setTensor(Tensor([2]), named: "b")
        file.setTensor(Tensor([3, 3]), named: "a")
        #expect(file.names == ["a", "b"])
        #expect(try file.tensor(named: "a").scalars == [3, 3])
        file.removeTensor(named: "a")
        #expect(file.names == ["b"] && !file.contains("a"))
        let reloaded = try SafeTensorsFile(serialized: file.serialized())
        #expect(reloaded.names == ["b"])
    }

    @Test func serializationMatchesTheReferenceImplementationByteForByte() throws {
        let reference = try Data(contentsOf: interopFixture("python-f32.safetensors"))
        var file = SafeTensorsFile(metadata: ["format": "pt"])
        file.setTensor(Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5]), named: "a")
        file.setTensor(Tensor([-1]), named: "b")
        #expect(file.serialized() == reference)
    }

    @Test func readsEveryElementTypeWrittenByTheReferenceImplementation() throws {
        let file = try SafeTensorsFile(contentsOf: interopFixture("python-dtypes.safetensors"))
        #expect(file.metadata == ["format": "pt", "origin": "safetensors"])
        #expect(Set(file.names) == ["f32", "f16", "bf16", "f64", "i64", "i32", "u8", "bool", "scalar", "empty"])

        let f32 = try file.tensor(named: "f32")
        #expect(f32.shape == [2, 3])
        // 1e-40 is subnormal in Float; 71362 is its bit pattern as numpy rounds it.
        #expect(f32.scalars.map(\.bitPattern) == [1.5, -2.25, 3, 0, -0.0].map { (x: Float) in x.bitPattern } + [71362])
        #expect(try file.tensor(named: "f16").scalars == [1, -2, 65504, 0x1p-24, .infinity])
        #expect(try file.tensor(named: "bf16").scalars.map(\.bitPattern) == [0x3F80_0000, 0xBE20_0000, 0x7F62_0000])
        #expect(try file.tensor(named: "f64").scalars == [Float(0.1), -1e10])
        #expect(try file.tensor(named: "i64").scalars == [-3, 0, 7])
        #expect(try file.tensor(named: "i32") == Tensor(shape: [2, 1], scalars: [-2_147_483_648, 5]))
        #expect(try file.tensor(named: "u8").scalars == [0, 255])
        #expect(try file.tensor(named: "bool").scalars == [1, 0])
        #expect(try file.tensor(named: "scalar") == Tensor(scalar: 2.5))
        #expect(try file.tensor(named: "empty").shape == [0, 3])
        #expect(file.dataType(of: "bf16") == .bfloat16 && file.dataType(of: "i64") == .int64)
        #expect(file.shape(of: "i32") == [2, 1] && file.shape(of: "none") == nil)
    }

    @Test func halfPrecisionSubnormalsAndNaNWiden() {
        #expect(SafeTensorsDataType.float(fromHalf: 0x0200) == 0x1p-15)
        #expect(SafeTensorsDataType.float(fromHalf: 0x8001) == -0x1p-24)
        #expect(SafeTensorsDataType.float(fromHalf: 0x3555) == Float(0x3555 & 0x3FF) * 0x1p-12 + 0x1p-2)
        #expect(SafeTensorsDataType.float(fromHalf: 0x7E00).isNaN)
        #expect(SafeTensorsDataType.float(fromHalf: 0xFC00) == -.infinity)
    }
}

@Suite struct SafeTensorsValidationTests {
    static let name = "bad.safetensors"

    /// A file with `header` as its JSON and `data` after it; `headerLength` overrides the length prefix.
    func file(_ header: String, data: [UInt8] = [], headerLength: UInt64? = nil) -> Data {
        var bytes = Data()
        let json = Data(header.utf8)
        withUnsafeBytes(of: (headerLength ?? UInt64(json.count)).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + json + Data(data)
    }

    func error(loading bytes: Data) -> SafeTensorsError? {
        do {
            _ = try SafeTensorsFile(serialized: bytes, source: Self.name)
            return nil
        } catch {
            return error as? SafeTensorsError
        }
    }

    func entry(_ name: String, _ dtype: String = "F32", shape: String, offsets: String) -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}"
    }

    func malformedEntryReason(_ bytes: Data, tensor: String) -> String? {
        guard case let .malformedEntry(file, name, reason)? = error(loading: bytes), file == Self.name, name == tensor
        else { return nil }
        return reason
    }

    @Test func fileShorterThanItsLengthPrefix() {
        #expect(error(loading: Data([1, 2, 3])) == .tooShort(file: Self.name, byteCount: 3))
        #expect(error(loading: Data()) == .tooShort(file: Self.name, byteCount: 0))
    }

    @Test func headerLengthPastTheEndOrAbsurd() {
        #expect(error(loading: file("{}", headerLength: 1000)) ==
                .headerLengthOutOfRange(file: Self.name, headerLength: 1000, fileSize: 10))
        #expect(error(loading: file("{}", headerLength: .max)) ==
                .headerLengthOutOfRange(file: Self.name, headerLength: .max, fileSize: 10))
        let huge = Data(count: 8) + Data(repeating: UInt8(ascii: " "), count: 16)
        var prefixed = huge
        prefixed.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(200_000_000).littleEndian) { Data($0) })
        #expect(error(loading: prefixed) ==
                .headerLengthOutOfRange(file: Self.name, headerLength: 200_000_000, fileSize: 24))
    }

    @Test func headerThatIsNotJSON() {
        for bad in ["{\"a\":", "", "   ", "{'a': 1}", "{\"a\" 1}", "{} {}"] {
            guard case .malformedHeader(Self.name, _)? = error(loading: file(bad)) else {
                Issue.record("header \(bad.debugDescription) gave \(String(describing: error(loading: file(bad))))")
                continue
            }
        }
        var invalidUTF8 = file("{}")
        invalidUTF8[9] = 0xFF
        guard case .malformedHeader(Self.name, _)? = error(loading: invalidUTF8) else {
            Issue.record("invalid UTF-8 gave \(String(describing: error(loading: invalidUTF8)))")
            return
        }
    }

    @Test func headerThatIsNotAnObject() {
        #expect(error(loading: file("[1, 2]")) == .headerNotAnObject(file: Self.name))
        #expect(error(loading: file("42")) == .headerNotAnObject(file: Self.name))
    }

    @Test func metadataThatIsNotAMapOfStrings() {
        for bad in ["{\"__metadata__\":{\"k\":1}}", "{\"__metadata__\":[\"k\"]}", "{\"__metadata__\":{\"k\":null}}"] {
            guard case .malformedMetadata(Self.name, _)? = error(loading: file(bad)) else {
                Issue.record("\(bad) gave \(String(describing: error(loading: file(bad))))")
                continue
            }
        }
    }

    @Test func entryThatIsNotAnObjectOrLacksAField() {
        #expect(malformedEntryReason(file("{\"w\":5}"), tensor: "w") == "the entry is not an object")
        #expect(malformedEntryReason(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", data: [0, 0, 0, 0]),
                                     tensor: "w") == "missing field 'data_offsets'")
        #expect(malformedEntryReason(file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0]),
                                     tensor: "w") == "missing field 'dtype'")
        #expect(malformedEntryReason(file("{\(entry("w", shape: "[1]", offsets: "[0,4]").replacingOccurrences(of: "\"F32\"", with: "32"))}",
                                          data: [0, 0, 0, 0]), tensor: "w") == "'dtype' must be a string")
    }

    @Test func unknownElementType() {
        for dtype in ["F8_E4M3", "Q4_0", "f32", ""] {
            #expect(error(loading: file("{\(entry("w", dtype, shape: "[1]", offsets: "[0,1]"))}", data: [0])) ==
                    .unknownDataType(file: Self.name, tensor: "w", dataType: dtype))
        }
    }

    @Test func negativeOrNonIntegerShapesAndOffsets() {
        let data: [UInt8] = Array(repeating: 0, count: 8)
        #expect(malformedEntryReason(file("{\(entry("w", shape: "[-1]", offsets: "[0,4]"))}", data: data), tensor: "w")
                == "shape [-1] has a negative dimension")
        #expect(malformedEntryReason(file("{\(entry("w", shape: "[1.5]", offsets: "[0,4]"))}", data: data), tensor: "w")
                == "'shape' must be an array of non-negative integers")
        #expect(malformedEntryReason(file("{\(entry("w", shape: "[true]", offsets: "[0,4]"))}", data: data), tensor: "w")
                == "'shape' must be an array of non-negative integers")
        #expect(malformedEntryReason(file("{\(entry("w", shape: "[1e30]", offsets: "[0,4]"))}", data: data), tensor: "w")
                == "'shape' must be an array of non-negative integers")
        #expect(malformedEntryReason(file("{\(entry("w", shape: "2", offsets: "[0,4]"))}", data: data), tensor: "w")
                == "'shape' must be an array of non-negative integers")
        #expect(malformedEntryReason(file("{\(entry("w", shape: "[1]", offsets: "[-4,0]"))}", data: data), tensor: "w")
                == "data_offsets [-4, 0] has a negative value")
        #expect(malformedEntryReason(file("{\(entry("w", shape: "[1]", offsets: "[0,\"4\"]"))}", data: data), tensor: "w")
                == "'data_offsets' must be an array of two non-negative integers")
        #expect(malformedEntryReason(file("{\(entry("w", shape: "[1]", offsets: "[0,4,8]"))}", data: data), tensor: "w")
                == "data_offsets must hold two integers, found 3")
        #expect(malformedEntryReason(file("{\(entry("w", shape: "[1]", offsets: "[8,4]"))}", data: data), tensor: "w")
                == "data_offsets [8, 4] end before they begin")
    }

    @Test func byteCountThatDisagreesWithTheShape() {
        #expect(error(loading: file("{\(entry("w", shape: "[3]", offsets: "[0,8]"))}", data: Array(repeating: 0, count: 8)))
                == .sizeMismatch(file: Self.name, tensor: "w", dataType: "F32", shape: [3], byteCount: 8))
        #expect(error(loading: file("{\(entry("w", "F16", shape: "[2,2]", offsets: "[0,4]"))}", data: [0, 0, 0, 0]))
                == .sizeMismatch(file: Self.name, tensor: "w", dataType: "F16", shape: [2, 2], byteCount: 4))
        // A product that overflows Int must be caught, not trap, even when a later dimension is zero.
        let huge = 1 << 62
        #expect(error(loading: file("{\(entry("w", shape: "[\(huge),\(huge),0]", offsets: "[0,0]"))}"))
                == .sizeMismatch(file: Self.name, tensor: "w", dataType: "F32", shape: [huge, huge, 0], byteCount: 0))
        #expect(error(loading: file("{\(entry("w", "F64", shape: "[\(huge)]", offsets: "[0,0]"))}"))
                == .sizeMismatch(file: Self.name, tensor: "w", dataType: "F64", shape: [huge], byteCount: 0))
    }

    @Test func offsetsOutsideTheDataSection() {
        #expect(error(loading: file("{\(entry("w", shape: "[4]", offsets: "[0,16]"))}", data: Array(repeating: 0, count: 8)))
                == .offsetsOutOfBounds(file: Self.name, tensor: "w", offsets: [0, 16], dataSize: 8))
        #expect(error(loading: file("{\(entry("w", shape: "[1]", offsets: "[9223372036854775800,9223372036854775804]"))}"))
                == .offsetsOutOfBounds(file: Self.name, tensor: "w", offsets: [9_223_372_036_854_775_800,
                                                                                9_223_372_036_854_775_804], dataSize: 0))
    }

    @Test func overlappingTensors() {
        let header = "{\(entry("a", shape: "[2]", offsets: "[0,8]")),\(entry("b", shape: "[2]", offsets: "[4,12]"))}"
        #expect(error(loading: file(header, data: Array(repeating: 0, count: 12)))
                == .overlappingTensors(file: Self.name, first: "a", second: "b"))
        let same = "{\(entry("a", shape: "[1]", offsets: "[0,4]")),\(entry("b", shape: "[1]", offsets: "[0,4]"))}"
        #expect(error(loading: file(same, data: [0, 0, 0, 0]))
                == .overlappingTensors(file: Self.name, first: "a", second: "b"))
    }

    @Test func gapsAndTrailingBytes() {
        let gap = "{\(entry("a", shape: "[1]", offsets: "[0,4]")),\(entry("b", shape: "[1]", offsets: "[8,12]"))}"
        #expect(error(loading: file(gap, data: Array(repeating: 0, count: 12)))
                == .gapInData(file: Self.name, before: "b", offset: 4))
        #expect(error(loading: file("{\(entry("a", shape: "[1]", offsets: "[0,4]"))}", data: Array(repeating: 0, count: 7)))
                == .trailingBytes(file: Self.name, count: 3))
        #expect(error(loading: file("{}", data: [1])) == .trailingBytes(file: Self.name, count: 1))
    }

    @Test func aValidHandWrittenFileLoads() throws {
        let header = "  {\(entry("b", shape: "[1]", offsets: "[4,8]")),\(entry("a", shape: "[]", offsets: "[0,4]")),"
            + "\"__metadata__\":{\"k\":\"v\"},\"z\":{\"dtype\":\"BF16\",\"shape\":[0],\"data_offsets\":[8,8],\"extra\":1}}   "
        let loaded = try SafeTensorsFile(serialized: file(header, data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0]))
        #expect(loaded.names == ["a", "b", "z"])
        #expect(try loaded.tensor(named: "a") == Tensor(scalar: 1))
        #expect(try loaded.tensor(named: "b") == Tensor([-2]))
        #expect(loaded.metadata == ["k": "v"])
    }

    @Test func missingTensorAndUnreadableFileNameTheFile() throws {
        let file = try SafeTensorsFile(serialized: file("{}"), source: Self.name)
        #expect(throws: SafeTensorsError.missingTensor(file: Self.name, tensor: "w")) { try file.tensor(named: "w") }
        let missing = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/model.safetensors")
        do {
            _ = try SafeTensorsFile(contentsOf: missing)
            Issue.record("reading a missing file succeeded")
        } catch let SafeTensorsError.unreadable(path, _) {
            #expect(path == missing.path)
        }
    }

    @Test func errorsFromDiskNameThePath() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("truncated.safetensors")
            try Data([0x10, 0, 0]).write(to: url)
            let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: url) }
            #expect(error == .tooShort(file: url.path, byteCount: 3))
            #expect(error?.description.contains(url.path) == true)
        }
    }
}

@Suite struct SafeTensorsAtomicWriteTests {
    func sample(_ value: Float) -> SafeTensorsFile {
        var file = SafeTensorsFile()
        file.setTensor(Tensor([value]), named: "w")
        return file
    }


    @Test func overwritingReplacesTheFileAndLeavesNoTemporaryFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            try sample(1).write(to: url)
            try sample(2).write(to: url)
            #expect(try SafeTensorsFile(contentsOf: url).tensor(named: "w") == Tensor([2]))
            #expect(fileNames(in: directory) == ["model.safetensors"])
        }
    }

    @Test func aFailedRenameKeepsWhatWasThereAndRemovesTheTemporaryFile() throws {
        try withTemporaryDirectory { directory in
            // A directory in the way makes rename(2) fail after the temporary file is fully written.
            let url = directory.appendingPathComponent("model.safetensors")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
            try Data("keep".utf8).write(to: url.appendingPathComponent("inside"))
            let error = #expect(throws: SafeTensorsError.self) { try sample(1).write(to: url) }
            guard case let .unwritable(file, reason)? = error else {
                Issue.record("writing over a directory gave \(String(describing: error))")
                return
            }
            #expect(file == url.path && reason.contains("move the temporary file"))
            #expect(fileNames(in: directory) == ["model.safetensors"])
            #expect(try Data(contentsOf: url.appendingPathComponent("inside")) == Data("keep".utf8))
        }
    }

    @Test func aMissingDirectoryIsReportedWithThePath() {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/model.safetensors")
        let error = #expect(throws: SafeTensorsError.self) { try sample(1).write(to: url) }
        #expect(error.map { "\($0)".contains(url.path) } == true)
    }

    @Test(.enabled(if: getuid() != 0, "root may write into read-only directories"))
    func aReadOnlyDirectoryKeepsTheOldFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            try sample(1).write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory.path)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path) }
            #expect(throws: SafeTensorsError.self) { try sample(2).write(to: url) }
            #expect(try SafeTensorsFile(contentsOf: url).tensor(named: "w") == Tensor([1]))
            #expect(fileNames(in: directory) == ["model.safetensors"])
        }
    }
}
