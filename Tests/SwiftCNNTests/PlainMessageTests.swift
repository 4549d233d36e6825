import Foundation
import SwiftCNN
import Testing
import TestSupport

/// The messages of files that cannot be read say what happened in plain words, naming the file: no
/// NSCocoaErrorDomain codes, no "permission" for a device, no "not valid JSON" for valid JSON.
@Suite struct PlainMessageTests {
    @Test func aDirectoryIsSaidToBeADirectory() throws {
        try withTemporaryDirectory { directory in
            #expect(throws: SafeTensorsError.unreadable(file: directory.path, reason: "it is a directory, not a file")) {
                try Sequential(contentsOf: directory)
            }
            #expect(throws: IDXError.unreadable(file: directory.path, reason: "it is a directory, not a file")) {
                try IDXFile(contentsOf: directory)
            }
        }
    }

    @Test func aDeviceIsNotARegularFile() throws {
        let zero = URL(fileURLWithPath: "/dev/zero")
        #expect(throws: SafeTensorsError.unreadable(file: "/dev/zero", reason: "it is a device, pipe or socket, not a regular file")) {
            try TrainingCheckpoint(contentsOf: zero)
        }
        #expect(throws: IDXError.unreadable(file: "/dev/zero", reason: "it is a device, pipe or socket, not a regular file")) {
            try IDXFile(contentsOf: zero)
        }
    }

    @Test func aMissingFileDoesNotExist() throws {
        try withTemporaryDirectory { directory in
            let missing = directory.appendingPathComponent("missing.safetensors")
            #expect(throws: SafeTensorsError.unreadable(file: missing.path, reason: "it does not exist")) {
                try Sequential(contentsOf: missing)
            }
        }
    }

    @Test func aFileAboveTheCeilingIsRefusedBeforeReading() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("data")
            try Data(count: 100).write(to: file)
            #expect(throws: FileReadError(reason: "it has 100 bytes, more than the 99 this reader accepts")) {
                try FileContents.read(file, maximumSize: 99)
            }
            #expect(try FileContents.read(file, maximumSize: 100).count == 100)
        }
    }

    @Test func aNumberOutOfRangeInTheArchitectureIsNamed() throws {
        let model = try Sequential(inputShape: [4], seed: 1) { Dense(units: 2) }
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            try model.save(to: url)
            var file = try SafeTensorsFile(contentsOf: url)
            let json = try #require(file.metadata["swiftcnn.model"])
            file.metadata["swiftcnn.model"] = json.replacingOccurrences(of: "[4]", with: "[99999999999999999999]")
            try file.write(to: url)
            #expect(throws: ModelFileError.malformedArchitecture(
                file: url.path, reason: "the number 99999999999999999999 is out of range for its field")) {
                try Sequential(contentsOf: url)
            }
            file.metadata["swiftcnn.model"] = json.replacingOccurrences(of: "\"units\":2", with: "\"units\":1e999")
            try file.write(to: url)
            #expect(throws: ModelFileError.invalidLayerConfiguration(
                file: url.path, layer: 0, type: "dense", reason: "the number 1e999 is out of range for its field")) {
                try Sequential(contentsOf: url)
            }
            file.metadata["swiftcnn.model"] = json.replacingOccurrences(of: "\"seed\":1", with: "\"seed\":-1")
            try file.write(to: url)
            #expect(throws: ModelFileError.malformedArchitecture(
                file: url.path, reason: "a number does not fit its field (a fraction where a whole number belongs, "
                    + "a negative seed, or a value out of range)")) {
                try Sequential(contentsOf: url)
            }
        }
    }
}
