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
}
