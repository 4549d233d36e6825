import Foundation
@testable import SwiftCNN
import Testing
import TestSupport

/// A functional model with every layer kind the exporter writes besides those of the reference CNN and
/// ResNet-8: normalisation, augmentation, 'same' windows with odd padding, a depthwise convolution, a
/// concatenation, average pooling, a batch normalisation after a Flatten, dropout, a merge of two heads.
func mixedONNXModel(seed: UInt64 = 3) throws -> Model {
    let input = Input(shape: [28, 28, 1])
    var x = Normalization(mean: [0.13], variance: [0.095])(input)
    x = RandomContrast(factor: 0.2, seed: 1)(RandomTranslation(heightFactor: 0.1, widthFactor: 0.1, seed: 2)(x))
    let stem = Conv2D(filters: 8, kernelSize: 3, strides: 2, padding: .same, activation: .leakyReLU(slope: 0.1))(x)  // 14×14×8
    let depthwise = LeakyReLU(slope: 0.2)(BatchNormalization()(DepthwiseConv2D(kernelSize: 3, padding: .same, depthMultiplier: 2)(stem)))
    let pointwise = ReLU()(Conv2D(filters: 8, kernelSize: 1, activation: .tanh)(stem))
    let joined = Concatenate()([depthwise, pointwise])                                       // 14×14×24
    let pooled = MaxPool2D(poolSize: 2, strides: 2, padding: .same)(
        AveragePool2D(poolSize: 3, strides: 2, padding: .same)(joined))                      // 7×7 → 4×4
    var features = Dropout(rate: 0.3, seed: 4)(BatchNormalization()(Flatten()(pooled)))
    features = Dense(units: 32, activation: .sigmoid)(Tanh()(features))
    let summary = Dense(units: 32)(Sigmoid()(GlobalAveragePooling2D()(joined)))
    let model = try Model(inputs: input, outputs: Dense(units: 10)(Add()([features, summary])), seed: seed)
    randomizeStatistics(of: model)
    return model
}

/// Gives each batch normalisation of `model` running statistics and an affine transform far from the
/// identity, so that an exporter that drops or misplaces them changes the outputs.
func randomizeStatistics(of model: Model) {
    var generator = Xoshiro256(seed: 9)
    func uniform(_ count: Int, _ range: ClosedRange<Float>) -> Tensor {
        Tensor(shape: [count], scalars: (0..<count).map { _ in Float.random(in: range, using: &generator) })
    }
    for case let normalization as BatchNormalization in model.layers {
        let channels = normalization.gamma.value.count
        normalization.gamma.value = uniform(channels, 0.5...1.5)
        normalization.beta.value = uniform(channels, -0.5...0.5)
        normalization.runningMean = uniform(channels, -0.3...0.3)
        normalization.runningVariance = uniform(channels, 0.5...2)
    }
}

/// MNIST test images, or seeded uniform images when MNIST is not at hand.
func onnxTestImages(_ count: Int) throws -> Tensor {
    guard let directory = onnxMNISTDirectory else { return Seeded.uniform([count, 28, 28, 1], in: 0...1) }
    return try MNIST(directory: directory, downloadMissingFiles: false).test.prefix(count).inputs
}

/// The models the export tests write.
func onnxExportCases() throws -> [(name: String, model: Model)] {
    let reference = try Sequential.referenceCNN(seed: 1)
    let resNet = try Model.resNet8(seed: 2)
    randomizeStatistics(of: resNet)
    return [("reference CNN", reference), ("ResNet-8", resNet), ("mixed", try mixedONNXModel())]
}

@Suite struct ONNXExportTests {
    @Test func exportThenImportGivesPredictsOutputsForEveryLayerKind() throws {
        let images = try onnxTestImages(64)
        try withTemporaryDirectory { directory in
            for (name, model) in try onnxExportCases() {
                let file = directory.appendingPathComponent("model.onnx")
                try model.exportONNX(to: file)
                let imported = try Model(onnx: file)
                let expected = model.predict(images)
                // The graph ends in the softmax `predict` applies, which the imported model keeps.
                #expect(imported.layers.last is Softmax, "\(name)")
                let difference = largestAbsoluteDifference(imported(images), expected)
                #expect(difference <= 1e-5, "\(name): largest difference \(difference)")
                #expect(rowClasses(imported(images)) == model.predictedClasses(for: images), "\(name)")
            }
        }
    }

    @Test func opsetsOtherThan13And17AreRefused() throws {
        let model = try Sequential.referenceCNN()
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("model.onnx")
            #expect(throws: ONNXError.unsupportedOpset(12)) { try model.exportONNX(to: file, opset: 12) }
            #expect(throws: ONNXError.unsupportedOpset(18)) { try model.exportONNX(to: file, opset: 18) }
            #expect(!FileManager.default.fileExists(atPath: file.path))
        }
    }

    @Test func aLayerWithoutAnONNXFormIsNamed() throws {
        final class Doubling: Layer {
            let name = "doubling"
            var parameters: [Parameter] { [] }
            func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] { inputShape }
            func forward(_ input: Tensor, training: Bool) -> Tensor { input * 2 }
            func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? { outputGradient * 2 }
        }
        let model = try Sequential(inputShape: [4]) {
            Dense(units: 3)
            Doubling()
        }
        _ = try withTemporaryDirectory { directory in
            #expect(throws: ONNXError.unexportableLayer(layer: "doubling", type: "Doubling")) {
                try model.exportONNX(to: directory.appendingPathComponent("model.onnx"))
            }
        }
    }

    @Test func sameWindowsWithOddPaddingPutTheExtraPixelAfter() {
        // 28 → 14 with a 3×3 window at stride 2: one pixel of padding in all, after (TensorFlow's placement).
        #expect(ONNXWindow.pads(.same, input: [28, 28, 1], window: (3, 3), strides: (2, 2)) == [0, 0, 1, 1])
        // 7 → 4 with a 2×2 window at stride 2: one pixel after; 5 → 5 with 4×4 at stride 1: 1 before, 2 after.
        #expect(ONNXWindow.pads(.same, input: [7, 5, 1], window: (2, 4), strides: (2, 1)) == [0, 1, 1, 2])
        #expect(ONNXWindow.pads(.valid, input: [7, 7, 1], window: (2, 2), strides: (2, 2)) == [0, 0, 0, 0])
        #expect(ONNXWindow.padding(pads: [1, 1, 1, 1], input: [28, 28], window: (3, 3), strides: (1, 1)) == .same)
        #expect(ONNXWindow.padding(pads: [1, 1, 1, 1], input: [28, 28], window: (3, 3), strides: (2, 2)) == nil)
    }
}

@Suite(.enabled(if: onnxPython != nil, "needs SWIFTCNN_ONNX_PYTHON, the python of Scripts/ONNX/setup-venv.sh (make test sets it)"))
struct ONNXRuntimeTests {
    @Test func aFlattenedImageOutputKeepsThisLibrarysFeatureOrder() throws {
        // No Dense after the Flatten takes the channels-first order, so the exporter puts the features back.
        let model = try Sequential(inputShape: [5, 4, 3], seed: 5) {
            Conv2D(filters: 2, kernelSize: 2)
            Flatten()
            Softmax()
        }
        let python = try #require(onnxPython)
        let inputs = Seeded.uniform([3, 5, 4, 3])
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("flat.onnx")
            try model.exportONNX(to: file, opset: 17)
            let (outputs, _) = try runInONNXRuntime(file, inputs: inputs, python: python)
            #expect(largestAbsoluteDifference(outputs, model.predict(inputs)) <= 1e-6)
        }
    }

    @Test(arguments: [13, 17])
    func onnxRuntimeGivesPredictsProbabilitiesOnMNISTImages(opset: Int) throws {
        let python = try #require(onnxPython)
        let images = try onnxTestImages(256)
        try withTemporaryDirectory { directory in
            for (name, model) in try onnxExportCases() {
                let file = directory.appendingPathComponent("model.onnx")
                try model.exportONNX(to: file, opset: opset)
                let (outputs, report) = try runInONNXRuntime(file, inputs: images, python: python)
                let expected = model.predict(images)
                #expect(report.producer_name == "SwiftCNN")
                #expect(report.opsets == ["ai.onnx": opset])
                #expect(report.ir_version == (opset == 13 ? 7 : 8))
                #expect(report.input == [.name("N"), .size(1), .size(28), .size(28)])
                #expect(outputs.shape == expected.shape)
                let difference = largestAbsoluteDifference(outputs, expected)
                #expect(difference <= 1e-5, "\(name), opset \(opset): largest probability difference \(difference)")
                #expect(rowClasses(outputs) == model.predictedClasses(for: images), "\(name), opset \(opset)")
            }
        }
    }
}

/// The files of Scripts/ONNX/parity.sh: `PATH.safetensors`, a model `mnist-train` saved, and `PATH.onnx`,
/// the ONNX file it exported in the same run.
private let parityModel = ProcessInfo.processInfo.environment["SWIFTCNN_ONNX_PARITY_MODEL"]

@Suite(.enabled(if: parityModel != nil && onnxPython != nil && onnxMNISTDirectory != nil,
                "Scripts/ONNX/parity.sh measures with SWIFTCNN_ONNX_PARITY_MODEL"))
struct ONNXParityMeasurement {
    @Test func aTrainedModelsExportGivesItsClassesOnAllTestImages() throws {
        let (path, python, directory) = (try #require(parityModel), try #require(onnxPython), try #require(onnxMNISTDirectory))
        let model = try Model(contentsOf: URL(fileURLWithPath: path + ".safetensors"))
        let test = try MNIST(directory: directory, downloadMissingFiles: false).test
        try withTemporaryDirectory { work in
            let file = work.appendingPathComponent("model.onnx")
            try FileManager.default.copyItem(at: URL(fileURLWithPath: path + ".onnx"), to: file)
            let (outputs, _) = try runInONNXRuntime(file, inputs: test.inputs, python: python)
            let expected = model.predict(test.inputs)
            let identical = zip(rowClasses(outputs), model.predictedClasses(for: test.inputs)).filter { $0 == $1 }.count
            let difference = largestAbsoluteDifference(outputs, expected)
            print("ONNX Runtime on \(test.count) MNIST test images: \(identical) identical classes, largest probability difference \(difference)")
            #expect(identical == test.count)
            #expect(difference <= 1e-5)
        }
    }
}
