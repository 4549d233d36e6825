import Foundation
import ONNXProtobuf
@testable import SwiftCNN
import Testing
import TestSupport

/// A folder of PyTorch exports and their outputs written by Scripts/ONNX/make-fixtures.py, such as the three
/// networks on all 10,000 test images (Scripts/ONNX/parity.sh), in place of the committed fixtures.
private let measuredFixtures = ProcessInfo.processInfo.environment["SWIFTCNN_ONNX_FIXTURES"].map { URL(fileURLWithPath: $0) }
private let fixtureDirectory = measuredFixtures ?? onnxFixture("")

/// The MNIST test images of `directory`'s `mnist-test-images.safetensors`, `[N, 28, 28, 1]`, pixels / 255.
private func fixtureImages(in directory: URL) throws -> Tensor {
    let bytes = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("mnist-test-images.safetensors")).tensor(named: "images")
    return Tensor(shape: bytes.shape + [1], scalars: bytes.scalars.map { $0 / 255 })
}

/// Imports `pytorch-NAME.onnx` of `directory` and compares the model's outputs on the images there with
/// PyTorch's: logits within 1e-4, probabilities within 1e-5, and the same class for every image.
private func expectPyTorchsOutputs(_ name: String, in directory: URL) throws {
    let model = try Model(onnx: directory.appendingPathComponent("pytorch-\(name).onnx"))
    let images = try fixtureImages(in: directory)
    let expected = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("pytorch-\(name)-outputs.safetensors"))
        .tensor(named: "logits")
    #expect(model.inputShape == [28, 28, 1])
    let logits = model(images)
    #expect(logits.shape == expected.shape)
    let logitDifference = largestAbsoluteDifference(logits, expected)
    let probabilityDifference = largestAbsoluteDifference(model.predict(images), Softmax().forward(expected, training: false))
    let identical = zip(rowClasses(logits), rowClasses(expected)).filter { $0 == $1 }.count
    print("ONNX import of PyTorch's \(name): \(identical) of \(images.shape[0]) classes identical, largest logit difference \(logitDifference), largest probability difference \(probabilityDifference)")
    #expect(logitDifference <= 1e-4, "\(name)")
    #expect(probabilityDifference <= 1e-5, "\(name)")
    #expect(identical == images.shape[0], "\(name)")
}

/// Imports `keras-NAME.onnx` (Keras 3's export through tf2onnx, Scripts/ONNX/make-keras-fixtures.py) and
/// compares the model's outputs on the fixture images with Keras's probabilities: within 1e-5, and the same
/// class for every image.
private func expectKerasOutputs(_ name: String) throws {
    let model = try Model(onnx: onnxFixture("keras-\(name).onnx"))
    let images = try fixtureImages(in: onnxFixture(""))
    let expected = try SafeTensorsFile(contentsOf: onnxFixture("keras-\(name)-outputs.safetensors")).tensor(named: "probabilities")
    #expect(model.inputShape == [28, 28, 1])
    let probabilities = model(images)
    #expect(probabilities.shape == expected.shape)
    let difference = largestAbsoluteDifference(probabilities, expected)
    let identical = zip(rowClasses(probabilities), rowClasses(expected)).filter { $0 == $1 }.count
    print("ONNX import of Keras's \(name): \(identical) of \(images.shape[0]) classes identical, largest probability difference \(difference)")
    #expect(difference <= 1e-5, "\(name)")
    #expect(identical == images.shape[0], "\(name)")
}

@Suite struct ONNXImportTests {
    @Test(arguments: ["reference", "resnet8"])
    func pyTorchExportsGivePyTorchsOutputs(network: String) throws {
        try expectPyTorchsOutputs(network, in: fixtureDirectory)
    }

    @Test func theChannelsLastReferenceCNNBecomesTheSameLayersAsSwiftCNNs() throws {
        // networks.py's reference takes [N, 28, 28, 1] and transposes it; the import sees through both Transposes.
        let model = try Model(onnx: fixtureDirectory.appendingPathComponent("pytorch-reference.onnx"))
        #expect(model.layers.map(\.name) == ["conv2d", "relu", "max_pooling2d", "conv2d", "relu", "max_pooling2d", "flatten",
                                              "dense", "relu", "dense"])
        #expect(model.isChain)
    }

    @Test(arguments: ["reference", "resnet8"])
    func kerasExportsGiveKerasOutputs(network: String) throws {
        try expectKerasOutputs(network)
    }

    @Test func kerasDenseLayersTakeTheirBiasFromTheAddAfterMatMul() throws {
        // tf2onnx writes the input's move to channels-first as a Reshape (one channel), Flatten as
        // Shape → Gather → Cast → Slice → Concat → Cast → Reshape, and each Dense as MatMul + Add.
        let model = try Model(onnx: onnxFixture("keras-reference.onnx"))
        #expect(model.layers.map(\.name) == ["conv2d", "relu", "max_pooling2d", "conv2d", "relu", "max_pooling2d", "flatten",
                                              "dense", "relu", "dense", "softmax"])
        #expect(model.isChain)
        // Keras's count for networks.py's reference CNN: 320 + 18,496 + 102,464 + 650.
        #expect(model.parameterCount == 121_930)
    }

    @Test(.enabled(if: onnxPython != nil && onnxMNISTDirectory != nil, "needs SWIFTCNN_ONNX_PYTHON and MNIST_DIR"))
    func thePyTorchExamplesNetworkGivesPyTorchsOutputs() throws {
        // 4.8 MB of weights, so exported here rather than committed.
        if let measuredFixtures { return try expectPyTorchsOutputs("pytorch-examples", in: measuredFixtures) }
        let python = try #require(onnxPython)
        try withTemporaryDirectory { directory in
            _ = try runPython(python, [onnxScript("make-fixtures.py"), directory.path, "--networks", "pytorch-examples", "--images", "256"])
            try expectPyTorchsOutputs("pytorch-examples", in: directory)
        }
    }
}

/// An exported model of a few layers, decoded for a test to change.
private func smallGraph() throws -> Onnx_ModelProto {
    let model = try Sequential(inputShape: [6, 6, 1], seed: 1) {
        Conv2D(filters: 2, kernelSize: 3, activation: .relu)
        MaxPool2D(poolSize: 2)
        Flatten()
        Dense(units: 3)
    }
    return try model.onnxModel(opset: 13)
}

private func importing(_ proto: Onnx_ModelProto) throws -> Model {
    try Model(onnxData: try proto.serializedBytes(), file: "test.onnx")
}

@Suite struct ONNXImportErrorTests {
    @Test func anUnknownOperatorIsNamedWithItsNode() throws {
        var proto = try smallGraph()
        let index = try #require(proto.graph.node.firstIndex { $0.opType == "MaxPool" })
        proto.graph.node[index].opType = "LpPool"
        #expect(throws: ONNXError.unsupportedOperator(file: "test.onnx", node: "max_pooling2d", operator: "LpPool")) {
            try importing(proto)
        }
    }

    @Test func anUnsupportedAttributeIsNamedWithItsNodeAndOperator() throws {
        var proto = try smallGraph()
        let index = try #require(proto.graph.node.firstIndex { $0.opType == "Conv" })
        let dilations = try #require(proto.graph.node[index].attribute.firstIndex { $0.name == "dilations" })
        proto.graph.node[index].attribute[dilations].ints = [2, 2]
        #expect(throws: ONNXError.unsupportedAttribute(file: "test.onnx", node: "conv2d", operator: "Conv", attribute: "dilations",
                                                       reason: "SwiftCNN imports dilations of 1 only")) {
            try importing(proto)
        }
        var ceiling = try smallGraph()
        let pool = try #require(ceiling.graph.node.firstIndex { $0.opType == "MaxPool" })
        var ceilMode = Onnx_AttributeProto()
        ceilMode.name = "ceil_mode"
        ceilMode.type = .int
        ceilMode.i = 1
        ceiling.graph.node[pool].attribute.append(ceilMode)
        #expect(throws: ONNXError.unsupportedAttribute(file: "test.onnx", node: "max_pooling2d", operator: "MaxPool",
                                                       attribute: "ceil_mode", reason: "it must be 0")) {
            try importing(ceiling)
        }
    }

    @Test func truncatedAndForeignFilesAreUnreadable() throws {
        let data: Data = try smallGraph().serializedBytes()
        for cut in [1, 7, data.count / 2, data.count - 1] {
            #expect(throws: ONNXError.self) { try Model(onnxData: data.prefix(cut), file: "cut.onnx") }
        }
        #expect(throws: ONNXError.self) { try Model(onnxData: Data("{\"not\": \"onnx\"}".utf8), file: "json.onnx") }
        try withTemporaryDirectory { directory in
            let missing = directory.appendingPathComponent("missing.onnx")
            #expect(throws: ONNXError.unreadableFile(file: missing.path, reason: "it does not exist")) { try Model(onnx: missing) }
        }
    }

    @Test func rawDataThatDoesNotFitItsShapeIsRefusedBeforeAnythingIsAllocated() throws {
        var proto = try smallGraph()
        proto.graph.initializer[0].rawData = proto.graph.initializer[0].rawData.dropLast(4)
        let name = proto.graph.initializer[0].name
        #expect(throws: ONNXError.malformedTensor(file: "test.onnx", tensor: name,
                                                  reason: "its raw data has 68 bytes, not the 72 of its shape and type")) {
            try importing(proto)
        }
        var huge = try smallGraph()
        huge.graph.initializer[0].dims = [1 << 30, 1 << 30]
        #expect(throws: ONNXError.malformedTensor(file: "test.onnx", tensor: name,
                                                  reason: "its shape [1073741824, 1073741824] holds more than 2147483647 values")) {
            try importing(huge)
        }
    }

    @Test func aWeightOfTheWrongShapeIsNamed() throws {
        var proto = try smallGraph()
        let index = try #require(proto.graph.initializer.firstIndex { $0.name == "dense.weight" })
        proto.graph.initializer[index].dims = [9, 2]
        proto.graph.initializer[index].rawData = Data(count: 9 * 2 * 4)
        #expect(throws: ONNXError.malformedNode(file: "test.onnx", node: "dense", operator: "Gemm",
                                                reason: "its weight [9, 2] does not take 8 features")) {
            try importing(proto)
        }
    }

    @Test func anAddOfAConstantThatIsNotADenseBiasIsRefused() throws {
        var proto = try Onnx_ModelProto(serializedBytes: Data(contentsOf: onnxFixture("keras-reference.onnx")))
        let add = try #require(proto.graph.node.first { $0.opType == "Add" && $0.name.contains("dense2") })
        let bias = try #require(proto.graph.initializer.firstIndex { $0.name == add.input[1] })
        proto.graph.initializer[bias].dims = [5]
        proto.graph.initializer[bias].rawData = Data(count: 5 * 4)
        #expect(throws: ONNXError.unsupportedAttribute(
            file: "test.onnx", node: add.name, operator: "Add", attribute: "input 1",
            reason: "SwiftCNN imports Add of a constant only as the bias [units] of the MatMul whose result it alone reads")) {
            try importing(proto)
        }
    }

    @Test func aReshapeOfAnImageThatMovesMoreThanAxesOfSizeOneIsRefused() throws {
        var proto = try Onnx_ModelProto(serializedBytes: Data(contentsOf: onnxFixture("keras-reference.onnx")))
        let reshape = try #require(proto.graph.node.first { $0.opType == "Reshape" })
        let shape = try #require(proto.graph.initializer.firstIndex { $0.name == reshape.input[1] })
        proto.graph.initializer[shape].rawData = Data([-1, 1, 784, 1].flatMap { (value: Int64) in withUnsafeBytes(of: value.littleEndian, Array.init) })
        #expect(throws: ONNXError.unsupportedAttribute(
            file: "test.onnx", node: reshape.name, operator: "Reshape", attribute: "shape",
            reason: "SwiftCNN imports Reshape of an image to [N, features], or to its shape with axes of size 1 moved, not to [-1, 1, 784, 1]")) {
            try importing(proto)
        }
    }

    @Test func opsetsOutsideTheKnownRangeAreRefused() throws {
        var proto = try smallGraph()
        proto.opsetImport[0].version = 7
        #expect(throws: ONNXError.self) { try importing(proto) }
    }
}
