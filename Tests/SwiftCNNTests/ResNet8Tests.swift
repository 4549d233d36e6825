import Foundation
@testable import SwiftCNN
import TestSupport
import Testing

/// A committed file under `Fixtures/resnet8-pytorch`, found beside this source file.
private func pyTorchFixture(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/resnet8-pytorch").appendingPathComponent(name)
}

@Suite struct ResNet8Tests {
    @Test func hasTheArchitectureOfTheBenchmarkSet() throws {
        let model = try Model.resNet8(seed: 1)
        // Stem 144 + 32; block 1: 2 · (2,304 + 32); block 2: 4,608 + 64 + 9,216 + 64 + 512 + 64;
        // block 3: 18,432 + 128 + 36,864 + 128 + 2,048 + 128; Dense 64 · 10 + 10.
        #expect(model.parameterCount == 77_754)
        #expect(model.outputShape == [10])
        #expect(model.layerOutputShapes.contains([7, 7, 64]))
        #expect(model.layers.filter { $0 is Add }.count == 3)
        // Each block's input feeds the block and its shortcut (or the Add itself).
        let readers = (0...model.layers.count).map { value in model.layerInputs.filter { $0.contains(value) }.count }
        #expect(readers.filter { $0 == 2 }.count == 3)
    }

    @Test func trainsAndResumesExactlyThroughTheFunctionalAPI() throws {
        var generator = Xoshiro256(seed: 2)
        let images = Tensor(randomUniform: [24, 12, 12, 1], in: 0...1, using: &generator)
        let data = LabeledDataset(inputs: images, labels: (0..<24).map { Int32($0 % 3) }, classCount: 3)
        let straight = try Model.resNet8(inputShape: [12, 12, 1], classCount: 3, seed: 4)
        let full = try straight.fit(data, epochs: 2, batchSize: 8, optimizer: Adam(), verbosity: .quiet)
        let interrupted = try Model.resNet8(inputShape: [12, 12, 1], classCount: 3, seed: 4)
        let optimizer = Adam()
        try interrupted.fit(data, epochs: 1, batchSize: 8, optimizer: optimizer, verbosity: .quiet)
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("resnet.safetensors")
            try TrainingCheckpoint(model: interrupted, optimizer: optimizer, completedEpochs: 1).write(to: url)
            let checkpoint = try TrainingCheckpoint(contentsOf: url)
            let rest = try checkpoint.model.fit(data, epochs: 2, batchSize: 8, optimizer: checkpoint.optimizer,
                                                initialEpoch: 1, verbosity: .quiet)
            #expect(rest.loss.map(\.bitPattern) == full.loss.suffix(1).map(\.bitPattern))
            #expect(checkpoint.model.parameters.map(\.value) == straight.parameters.map(\.value))
        }
    }

    /// The fixture's README says how PyTorch made it: the same network, Keras's 'same' padding, epsilon 1e-5.
    @Test func weightsTrainedInPyTorchGiveItsClassesOnEveryFashionTestImage() throws {
        let fashion = try MNIST(variant: .fashion, downloadMissingFiles: false)
        let model = try Model.resNet8(seed: 1, epsilon: 1e-5)
        let order = try JSONDecoder().decode([String].self, from: Data(contentsOf: pyTorchFixture("module_order.json")))
        try model.loadWeights(fromPyTorch: pyTorchFixture("weights.safetensors"), moduleOrder: order)
        let expected = try Data(contentsOf: pyTorchFixture("classes.u8")).map(Int.init)
        #expect(model.predictedClasses(for: fashion.test.inputs) == expected)

        let probabilities = try Data(contentsOf: pyTorchFixture("probabilities-16.f32")).withUnsafeBytes {
            Array($0.bindMemory(to: Float.self))
        }
        expectClose(model.predict(fashion.test.subset(0..<16).inputs), Tensor(shape: [16, 10], scalars: probabilities),
                    absolute: 1e-5, relative: 1e-4)
    }
}
