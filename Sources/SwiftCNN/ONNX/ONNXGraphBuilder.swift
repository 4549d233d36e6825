internal import ONNXProtobuf

/// The graph of a model being exported to ONNX, built layer by layer: each layer adds its nodes and
/// initializers under its own name (`conv2d`, `dense_1`), so the graph reads like the model's summary.
struct ONNXGraphBuilder {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    /// The name of the layer being exported: nodes and initializers are named after it.
    var scope = ""
    /// The shape of one output sample of the layer being exported, in this library's layout.
    var outputShape: [Int] = []
    /// The names given so far, to nodes (and their outputs) and initializers.
    private var names: Set<String> = ["input"]

    /// Adds a float initializer named `<layer>.<name>` and returns its name.
    mutating func constant(_ name: String, _ tensor: Tensor) -> String {
        var proto = Onnx_TensorProto(tensor)
        proto.name = unique("\(scope).\(name)")
        initializers.append(proto)
        return proto.name
    }

    /// Adds a one-dimensional 64-bit integer initializer named `<layer>.<name>` (a shape, for `Reshape`).
    mutating func integers(_ name: String, _ values: [Int]) -> String {
        var proto = Onnx_TensorProto()
        proto.name = unique("\(scope).\(name)")
        proto.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        proto.dims = [Int64(values.count)]
        proto.int64Data = values.map(Int64.init)
        initializers.append(proto)
        return proto.name
    }

    /// Adds a node of `op` and returns the name of its output. The layer's first node is named after the
    /// layer, the others `<layer>/<op>`, numbered when an operator repeats; a node's output has its name.
    mutating func node(_ op: String, _ inputs: [String], _ attributes: [Onnx_AttributeProto] = []) -> String {
        var node = Onnx_NodeProto()
        node.name = unique(names.contains(scope) ? "\(scope)/\(op)" : scope)
        node.opType = op
        node.input = inputs
        node.output = [node.name]
        node.attribute = attributes
        nodes.append(node)
        return node.name
    }

    /// `name`, or `name_1`, `name_2`… when it is taken; recorded as taken.
    private mutating func unique(_ name: String) -> String {
        var candidate = name, number = 0
        while names.contains(candidate) {
            number += 1
            candidate = "\(name)_\(number)"
        }
        names.insert(candidate)
        return candidate
    }

    /// The node computing `activation` of `input`, or `input` itself for the identity.
    mutating func apply(_ activation: Activation, to input: String) -> String {
        switch activation {
        case .linear: return input
        case .relu: return node("Relu", [input])
        case let .leakyReLU(slope): return node("LeakyRelu", [input], [.float("alpha", slope)])
        case .sigmoid: return node("Sigmoid", [input])
        case .tanh: return node("Tanh", [input])
        }
    }

    /// The layer's output: the tensor `name` of the layer's output shape.
    func output(_ name: String, channelsFirstImage: [Int]? = nil) -> ONNXValue {
        ONNXValue(name: name, shape: outputShape, channelsFirstImage: channelsFirstImage)
    }

    /// `value` with its features in this library's order: features flattened channels-first are viewed as
    /// the image `[N, C, H, W]` again, moved to `[N, H, W, C]` and flattened.
    mutating func inLibraryOrder(_ value: ONNXValue) -> ONNXValue {
        guard let image = value.channelsFirstImage else { return value }
        let (height, width, channels) = (image[0], image[1], image[2])
        let shape = integers("image_shape", [-1, channels, height, width])
        let channelsFirst = node("Reshape", [value.name, shape])
        let channelsLast = node("Transpose", [channelsFirst], [.integers("perm", [0, 2, 3, 1])])
        let flat = node("Flatten", [channelsLast], [.integer("axis", 1)])
        return ONNXValue(name: flat, shape: value.shape)
    }
}

extension Onnx_AttributeProto {
    static func integer(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .int
        attribute.i = Int64(value)
        return attribute
    }

    static func integers(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .ints
        attribute.ints = values.map(Int64.init)
        return attribute
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .float
        attribute.f = value
        return attribute
    }
}
