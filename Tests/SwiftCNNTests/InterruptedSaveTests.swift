import Foundation
import SwiftCNN
import Testing
import TestSupport

/// A save killed before its rename leaves its temporary file beside the target; the next save to that
/// path removes such files, but not the one a save in progress is writing.
@Suite struct InterruptedSaveTests {
    @Test func theNextSaveRemovesTheTemporaryFilesOfInterruptedOnes() throws {
        try withTemporaryDirectory { directory in
            let model = try Sequential(inputShape: [3], seed: 1) { Dense(units: 2) }
            let url = directory.appendingPathComponent("model.safetensors")
            // What `kill -9` during two earlier saves leaves: temporary files, one of them half written.
            let stale = [".model.safetensors.\(UUID().uuidString).tmp", ".model.safetensors.\(UUID().uuidString).tmp"]
            try Data([1, 2, 3]).write(to: directory.appendingPathComponent(stale[0]))
            try Data().write(to: directory.appendingPathComponent(stale[1]))
            // Files that only look alike belong to someone else and stay.
            let others = [".model.safetensors.notes.tmp", ".other.safetensors.\(UUID().uuidString).tmp", "model.safetensors.tmp"]
            for name in others { try Data([9]).write(to: directory.appendingPathComponent(name)) }

            try model.save(to: url)
            #expect(fileNames(in: directory) == (others + ["model.safetensors"]).sorted())
            #expect(try Sequential(contentsOf: url).layers.count == 1)
        }
    }

    @Test func aTemporaryFileThatASaveHoldsIsLeftAlone() throws {
        try withTemporaryDirectory { directory in
            let model = try Sequential(inputShape: [3], seed: 1) { Dense(units: 2) }
            let url = directory.appendingPathComponent("model.safetensors")
            let inProgress = directory.appendingPathComponent(".model.safetensors.\(UUID().uuidString).tmp")
            try Data([1, 2, 3]).write(to: inProgress)
            // Another save still writing holds its file locked, as AtomicFile does.
            let descriptor = open(inProgress.path, O_RDONLY)
            try #require(descriptor >= 0)
            defer { close(descriptor) }
            try #require(flock(descriptor, LOCK_EX) == 0)

            try model.save(to: url)
            #expect(fileNames(in: directory) == [inProgress.lastPathComponent, "model.safetensors"].sorted())
        }
    }
}
