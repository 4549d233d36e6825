import Foundation
import SwiftCNN
import Testing
import TestSupport

/// The `mnist-train` executable, run as a subprocess for one short epoch on real MNIST.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MNIST_DIR"] != nil, "needs MNIST_DIR"),
       .serialized)
struct MNISTTrainTests {
    let mnistTrain = ExampleExecutable(name: "mnist-train")

    /// The test accuracy that a run printed, in percent.
    func accuracy(in output: String) throws -> Double {
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("test accuracy: ") })
        return try #require(Double(line.dropFirst("test accuracy: ".count).dropLast()))
    }

    @Test func trainsAStandardisedModelSavesItAndResumes() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("model.safetensors").path
            let arguments = ["--train-limit", "3000", "--seed", "3", "--no-augment", "--save", file]
            let first = try mnistTrain.run(["--epochs", "1"] + arguments)
            #expect(first.status == 0, "\(first.errors)")
            #expect(first.output.contains("normalization (Normalization)"))
            #expect(first.output.contains("Trainable params: 121,930"))
            // One epoch of 47 steps: 88.2% with this seed; the [0, 1] pixels give 84.1%.
            #expect(try accuracy(in: first.output) >= 85)

            let saved = try TrainingCheckpoint(contentsOf: URL(fileURLWithPath: file))
            let normalization = try #require(saved.model.layers.first as? Normalization)
            let images = try MNIST(downloadMissingFiles: false).train.prefix(3000).inputs
            expectClose(normalization.mean, Tensor([images.mean()]), absolute: 1e-5)
            let deviation = images - images.mean()
            expectClose(normalization.variance, Tensor([(deviation * deviation).mean()]), absolute: 1e-5)

            let resumed = try mnistTrain.run(["--epochs", "2", "--resume", file] + arguments)
            #expect(resumed.status == 0, "\(resumed.errors)")
            #expect(resumed.output.contains("resuming \(file) after epoch 1"))
            #expect(try TrainingCheckpoint(contentsOf: URL(fileURLWithPath: file)).completedEpochs == 2)
            #expect(try accuracy(in: resumed.output) > accuracy(in: first.output))
        }
    }

    @Test func withoutStandardisingTheModelTakesThePixelsAsTheyAre() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("model.safetensors").path
            let launched = Date().timeIntervalSince1970
            let run = try mnistTrain.run(["--epochs", "1", "--train-limit", "1000", "--no-standardize",
                                          "--no-augment", "--quiet", "--save", file])
            let exited = Date().timeIntervalSince1970
            #expect(run.status == 0, "\(run.errors)")
            let model = try Sequential(contentsOf: URL(fileURLWithPath: file))
            #expect(model.layers.first is Conv2D && model.layers.count == 7)
            // The time the race to 99% (Benchmarks/Scripts/race-to-99.py) reads: within the process's life.
            let prefix = "training ended: ", suffix = " s after the Unix epoch"
            let line = try #require(run.output.split(separator: "\n").first { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) })
            let ended = try #require(Double(line.dropFirst(prefix.count).dropLast(suffix.count)))
            #expect(ended > launched && ended < exited)
        }
    }

    @Test func augmentationLayersComeFirstAreSavedAndPictured() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("model.safetensors").path
            let plots = directory.appendingPathComponent("plots").path
            let run = try mnistTrain.run(["--epochs", "1", "--train-limit", "2000", "--elastic-alpha", "20",
                                          "--stroke-width", "0.3", "--contrast", "0.2", "--seed", "4",
                                          "--save", file, "--plots", plots])
            #expect(run.status == 0, "\(run.errors)")
            let model = try Sequential(contentsOf: URL(fileURLWithPath: file))
            #expect(model.layers.prefix(7).map(\.name) == [
                "random_stroke_width", "random_elastic_deformation", "random_rotation", "random_zoom",
                "random_translation", "random_contrast", "normalization",
            ])
            // One epoch of 32 augmented steps: well above chance, though below the unaugmented run.
            #expect(try accuracy(in: run.output) >= 60)
            #expect(fileNames(in: URL(fileURLWithPath: plots)).contains("augmentation.png"))
        }
    }
}
