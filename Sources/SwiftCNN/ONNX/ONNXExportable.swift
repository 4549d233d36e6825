/// A layer that writes itself into an ONNX graph, for ``Model/exportONNX(to:opset:)``: the nodes and
/// initializers that compute its inference-mode output.
protocol ONNXExportable: Layer {
    /// Appends to `graph` the nodes computing this layer's output from `inputs` (one per input of the layer)
    /// and returns the output, made with ``ONNXGraphBuilder/output(_:channelsFirstImage:)``.
    func exportONNX(_ inputs: [ONNXValue], to graph: inout ONNXGraphBuilder) throws -> ONNXValue
}

/// A tensor of the ONNX graph being exported.
///
/// ONNX runtimes take images channels-first, so a value whose sample shape is an image `[H, W, C]` in this
/// library is `[N, C, H, W]` in the graph; any other value is `[N] + shape` in both.
struct ONNXValue {
    /// The tensor's name in the graph.
    var name: String
    /// The shape of one sample in this library's layout.
    var shape: [Int]
    /// For features flattened from an image of this shape: the graph holds them in channels-first order
    /// `(c, h, w)`, as ONNX's `Flatten` of `[N, C, H, W]` gives, not in this library's `(h, w, c)`. Layers
    /// that work feature by feature keep the order and reorder their weights to match (the first `Dense`
    /// after a `Flatten`, as PyTorch's weights are); the others ask for ``ONNXGraphBuilder/inLibraryOrder(_:)``.
    var channelsFirstImage: [Int]?

    /// Whether the value is an image, laid out `[N, C, H, W]` in the graph.
    var isImage: Bool { shape.count == 3 }

    /// The graph axis of this library's last (channel) axis: 1 for an image, the last otherwise.
    var channelAxis: Int { isImage ? 1 : shape.count }

    /// For features flattened from an image: for each feature in this library's order, its index in the
    /// graph's order.
    var featureOrder: [Int]? { channelsFirstImage.map { channelsFirstOrder(ofImage: $0) } }

    /// The shape of a constant that broadcasts along the channel axis of this value, for `count` channels.
    func channelConstantShape(_ count: Int) -> [Int] {
        isImage ? [count, 1, 1] : [count]
    }
}
