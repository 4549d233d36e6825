import Foundation
internal import ONNXProtobuf
internal import SwiftProtobuf

/// Turns an ONNX graph into the layers of a functional model, node by node in the graph's (topological)
/// order, tracking for each tensor how its ONNX layout maps onto this library's channels-last one.
struct ONNXImporter {
    /// How a tensor of the graph lies over the model's tensor.
    enum Layout: Equatable {
        /// An image `[N, a, b, c]`: `axes[i]` is the model's image axis (0 height, 1 width, 2 channels) at
        /// ONNX axis `i + 1`; `[2, 0, 1]` is channels-first.
        case image(axes: [Int])
        /// The model's features `[F]` as `[N, C, 1, 1]`: a global pooling that kept its dimensions.
        case pooled
        /// Features `[N, F]`; `order[r]`, when given, is the ONNX index of the model's feature `r` (features
        /// flattened from an image in another order than channels-last).
        case features(order: [Int]?)

        static let channelsFirst = Layout.image(axes: [2, 0, 1])
    }

    /// A tensor of the graph that the model computes.
    struct Value {
        var symbol: SymbolicTensor
        /// The model's shape of one sample.
        var shape: [Int]
        var layout: Layout
        /// Zeros that a `Pad` node put around the image (`[top, left, bottom, right]`), which the next
        /// convolution takes into its own padding: the model's tensor is the image without them.
        var pads: [Int]?
    }

    enum Entry {
        case value(Value)
        case constant(ONNXConstant)
    }

    /// The file's path, for errors.
    let file: String
    let graph: Onnx_GraphProto
    /// The version of the default (`ai.onnx`) operator set.
    let opset: Int
    var entries: [String: Entry] = [:]
    /// The model's input.
    private(set) var input = Input(shape: [1])
    /// Nodes another node's layer took in (by index in the graph), with the tensor holding their result.
    var absorbedNodes: [Int: String] = [:]

    /// The operator sets the importer reads: the operators it knows have kept their meaning since 9.
    static let opsets = 9...23

    init(data: Data, file: String) throws {
        self.file = file
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw ONNXError.unreadableFile(file: file, reason: "it is not an ONNX protobuf (\(error))")
        }
        guard model.hasGraph else { throw ONNXError.unreadableFile(file: file, reason: "it holds no graph") }
        guard let version = model.opsetImport.first(where: { $0.domain.isEmpty || $0.domain == "ai.onnx" })?.version,
              ONNXImporter.opsets.contains(Int(version)) else {
            throw ONNXError.unsupportedModel(file: file, reason: "SwiftCNN imports ONNX operator sets \(ONNXImporter.opsets), this file uses \(model.opsetImport.map { "\($0.domain.isEmpty ? "ai.onnx" : $0.domain) \($0.version)" })")
        }
        opset = Int(version)
        graph = model.graph
    }

    /// The model's input and output, with every layer between them holding the graph's weights.
    mutating func importGraph() throws -> (input: SymbolicTensor, output: SymbolicTensor) {
        for initializer in graph.initializer {
            entries[initializer.name] = .constant(try ONNXConstant(initializer, file: file))
        }
        let inputs = graph.input.filter { entries[$0.name] == nil }
        guard inputs.count == 1 else {
            throw ONNXError.unsupportedModel(file: file, reason: "the graph has \(inputs.count) inputs; SwiftCNN imports models of one input")
        }
        entries[inputs[0].name] = .value(try modelInput(inputs[0]))
        for (index, node) in graph.node.enumerated() {
            if let result = absorbedNodes[index] {
                entries[node.output[0]] = entries[result]
                continue
            }
            let outputs = try importNode(node)
            guard outputs.count <= node.output.count else {
                throw malformed(node, "it has \(node.output.count) outputs, the operator makes \(outputs.count)")
            }
            for (name, entry) in zip(node.output, outputs) where !name.isEmpty { entries[name] = entry }
        }
        guard graph.output.count == 1 else {
            throw ONNXError.unsupportedModel(file: file, reason: "the graph has \(graph.output.count) outputs; SwiftCNN imports models of one output")
        }
        guard case let .value(output)? = entries[graph.output[0].name] else {
            throw ONNXError.unsupportedModel(file: file, reason: "no node computes the output \(graph.output[0].name) from the input")
        }
        switch output.layout {
        case .pooled, .features(order: nil): return (input, output.symbol)
        default:
            throw ONNXError.unsupportedModel(file: file, reason: "the output \(graph.output[0].name) is not a batch of feature vectors [N, F]")
        }
    }

    /// The graph's input as the model's: images `[N, C, H, W]`, or `[N, H, W, C]` when every node that reads
    /// them first moves the channels forward (as a model written for channels-last input does, and tf2onnx
    /// writes for Keras: a `Transpose`, or a `Reshape` to `[N, 1, H, W]` when there is one channel); or
    /// features `[N, F]`.
    private mutating func modelInput(_ info: Onnx_ValueInfoProto) throws -> Value {
        func unsupported(_ reason: String) -> ONNXError {
            .unsupportedModel(file: file, reason: "the input \(info.name) \(reason)")
        }
        guard case let .tensorType(type)? = info.type.value, type.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw unsupported("is not a float tensor")
        }
        let dimensions = type.shape.dim.dropFirst().map { dimension -> Int? in
            guard case let .dimValue(size)? = dimension.value, size > 0, size <= Int64(Int32.max) else { return nil }
            return Int(size)
        }
        guard type.shape.dim.count == 4 || type.shape.dim.count == 2, let sizes = dimensions as? [Int] else {
            throw unsupported("must be [N, C, H, W], [N, H, W, C] or [N, F] with fixed sizes after N, not \(type.shape.dim.map(\.debugDescription))")
        }
        let (count, overflow) = sizes.reduce((1, false)) { let p = $0.0.multipliedReportingOverflow(by: $1); return (p.partialValue, $0.1 || p.overflow) }
        guard !overflow, count <= Int(Int32.max) else { throw unsupported("has more than \(Int32.max) values per sample") }
        guard sizes.count == 3 else {
            input = Input(shape: sizes)
            return Value(symbol: input, shape: sizes, layout: .features(order: nil))
        }
        let readers = graph.node.filter { $0.input.contains(info.name) }
        let channelsLast = !readers.isEmpty && readers.allSatisfy { node in
            node.opType == "Transpose" ? node.attribute.first { $0.name == "perm" }?.ints == [0, 3, 1, 2]
                : node.opType == "Reshape" && sizes[2] == 1 && reshapeTarget(node).map { Array($0.dropFirst()) } == [1, sizes[0], sizes[1]]
        }
        let shape = channelsLast ? sizes : [sizes[1], sizes[2], sizes[0]]
        input = Input(shape: shape)
        return Value(symbol: input, shape: shape, layout: channelsLast ? .image(axes: [0, 1, 2]) : .channelsFirst)
    }

    /// The shape an initializer gives a `Reshape` node, read before the nodes are imported.
    private func reshapeTarget(_ node: Onnx_NodeProto) -> [Int]? {
        guard node.input.count == 2, let proto = graph.initializer.first(where: { $0.name == node.input[1] }) else { return nil }
        return (try? ONNXConstant(proto, file: file))?.integers
    }

    // MARK: - A node's inputs and attributes

    func malformed(_ node: Onnx_NodeProto, _ reason: String) -> ONNXError {
        .malformedNode(file: file, node: node.name, operator: node.opType, reason: reason)
    }

    func unsupported(_ node: Onnx_NodeProto, _ attribute: String, _ reason: String) -> ONNXError {
        .unsupportedAttribute(file: file, node: node.name, operator: node.opType, attribute: attribute, reason: reason)
    }

    /// The node's input `index`, which must be a tensor computed from the model's input.
    func value(_ node: Onnx_NodeProto, _ index: Int) throws -> Value {
        guard index < node.input.count, let entry = entries[node.input[index]] else {
            throw malformed(node, "input \(index) is missing or made by no earlier node")
        }
        guard case let .value(value) = entry else {
            throw unsupported(node, "input \(index)", "it is a constant; SwiftCNN imports operators on constants only as weights")
        }
        guard value.pads == nil || node.opType == "Conv" else {
            throw unsupported(node, "input \(index)", "it is padded by a Pad node, which SwiftCNN imports only before a Conv")
        }
        return value
    }

    /// The node's input `index`, which must be a constant, or nil when the input is left out and `optional`.
    func constant(_ node: Onnx_NodeProto, _ index: Int, optional: Bool = false) throws -> ONNXConstant? {
        guard index < node.input.count, !node.input[index].isEmpty else {
            if optional { return nil }
            throw malformed(node, "input \(index) is missing")
        }
        guard let entry = entries[node.input[index]] else { throw malformed(node, "input \(node.input[index]) is made by no earlier node") }
        guard case let .constant(constant) = entry else {
            throw unsupported(node, "input \(index)", "it is computed; SwiftCNN needs an initializer or a Constant there")
        }
        return constant
    }

    /// The node's input `index` as a float tensor of `shape` (nil: any shape).
    func weight(_ node: Onnx_NodeProto, _ index: Int, shape: [Int]? = nil, optional: Bool = false) throws -> ONNXConstant? {
        guard let constant = try constant(node, index, optional: optional) else { return nil }
        guard constant.floats != nil else { throw malformed(node, "input \(index) is not a float tensor") }
        if let shape, constant.shape != shape {
            throw malformed(node, "input \(index) has shape \(constant.shape), expected \(shape)")
        }
        return constant
    }

    /// The node's attributes, read by name; the node may have no others.
    func attributes(_ node: Onnx_NodeProto, allowed: Set<String>) throws -> [String: Onnx_AttributeProto] {
        var result: [String: Onnx_AttributeProto] = [:]
        for attribute in node.attribute {
            guard allowed.contains(attribute.name) else {
                throw unsupported(node, attribute.name, "SwiftCNN does not import this attribute of \(node.opType)")
            }
            result[attribute.name] = attribute
        }
        return result
    }
}

extension [String: Onnx_AttributeProto] {
    func integer(_ name: String, default value: Int) -> Int {
        self[name].map { Int(truncatingIfNeeded: $0.i) } ?? value
    }

    func integers(_ name: String) -> [Int]? {
        self[name].map { $0.ints.map { Int(truncatingIfNeeded: $0) } }
    }

    func float(_ name: String, default value: Float) -> Float {
        self[name]?.f ?? value
    }

    func string(_ name: String) -> String? {
        self[name].map { String(decoding: $0.s, as: UTF8.self) }
    }
}
