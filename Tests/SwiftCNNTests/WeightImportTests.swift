import Foundation
@testable import SwiftCNN
import Testing
import TestSupport

private let mnistDirectory = ProcessInfo.processInfo.environment["MNIST_DIR"]

// All 10,000 test images in release builds; in debug builds, where inference is many times slower, the
// first 1,000, to keep the suite quick.
#if DEBUG
private let checkedTestImages = 1_000
#else
private let checkedTestImages = 10_000
#endif

/// Images stored as bytes, scaled to [0, 1] as SwiftCNN reads MNIST, with a channel axis.
private func pixels(_ bytes: Tensor) -> Tensor {
    Tensor(shape: bytes.shape + [1], scalars: bytes.scalars.map { $0 / 255 })
}

private func largestDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
}

@Suite struct PyTorchImportTests {
    @Test func theTrainedReferenceCNNGivesPyTorchsProbabilities() throws {
        let model = try Sequential.referenceCNN()
        try model.loadWeights(fromPyTorch: interopFixture("pytorch-reference-cnn.safetensors"))
        let reference = try SafeTensorsFile(contentsOf: interopFixture("pytorch-reference-outputs.safetensors"))
        let images = pixels(try reference.tensor(named: "images"))
        let probabilities = model.predict(images)
        let expected = try reference.tensor(named: "probabilities")
        #expect(probabilities.shape == [16, 10])
        #expect(largestDifference(probabilities, expected) <= 1e-5)
        expectClose(model(images), try reference.tensor(named: "logits"), absolute: 1e-4, relative: 1e-5)
        let classes = try reference.tensor(named: "test_classes").scalars.prefix(16).map(Int.init)
        #expect(model.predictedClasses(for: images) == classes)
    }

    @Test(.enabled(if: mnistDirectory.map { FileManager.default.fileExists(atPath: $0) } ?? false,
                   "MNIST_DIR is not set to an existing directory"))
    func theReferenceCNNPredictsPyTorchsClassForTheMNISTTestImages() throws {
        let mnist = try MNIST(directory: URL(fileURLWithPath: try #require(mnistDirectory)), downloadMissingFiles: false)
        let inputs = mnist.test.prefix(checkedTestImages).inputs
        let model = try Sequential.referenceCNN()
        try model.loadWeights(fromPyTorch: interopFixture("pytorch-reference-cnn.safetensors"))
        let reference = try SafeTensorsFile(contentsOf: interopFixture("pytorch-reference-outputs.safetensors"))
        let expected = try reference.tensor(named: "test_classes").scalars.prefix(checkedTestImages).map(Int.init)
        let predicted = model.predictedClasses(for: inputs)
        let agreeing = zip(predicted, expected).filter { $0 == $1 }.count
        #expect(agreeing == checkedTestImages, "\(agreeing) of \(checkedTestImages) classes agree with PyTorch")
    }

    @Test func batchNormalizationBeforeAndAfterFlattenMatchesPyTorch() throws {
        let model = try Sequential(inputShape: [8, 8, 2]) {
            Conv2D(filters: 4, kernelSize: 3)
            BatchNormalization(epsilon: 1e-5)
            ReLU()
            MaxPool2D(poolSize: 2)
            Flatten()
            BatchNormalization(epsilon: 1e-5)
            Dense(units: 5)
        }
        try model.loadWeights(fromPyTorch: interopFixture("pytorch-batchnorm.safetensors"))
        let reference = try SafeTensorsFile(contentsOf: interopFixture("pytorch-batchnorm-outputs.safetensors"))
        let outputs = model(try reference.tensor(named: "inputs"))
        #expect(largestDifference(outputs, try reference.tensor(named: "outputs")) <= 1e-5)
    }
}

@Suite struct KerasImportTests {
    @Test func aSmallKerasModelGivesKerassOutputs() throws {
        let model = try Sequential(inputShape: [10, 10, 2]) {
            Conv2D(filters: 6, kernelSize: 3, activation: .relu)
            BatchNormalization()
            MaxPool2D(poolSize: 2)
            Conv2D(filters: 4, kernelSize: 3, strides: 2, padding: .same, useBias: false, activation: .tanh)
            Flatten()
            Dense(units: 8, activation: .sigmoid)
            LeakyReLU(slope: 0.2)
            Dense(units: 5)
        }
        try model.loadWeights(fromKeras: interopFixture("keras-small.safetensors"))
        let reference = try SafeTensorsFile(contentsOf: interopFixture("keras-small-outputs.safetensors"))
        let outputs = model(try reference.tensor(named: "inputs"))
        #expect(outputs.shape == [4, 5])
        #expect(largestDifference(outputs, try reference.tensor(named: "outputs")) <= 1e-5)
    }
}

@Suite struct WeightLayoutTests {
    /// Conv2d(3→2, 2×2) on [4, 4, 3] images, flattened from [3, 3, 2], then Linear(18→2): PyTorch's layout
    /// with every weight distinct.
    func pyTorchFile(_ edit: (inout SafeTensorsFile) -> Void = { _ in }) -> SafeTensorsFile {
        var file = SafeTensorsFile(metadata: ["format": "pt"])
        file.setTensor(Tensor(shape: [2, 3, 2, 2], scalars: (0..<24).map(Float.init)), named: "0.weight")
        file.setTensor(Tensor([0.5, -0.5]), named: "0.bias")
        file.setTensor(Tensor(shape: [2, 18], scalars: (0..<36).map { Float(1000 + $0) }), named: "2.weight")
        file.setTensor(Tensor([1, 2]), named: "2.bias")
        edit(&file)
        return file
    }

    func smallModel() throws -> Sequential {
        try Sequential(inputShape: [4, 4, 3]) {
            Conv2D(filters: 2, kernelSize: 2)
            Flatten()
            Dense(units: 2)
        }
    }

    func importing(_ file: SafeTensorsFile, into model: Sequential, order: [String]? = nil) throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("weights.safetensors")
            try file.write(to: url)
            try model.loadWeights(fromPyTorch: url, moduleOrder: order)
        }
    }

    @Test func convolutionKernelsGoFromOIHWToHWIO() throws {
        let model = try smallModel()
        try importing(pyTorchFile(), into: model)
        let kernel = try #require(model.layers[0] as? Conv2D).kernel.value
        #expect(kernel.shape == [2, 2, 3, 2])
        for o in 0..<2 { for i in 0..<3 { for h in 0..<2 { for w in 0..<2 {
            #expect(kernel[h, w, i, o] == Float(((o * 3 + i) * 2 + h) * 2 + w))
        } } } }
        #expect(try #require(model.layers[0] as? Conv2D).bias?.value == Tensor([0.5, -0.5]))
    }

    @Test func theDenseLayerAfterFlattenTakesChannelsFirstFeaturesInChannelsLastOrder() throws {
        let model = try smallModel()
        try importing(pyTorchFile(), into: model)
        let kernel = try #require(model.layers[2] as? Dense).kernel.value
        #expect(kernel.shape == [18, 2])
        // Our feature (h, w, c) of the [3, 3, 2] map is PyTorch's feature c·9 + h·3 + w.
        for h in 0..<3 { for w in 0..<3 { for c in 0..<2 { for o in 0..<2 {
            #expect(kernel[(h * 3 + w) * 2 + c, o] == Float(1000 + o * 18 + c * 9 + h * 3 + w))
        } } } }
    }

    @Test func anExplicitModuleOrderOverridesTheNaturalOne() throws {
        let renamed = pyTorchFile { file in
            for (old, new) in [("0.weight", "z_conv.weight"), ("0.bias", "z_conv.bias"),
                               ("2.weight", "a_fc.weight"), ("2.bias", "a_fc.bias")] {
                file.setTensor(try! file.tensor(named: old), named: new)
                file.removeTensor(named: old)
            }
        }
        let model = try smallModel()
        #expect(throws: ModelFileError.self) { try importing(renamed, into: model) }
        try importing(renamed, into: model, order: ["z_conv", "a_fc"])
        #expect(try #require(model.layers[2] as? Dense).bias?.value == Tensor([1, 2]))
    }

    @Test func mismatchedFilesAreRejectedAndTheModelIsLeftUnchanged() throws {
        let model = try smallModel()
        let before = tensorBits(of: model)
        let cases: [(SafeTensorsFile, (String) -> ModelFileError)] = [
            (pyTorchFile { $0.removeTensor(named: "2.weight"); $0.removeTensor(named: "2.bias") },
             { .layerCountMismatch(file: $0, expected: 2, found: ["0"]) }),
            (pyTorchFile { $0.removeTensor(named: "2.bias") }, { .missingTensor(file: $0, tensor: "2.bias") }),
            (pyTorchFile { $0.setTensor(Tensor([0]), named: "2.scale") }, { .unexpectedTensor(file: $0, tensor: "2.scale") }),
            (pyTorchFile { $0.setTensor(Tensor(shape: [2, 2, 2, 3]), named: "0.weight") },
             { .shapeMismatch(file: $0, tensor: "0.weight", expected: [2, 3, 2, 2], found: [2, 2, 2, 3]) }),
            (pyTorchFile { $0.setTensor(Tensor(shape: [18, 2]), named: "2.weight") },
             { .shapeMismatch(file: $0, tensor: "2.weight", expected: [2, 18], found: [18, 2]) }),
        ]
        for (file, expected) in cases {
            try withTemporaryDirectory { directory in
                let url = directory.appendingPathComponent("weights.safetensors")
                try file.write(to: url)
                #expect(throws: expected(url.path)) { try model.loadWeights(fromPyTorch: url) }
            }
            #expect(tensorBits(of: model) == before)
        }
    }

    @Test func numbersInNamesSortAsNumbers() {
        let names = ["10", "layer10", "2", "fc1", "layer2", "conv2", "1", "conv1.sub"]
        #expect(names.sorted(by: Sequential.naturallyPrecedes) == ["1", "2", "10", "conv1.sub", "conv2", "fc1", "layer2", "layer10"])
    }
}
