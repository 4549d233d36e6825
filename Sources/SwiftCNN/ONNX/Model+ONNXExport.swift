import Foundation
internal import ONNXProtobuf
internal import SwiftProtobuf

extension Model {
    /// The operator sets ``exportONNX(to:opset:)`` writes, with the IR version of each.
    static let onnxIRVersions = [13: 7, 17: 8]

    /// Writes the model as an ONNX file that ONNX Runtime (or any ONNX runtime) runs for inference, with
    /// the outputs of ``predict(_:batchSize:)``.
    ///
    /// The graph takes images channels-first, `[N, C, H, W]` (the ONNX convention; the batch size `N` is
    /// free), where the model takes `[N, H, W, C]`; other inputs, such as feature vectors `[N, F]`, are as the
    /// model takes them. Its output, named `probabilities`, is what `predict` returns: the softmax of the
    /// model's outputs, unless the model ends in ``Softmax``.
    ///
    /// ```swift
    /// try model.exportONNX(to: URL(fileURLWithPath: "mnist.onnx"))
    /// ```
    ///
    /// Layers become these operators: ``Conv2D`` `Conv`; ``DepthwiseConv2D`` `Conv` with one group per
    /// channel; ``Dense`` `Gemm`; activations `Relu`, `LeakyRelu`, `Sigmoid`, `Tanh`; ``MaxPool2D`` `MaxPool`;
    /// ``AveragePool2D`` `AveragePool`; ``GlobalAveragePooling2D`` `GlobalAveragePool` and `Flatten`;
    /// ``Flatten`` `Flatten`; ``BatchNormalization`` `BatchNormalization` with the running statistics;
    /// ``Normalization`` `Sub` and `Div`; ``Dropout`` `Dropout` (the identity in inference); ``Softmax``
    /// `Softmax`; ``Add`` `Add`; ``Concatenate`` `Concat`. The random augmentation layers are the identity in
    /// inference and write nothing. Weights are converted to ONNX's layouts (kernels `[out, in, height,
    /// width]`), and the first ``Dense`` after a ``Flatten`` of images takes the features in the
    /// channels-first order of ONNX's `Flatten`. The file is replaced atomically.
    ///
    /// - Parameters:
    ///   - url: The file to write.
    ///   - opset: The ONNX operator set: 13 (IR version 7, read by ONNX Runtime 1.8 and later) or 17
    ///     (IR version 8).
    /// - Throws: ``ONNXError/unsupportedOpset(_:)``, ``ONNXError/unexportableLayer(layer:type:)`` for a layer
    ///   of your own, ``ONNXError/unwritableFile(file:reason:)``.
    public func exportONNX(to url: URL, opset: Int = 13) throws {
        let data: Data = try onnxModel(opset: opset).serializedBytes()
        do {
            try AtomicFile.replaceContents(of: url, with: data)
        } catch let failure as AtomicFile.Failure {
            throw ONNXError.unwritableFile(file: url.path, reason: failure.reason)
        }
    }

    /// The model as an ONNX model of `opset`.
    func onnxModel(opset: Int) throws -> Onnx_ModelProto {
        guard let irVersion = Model.onnxIRVersions[opset] else { throw ONNXError.unsupportedOpset(opset) }
        var graph = ONNXGraphBuilder()
        var values = [ONNXValue(name: "input", shape: inputShape, channelsFirstImage: nil)]
        for (index, layer) in layers.enumerated() {
            guard let layer = layer as? ONNXExportable else {
                throw ONNXError.unexportableLayer(layer: layerNames[index], type: String(describing: type(of: layers[index])))
            }
            graph.scope = layerNames[index]
            graph.outputShape = layerOutputShapes[index]
            values.append(try layer.exportONNX(layerInputs[index].map { values[$0] }, to: &graph))
        }
        graph.scope = "output"
        var output = graph.inLibraryOrder(values[values.count - 1])
        if output.isImage {
            output.name = graph.node("Transpose", [output.name], [.integers("perm", [0, 2, 3, 1])])
        }
        // What `predict` returns, in a node named after the graph's output.
        graph.scope = "probabilities"
        let probabilities = layers[layers.count - 1] is Softmax ? graph.node("Identity", [output.name])
            : graph.node("Softmax", [output.name], [.integer("axis", -1)])

        var proto = Onnx_GraphProto()
        proto.name = "swiftcnn"
        proto.node = graph.nodes
        proto.initializer = graph.initializers
        proto.input = [Model.valueInfo("input", batched: inputShape.count == 3 ? [inputShape[2], inputShape[0], inputShape[1]] : inputShape)]
        proto.output = [Model.valueInfo(probabilities, batched: outputShape)]

        var model = Onnx_ModelProto()
        model.irVersion = Int64(irVersion)
        model.producerName = "SwiftCNN"
        model.producerVersion = Model.onnxProducerVersion
        var operatorSet = Onnx_OperatorSetIdProto()
        operatorSet.domain = ""
        operatorSet.version = Int64(opset)
        model.opsetImport = [operatorSet]
        model.graph = proto
        return model
    }

    /// The version of SwiftCNN written into exported files.
    static let onnxProducerVersion = "0.1"

    /// A float tensor `[N] + shape`, its batch dimension named `N`.
    private static func valueInfo(_ name: String, batched shape: [Int]) -> Onnx_ValueInfoProto {
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "N"
        tensorType.shape.dim = [batch] + shape.map { size in
            var dimension = Onnx_TensorShapeProto.Dimension()
            dimension.dimValue = Int64(size)
            return dimension
        }
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensorType
        return info
    }
}
