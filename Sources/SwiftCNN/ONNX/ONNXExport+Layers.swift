internal import ONNXProtobuf

// The ONNX form of each built-in layer, in inference mode. Weights are written in ONNX's layouts, which
// are PyTorch's (see PyTorchWeightLayout), and images travel channels-first (see ONNXValue).

extension ONNXGraphBuilder {
    /// A `Conv` node of `layer`'s weights over `input`, then the layer's activation.
    fileprivate mutating func convolution(_ layer: PyTorchWeightLayout, input: ONNXValue, window: (height: Int, width: Int),
                                          strides: (height: Int, width: Int), padding: Padding, group: Int,
                                          activation: Activation) -> ONNXValue {
        let weights = layer.pyTorchWeights.map { constant($0.name, $0.export($0.parameter.value)) }
        let attributes = ONNXWindow.attributes(padding, input: input.shape, window: window, strides: strides)
            + [.integers("dilations", [1, 1]), .integer("group", group)]
        return output(apply(activation, to: node("Conv", [input.name] + weights, attributes)))
    }

    /// A pooling node of `op` over `input`.
    fileprivate mutating func pooling(_ op: String, input: ONNXValue, window: (height: Int, width: Int),
                                      strides: (height: Int, width: Int), padding: Padding,
                                      _ extra: [Onnx_AttributeProto] = []) -> ONNXValue {
        output(node(op, [input.name], ONNXWindow.attributes(padding, input: input.shape, window: window, strides: strides) + extra))
    }

    /// `tensor`, whose rows stand for the features of `value`, with its rows in the graph's order of them.
    fileprivate func inGraphOrder(_ tensor: Tensor, of value: ONNXValue) -> Tensor {
        value.featureOrder.map { tensor.scatteringRows($0) } ?? tensor
    }
}

extension Conv2D: ONNXExportable {
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        graph.convolution(self, input: inputs[0], window: kernelSize, strides: strides, padding: padding, group: 1,
                          activation: activation)
    }
}

extension DepthwiseConv2D: ONNXExportable {
    /// A `Conv` with one group per input channel, as PyTorch writes a depthwise convolution.
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        graph.convolution(self, input: inputs[0], window: kernelSize, strides: strides, padding: padding,
                          group: inputs[0].shape[2], activation: activation)
    }
}

extension Dense: ONNXExportable {
    /// `Gemm` with the weight `[out, in]` transposed, as PyTorch writes `Linear`; after a `Flatten` of images
    /// the weight's columns follow the graph's channels-first order of the features.
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        let input = inputs[0]
        let weights = pyTorchWeights.map { weight in
            let value = weight.rowsAreInputFeatures ? graph.inGraphOrder(weight.parameter.value, of: input) : weight.parameter.value
            return graph.constant(weight.name, weight.export(value))
        }
        let product = graph.node("Gemm", [input.name] + weights, [.integer("transB", 1)])
        return graph.output(graph.apply(activation, to: product))
    }
}

extension BatchNormalization: ONNXExportable {
    /// `BatchNormalization` in inference mode, over the running statistics.
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        let input = inputs[0]
        let statistics = [("scale", gamma.value), ("bias", beta.value), ("mean", runningMean), ("variance", runningVariance)]
        let names = statistics.map { graph.constant($0.0, graph.inGraphOrder($0.1, of: input)) }
        let normalized = graph.node("BatchNormalization", [input.name] + names, [.float("epsilon", epsilon)])
        return graph.output(normalized, channelsFirstImage: input.channelsFirstImage)
    }
}

extension Normalization: ONNXExportable {
    /// `Sub` of the means, then `Div` by the deviations the layer divides by.
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        let input = inputs[0]
        let deviation = Tensor(shape: variance.shape, scalars: variance.scalars.map { Swift.max($0.squareRoot(), 1e-7) })
        let shape = input.channelConstantShape(mean.count)
        let meanName = graph.constant("mean", graph.inGraphOrder(mean, of: input).reshaped(to: shape))
        let deviationName = graph.constant("deviation", graph.inGraphOrder(deviation, of: input).reshaped(to: shape))
        let centred = graph.node("Sub", [input.name, meanName])
        return graph.output(graph.node("Div", [centred, deviationName]), channelsFirstImage: input.channelsFirstImage)
    }
}

extension MaxPool2D: ONNXExportable {
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        graph.pooling("MaxPool", input: inputs[0], window: poolSize, strides: strides, padding: padding)
    }
}

extension AveragePool2D: ONNXExportable {
    /// `AveragePool` without the padding in the count, as this layer averages over the cells inside the image.
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        graph.pooling("AveragePool", input: inputs[0], window: poolSize, strides: strides, padding: padding,
                      [.integer("count_include_pad", 0)])
    }
}

extension GlobalAveragePooling2D: ONNXExportable {
    /// `GlobalAveragePool`, `[N, C, 1, 1]`, flattened to this layer's `[N, C]`.
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        let pooled = graph.node("GlobalAveragePool", [inputs[0].name])
        return graph.output(graph.node("Flatten", [pooled], [.integer("axis", 1)]))
    }
}

extension Flatten: ONNXExportable {
    /// ONNX's `Flatten`, which orders an image's features channels-first; the value says so, and the layers
    /// after it take them in that order.
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        let input = inputs[0]
        guard input.shape.count > 1 else { return graph.output(input.name, channelsFirstImage: input.channelsFirstImage) }
        return graph.output(graph.node("Flatten", [input.name], [.integer("axis", 1)]),
                            channelsFirstImage: input.isImage ? input.shape : nil)
    }
}

extension Dropout: ONNXExportable {
    /// `Dropout`, which runtimes apply in inference mode: the identity.
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        graph.output(graph.node("Dropout", [inputs[0].name]), channelsFirstImage: inputs[0].channelsFirstImage)
    }
}

extension Softmax: ONNXExportable {
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        let input = graph.inLibraryOrder(inputs[0])
        return graph.output(graph.node("Softmax", [input.name], [.integer("axis", input.channelAxis)]))
    }
}

extension Add: ONNXExportable {
    /// `Add` of two inputs at a time; inputs flattened alike keep their order.
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        let order = inputs[0].channelsFirstImage
        let terms = inputs.allSatisfy({ $0.channelsFirstImage == order }) ? inputs : inputs.map { graph.inLibraryOrder($0) }
        var sum = graph.node("Add", [terms[0].name, terms[1].name])
        for term in terms.dropFirst(2) { sum = graph.node("Add", [sum, term.name]) }
        return graph.output(sum, channelsFirstImage: terms[0].channelsFirstImage)
    }
}

extension Concatenate: ONNXExportable {
    /// `Concat` along the channel axis.
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        let parts = inputs.map { graph.inLibraryOrder($0) }
        return graph.output(graph.node("Concat", parts.map(\.name), [.integer("axis", parts[0].channelAxis)]))
    }
}

/// An element-wise activation keeps the order of flattened features.
extension ONNXExportable where Self: ElementwiseActivationLayer {
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        graph.output(graph.apply(elementwise.activation, to: inputs[0].name), channelsFirstImage: inputs[0].channelsFirstImage)
    }
}

extension ReLU: ONNXExportable {}
extension LeakyReLU: ONNXExportable {}
extension Sigmoid: ONNXExportable {}
extension Tanh: ONNXExportable {}

/// A random augmentation is the identity in inference, so it writes no node.
extension ONNXExportable where Self: RandomAugmentationLayer {
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue {
        graph.output(inputs[0].name, channelsFirstImage: inputs[0].channelsFirstImage)
    }
}

extension RandomTranslation: ONNXExportable {}
extension RandomRotation: ONNXExportable {}
extension RandomZoom: ONNXExportable {}
extension RandomContrast: ONNXExportable {}
extension RandomElasticDeformation: ONNXExportable {}
extension RandomStrokeWidth: ONNXExportable {}
