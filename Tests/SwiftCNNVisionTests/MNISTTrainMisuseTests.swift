import Foundation
import SwiftCNN
import Testing
import TestSupport

/// `mnist-train` given damaged files, mismatched checkpoints and unusable paths: each ends with a plain
/// message naming what is wrong and exit status 1, never a trap, a huge allocation or a lost epoch.
@Suite(.serialized)
struct MNISTTrainMisuseTests {
    let mnistTrain = ExampleExecutable(name: "mnist-train")

    @Test func aDamagedGzipClaimingGigabytesFailsWithinAMemoryLimit() throws {
        try withTemporaryDirectory { directory in
            try writeSyntheticMNIST(to: directory)
            // 2.4 MB of noise (incompressible), gzip'd, cut to 1.1 MB, with a trailer claiming 4 GiB: a
            // reader that trusts the trailer (even capped at deflate's 1032:1) asks for over 1 GB.
            var generator = Xoshiro256(seed: 5)
            let noise = IDXFile(dimensions: [3000, 28, 28],
                                bytes: (0..<(3000 * 784)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
            var damaged = Array(Gzip.compress(noise.encoded).prefix(1_100_000))
            damaged.replaceSubrange((damaged.count - 4)..., with: [0xFF, 0xFF, 0xFF, 0xFF])
            try FileManager.default.removeItem(at: directory.appendingPathComponent("train-images-idx3-ubyte"))
            let file = directory.appendingPathComponent("train-images-idx3-ubyte.gz")
            try Data(damaged).write(to: file)

            let run = try mnistTrain.run(["--data-dir", directory.path, "--no-save"], memoryLimitKiB: 800_000)
            #expect(run.status == 1)
            #expect(run.errors.contains("\(file.path) is damaged: gzip data is truncated"), "\(run.errors)")
        }
    }

    @Test func aThreadCountFarAboveTheCoresIsCappedWithAWarning() throws {
        try withTemporaryDirectory { directory in
            try writeSyntheticMNIST(to: directory)
            let run = try mnistTrain.run(["--data-dir", directory.path, "--epochs", "1", "--no-save", "--threads", "1000"])
            #expect(run.status == 0, "\(run.errors)")
            let maximum = 4 * ProcessInfo.processInfo.activeProcessorCount
            #expect(run.errors.contains("warning: --threads 1000 is more than 4 threads for each of the"), "\(run.errors)")
            #expect(run.output.contains("· \(maximum) threads"), "\(run.output)")
        }
    }

    /// Runs mnist-train with `--resume` on a checkpoint of `model` after one epoch, on made-up MNIST.
    func resume(_ model: Sequential) throws -> (status: Int32, output: String, errors: String, file: String) {
        try withTemporaryDirectory { directory in
            try writeSyntheticMNIST(to: directory)
            let file = directory.appendingPathComponent("other.safetensors")
            try TrainingCheckpoint(model: model, optimizer: Adam(), completedEpochs: 1).write(to: file)
            let run = try mnistTrain.run(["--data-dir", directory.path, "--epochs", "2", "--resume", file.path,
                                          "--save", directory.appendingPathComponent("model.safetensors").path])
            return (run.status, run.output, run.errors, file.path)
        }
    }

    @Test func resumingACheckpointForAnotherInputShapeSaysSo() throws {
        let run = try resume(Sequential(inputShape: [14, 14, 1], seed: 1) {
            Flatten()
            Dense(units: 10)
        })
        #expect(run.status == 1)
        #expect(run.errors.contains("\(run.file) cannot be resumed on MNIST: the model takes inputs of shape [14, 14, 1], "
                                    + "but the data's samples have shape [28, 28, 1]"), "\(run.errors)")
    }

    @Test func resumingACheckpointWithTwoClassesSaysSo() throws {
        let run = try resume(Sequential(inputShape: [28, 28, 1], seed: 1) {
            Flatten()
            Dense(units: 2)
        })
        #expect(run.status == 1)
        #expect(run.errors.contains("\(run.file) cannot be resumed on MNIST: the model tells 2 classes apart, but the data has 10"),
                "\(run.errors)")
    }

    @Test func resumingACheckpointThatIsNotAClassifierSaysSo() throws {
        let run = try resume(Sequential(inputShape: [28, 28, 1], seed: 1) {
            Conv2D(filters: 4, kernelSize: (3, 3))
        })
        #expect(run.status == 1)
        #expect(run.errors.contains("the model gives outputs of shape [26, 26, 4], not one score per class"), "\(run.errors)")
    }

    @Test func aSavePathInAMissingDirectoryFailsBeforeTraining() throws {
        try withTemporaryDirectory { directory in
            try writeSyntheticMNIST(to: directory)
            let missing = directory.appendingPathComponent("missing/model.safetensors").path
            let run = try mnistTrain.run(["--data-dir", directory.path, "--epochs", "1", "--save", missing])
            #expect(run.status == 1)
            #expect(run.errors.contains("--save \(missing): the directory \(directory.path)/missing does not exist"), "\(run.errors)")
            #expect(!run.output.contains("epoch"), "trained before failing: \(run.output)")

            let run2 = try mnistTrain.run(["--data-dir", directory.path, "--epochs", "1", "--save", directory.path])
            #expect(run2.status == 1)
            #expect(run2.errors.contains("--save \(directory.path) is a directory"), "\(run2.errors)")
        }
    }
}
