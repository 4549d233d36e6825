import Foundation
import SwiftCNN
import SwiftCNNVision
import Testing
import TestSupport

/// `mnist-predict` given models it cannot use: each ends with a plain message naming the model file and
/// exit status 1, never a crash, a huge allocation or a printed `nan%`.
@Suite struct MNISTPredictMisuseTests {
    let mnistPredict = ExampleExecutable(name: "mnist-predict")

    /// A 28×28 picture of a bar, which the preprocessor accepts as a digit.
    func writeDigit(to url: URL) throws {
        var pixels = [Float](repeating: 0, count: 28 * 28)
        for row in 6..<22 { for column in 12..<16 { pixels[row * 28 + column] = 1 } }
        try Image(width: 28, height: 28, channels: 1, pixels: pixels).write(to: url)
    }

    @Test func aModelWithNaNWeightsIsRefusedOnLoad() throws {
        try withTemporaryDirectory { directory in
            let model = try Sequential(inputShape: [28, 28, 1], seed: 1) {
                Flatten()
                Dense(units: 10)
            }
            model.layers[1].parameters[1].value = Tensor(shape: [10], repeating: .nan)
            let modelFile = directory.appendingPathComponent("model.safetensors")
            try model.save(to: modelFile)
            let picture = directory.appendingPathComponent("digit.png")
            try writeDigit(to: picture)

            let run = try mnistPredict.run(["--model", modelFile.path, picture.path])
            #expect(run.status == 1)
            #expect(!run.output.contains("nan"), "\(run.output)")
            #expect(run.errors.contains("\(modelFile.path): tensor 'layers.1.bias' holds nan at element 0"), "\(run.errors)")
        }
    }

    @Test func aPredictionThatOverflowsIsAnErrorNotNaNPercent() throws {
        try withTemporaryDirectory { directory in
            // Finite weights whose products overflow: every logit is +inf, and softmax of them is NaN.
            let model = try Sequential(inputShape: [28, 28, 1], seed: 1) {
                Flatten()
                Dense(units: 10)
            }
            model.layers[1].parameters[0].value = Tensor(shape: [784, 10], repeating: 3e38)
            let modelFile = directory.appendingPathComponent("model.safetensors")
            try model.save(to: modelFile)
            let picture = directory.appendingPathComponent("digit.png")
            try writeDigit(to: picture)

            let run = try mnistPredict.run(["--model", modelFile.path, picture.path])
            #expect(run.status == 1)
            #expect(!run.output.contains("nan"), "\(run.output)")
            #expect(run.errors.contains("\(picture.path): \(modelFile.path) gave probabilities that are not numbers"),
                    "\(run.errors)")
        }
    }

    @Test func aModelWhoseActivationsExceedTheLimitIsRefusedBeforeUse() throws {
        try withTemporaryDirectory { directory in
            // A few hundred bytes on disk, but a 46,340 × 46,340 input: 8.6 GB a sample.
            let model = try Sequential(inputShape: [46_340, 46_340, 1], seed: 1) {
                MaxPool2D(poolSize: (46_340, 46_340))
                Flatten()
                Dense(units: 10)
            }
            #expect(model.activationBytesPerSample == 4 * (46_340 * 46_340 + 1 + 1 + 10))
            #expect(throws: ActivationMemoryError.self) { try model.checkActivationMemory(batchSize: 1) }
            #expect(throws: Never.self) { try model.checkActivationMemory(batchSize: 1, limit: 9_000_000_000) }
            let modelFile = directory.appendingPathComponent("model.safetensors")
            try model.save(to: modelFile)
            let picture = directory.appendingPathComponent("digit.png")
            try writeDigit(to: picture)

            // Under a 3 GB address-space limit, an attempt to allocate the 8.6 GB fails at once.
            let run = try mnistPredict.run(["--model", modelFile.path, picture.path], memoryLimitKiB: 3_000_000)
            #expect(run.status == 1)
            #expect(run.errors.contains("\(modelFile.path) cannot be used: the model's activations would take 8.6 GB "
                                        + "for a batch of 1 (8.6 GB a sample), more than the 4.3 GB allowed"), "\(run.errors)")
        }
    }

    @Test func savePreprocessedNamingAFileSaysSo() throws {
        try withTemporaryDirectory { directory in
            let model = try Sequential(inputShape: [28, 28, 1], seed: 1) {
                Flatten()
                Dense(units: 10)
            }
            let modelFile = directory.appendingPathComponent("model.safetensors")
            try model.save(to: modelFile)
            let picture = directory.appendingPathComponent("digit.png")
            try writeDigit(to: picture)

            let run = try mnistPredict.run(["--model", modelFile.path, "--save-preprocessed", picture.path, picture.path])
            #expect(run.status == 1)
            #expect(run.errors.contains("--save-preprocessed \(picture.path) is a file; name a directory"), "\(run.errors)")
        }
    }

    @Test func aDirectoryOrADeviceGivenAsAPictureIsSaidToBeOne() throws {
        try withTemporaryDirectory { directory in
            let model = try Sequential(inputShape: [28, 28, 1], seed: 1) {
                Flatten()
                Dense(units: 10)
            }
            let modelFile = directory.appendingPathComponent("model.safetensors")
            try model.save(to: modelFile)

            let run = try mnistPredict.run(["--model", modelFile.path, directory.path, "/dev/zero"])
            #expect(run.status == 1)
            #expect(run.errors.contains("\(directory.path): cannot read the file (it is a directory, not a file)"), "\(run.errors)")
            #expect(run.errors.contains("/dev/zero: cannot read the file (it is a device, pipe or socket, not a regular file)"),
                    "\(run.errors)")
            #expect(!run.errors.contains("NSCocoaErrorDomain") && !run.errors.contains("ermission"), "\(run.errors)")

            let asModel = try mnistPredict.run(["--model", directory.path, "/dev/zero"])
            #expect(asModel.status == 1)
            #expect(asModel.errors.contains("\(directory.path): cannot read the file: it is a directory, not a file"),
                    "\(asModel.errors)")
        }
    }
}
