import Foundation
import SwiftCNN
import Testing
import TestSupport

/// `mpirun -np 2` on `distributed-check` and `mnist-train`, built beside the test bundle: the collectives
/// against a naive reference, two processes against one accumulating over the same two slices, a failed
/// process ending the job, and the checkpoint of the first process.
@Suite(.serialized)
struct DistributedTrainingTests {
    /// What a command printed and how it ended.
    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs `executable` (built beside the tests) under `mpirun -np processes`, or alone when `processes` is
    /// nil; nil when it was still running after `seconds` (it is then ended).
    func run(_ executable: String, _ arguments: [String], processes: Int?, seconds: Double = 300) throws -> Run? {
        let builtProducts = try #require(Bundle.main.executableURL).deletingLastPathComponent()
        let path = builtProducts.appendingPathComponent(executable).path
        try #require(FileManager.default.isExecutableFile(atPath: path), "build \(executable) first: \(path)")
        let process = Process()
        if let processes {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            // As root in a container: mpirun refuses root without the flag, and CMA copies are not allowed.
            process.arguments = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "\(processes)", path] + arguments
            var environment = ProcessInfo.processInfo.environment
            environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
            process.environment = environment
        } else {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try process.run()
        // Read while it runs, so that a full pipe never blocks it.
        final class Received: @unchecked Sendable {
            var output = Data(), errors = Data()
        }
        let received = Received(), readers = DispatchGroup()
        DispatchQueue.global().async(group: readers) { received.output = output.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: readers) { received.errors = errors.fileHandleForReading.readDataToEndOfFile() }
        guard ended.wait(timeout: .now() + seconds) == .success else {
            process.terminate()
            return nil
        }
        readers.wait()
        return Run(status: process.terminationStatus, output: String(decoding: received.output, as: UTF8.self),
                   errors: String(decoding: received.errors, as: UTF8.self))
    }

    func bits(of name: String, in file: SafeTensorsFile) throws -> [UInt32] {
        try file.tensor(named: name).withUnsafeBufferPointer { $0.map(\.bitPattern) }
    }

    @Test func sumsAddInRankOrderAndBroadcastsDeliver() throws {
        let run = try #require(try run("distributed-check", ["sums"], processes: 2))
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("sums: ok on 2 processes"))
    }

    @Test func aKilledProcessEndsTheJob() throws {
        let run = try #require(try run("distributed-check", ["kill"], processes: 2, seconds: 60),
                               "the job still ran a minute after a process was killed")
        #expect(run.status != 0)
        #expect(!run.output.contains("finished although"))
    }

    @Test func aStalledProcessTimesOutTheOthers() throws {
        let run = try #require(try run("distributed-check", ["stall"], processes: 2, seconds: 60),
                               "the job still ran a minute after a process stalled")
        #expect(run.status != 0)
        #expect(run.errors.contains("MPI_Ialltoall did not complete within 2.0 s"), "\(run.errors)")
    }

    /// Two processes train the same weights as one accumulating over the same two slices, with the
    /// augmentation layers drawing: equal to the last bit, and the same printed accuracy; only the first
    /// process saves, and the checkpoint resumes on one process.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MNIST_DIR"] != nil, "needs MNIST_DIR"))
    func twoProcessesEqualOneAccumulatingTwoSlices() throws {
        try withTemporaryDirectory { directory in
            // 300 images in batches of 64: the last batch (44) splits into 22 and 22. The one process computes
            // on two threads, each of the two on one: the kernels' chunks do not depend on the thread count.
            let common = ["--epochs", "1", "--train-limit", "300", "--seed", "1", "--quiet"]
            let accumulated = directory.appendingPathComponent("accumulated.safetensors")
            let distributedDirectory = directory.appendingPathComponent("distributed")
            try FileManager.default.createDirectory(at: distributedDirectory, withIntermediateDirectories: false)
            let distributed = distributedDirectory.appendingPathComponent("model.safetensors")

            let one = try #require(try run("mnist-train", common + ["--accumulate", "2", "--threads", "2", "--save", accumulated.path],
                                           processes: nil))
            #expect(one.status == 0, "\(one.errors)")
            let two = try #require(try run("mnist-train", common + ["--distributed", "--threads", "1", "--save", distributed.path],
                                           processes: 2))
            #expect(two.status == 0, "\(two.errors)")

            let accuracyLine = { (output: String) in output.split(separator: "\n").first { $0.hasPrefix("test accuracy:") } }
            #expect(accuracyLine(one.output) != nil)
            #expect(accuracyLine(two.output) == accuracyLine(one.output))
            #expect(two.output.components(separatedBy: "test accuracy:").count == 2, "only the first process prints")
            #expect(fileNames(in: distributedDirectory) == ["model.safetensors"])

            let expected = try SafeTensorsFile(contentsOf: accumulated)
            let actual = try SafeTensorsFile(contentsOf: distributed)
            #expect(expected.names == actual.names)
            for name in expected.names {
                #expect(try bits(of: name, in: expected) == bits(of: name, in: actual), "\(name) differs")
            }
            // And without accumulation the slices' random streams differ, so the test could fail.
            let plain = directory.appendingPathComponent("plain.safetensors")
            _ = try run("mnist-train", common + ["--save", plain.path], processes: nil)
            let plainFile = try SafeTensorsFile(contentsOf: plain)
            #expect(try bits(of: "layers.4.kernel", in: plainFile) != bits(of: "layers.4.kernel", in: expected))

            let resumed = try #require(try run("mnist-train", common + ["--epochs", "2", "--resume", distributed.path,
                                                                        "--save", distributed.path], processes: nil))
            #expect(resumed.status == 0, "\(resumed.errors)")
            #expect(try TrainingCheckpoint(contentsOf: distributed).completedEpochs == 2)
        }
    }
}
