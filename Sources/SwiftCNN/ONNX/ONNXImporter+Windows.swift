internal import ONNXProtobuf

// The operators that slide a window over an image, or pool all of it: they need channels-first images
// and turn their pads into this library's `valid` or `same` padding.
extension ONNXImporter {
    /// The node's input as an image in channels-first layout, which the window operators need.
    func channelsFirstImage(_ node: Onnx_NodeProto) throws -> Value {
        let input = try value(node, 0)
        guard input.layout == .channelsFirst else {
            throw unsupported(node, "input 0", "SwiftCNN imports \(node.opType) on channels-first images [N, C, H, W]")
        }
        return input
    }

    /// The window of a `Conv`, `MaxPool` or `AveragePool` node: its size, strides and how it pads `input`
    /// (padded further by `extraPads`).
    private func window(_ node: Onnx_NodeProto, _ attributes: [String: Onnx_AttributeProto], input: Value,
                        size: [Int]?) throws -> (size: (height: Int, width: Int), strides: (height: Int, width: Int), padding: Padding, output: [Int]) {
        let valid = 1...Int(Int32.max)
        guard let size = size ?? attributes.integers("kernel_shape"), size.count == 2, size.allSatisfy(valid.contains) else {
            throw unsupported(node, "kernel_shape", "it must hold two positive sizes")
        }
        if let kernelShape = attributes.integers("kernel_shape"), kernelShape != size {
            throw malformed(node, "kernel_shape \(kernelShape) differs from the weight's \(size)")
        }
        let strides = attributes.integers("strides") ?? [1, 1]
        guard strides.count == 2, strides.allSatisfy(valid.contains) else { throw unsupported(node, "strides", "it must hold two positive strides") }
        guard attributes.integers("dilations").map({ $0.allSatisfy { $0 == 1 } }) ?? true else {
            throw unsupported(node, "dilations", "SwiftCNN imports dilations of 1 only")
        }
        let window = (height: size[0], width: size[1]), stride = (height: strides[0], width: strides[1])
        let autoPad = attributes.string("auto_pad") ?? "NOTSET"
        let padding: Padding?
        switch autoPad {
        case "NOTSET":
            var pads = attributes.integers("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4 else { throw unsupported(node, "pads", "it must hold four sizes") }
            if let extra = input.pads { pads = zip(pads, extra).map { $0.0 &+ $0.1 } }
            padding = ONNXWindow.padding(pads: pads, input: input.shape, window: window, strides: stride)
            guard padding != nil else {
                throw unsupported(node, "pads", "\(pads) places the window neither as 'valid' (no padding) nor as 'same' (TensorFlow's, the odd pixel after)")
            }
        case "VALID": padding = .valid
        case "SAME_UPPER": padding = .same
        default: throw unsupported(node, "auto_pad", "\(autoPad) is not NOTSET, VALID or SAME_UPPER")
        }
        guard let padding, input.pads == nil || autoPad == "NOTSET",
              let height = padding.placement(inputLength: input.shape[0], windowLength: window.height, stride: stride.height),
              let width = padding.placement(inputLength: input.shape[1], windowLength: window.width, stride: stride.width) else {
            throw malformed(node, "its window \(size) does not fit the image \(input.shape)")
        }
        return (window, stride, padding, [height.outputLength, width.outputLength])
    }

    /// `Conv`: a ``Conv2D``, or a ``DepthwiseConv2D`` when there is one group per input channel.
    func convolution(_ node: Onnx_NodeProto) throws -> Value {
        let input = try channelsFirstImage(node)
        let attributes = try attributes(node, allowed: ["kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"])
        let channels = input.shape[2]
        guard let weight = try weight(node, 1), weight.shape.count == 4, weight.shape.allSatisfy({ $0 > 0 }) else {
            throw malformed(node, "its weight must be [out, in / group, height, width]")
        }
        let (outputs, size) = (weight.shape[0], [weight.shape[2], weight.shape[3]])
        let bias = try self.weight(node, 2, shape: [outputs], optional: true)
        let (window, strides, padding, outputSize) = try self.window(node, attributes, input: input, size: size)
        let group = attributes.integer("group", default: 1)
        let layer: Layer & PyTorchWeightLayout
        var shapes: [[Int]]
        if group == 1, weight.shape[1] == channels {
            layer = Conv2D(filters: outputs, kernelSize: window, strides: strides, padding: padding, useBias: bias != nil)
            shapes = [[size[0], size[1], channels, outputs]]
        } else if group == channels, weight.shape[1] == 1, outputs % channels == 0 {
            layer = DepthwiseConv2D(kernelSize: window, strides: strides, padding: padding, depthMultiplier: outputs / channels,
                                    useBias: bias != nil)
            shapes = [[size[0], size[1], channels, outputs / channels]]
        } else {
            throw unsupported(node, "group", "\(group) groups over \(channels) channels with a weight \(weight.shape): SwiftCNN imports 1 group, or one per input channel")
        }
        if bias != nil { shapes.append([outputs]) }
        try load(layer, shapes: shapes, from: [weight] + (bias.map { [$0] } ?? []), node: node)
        return Value(symbol: layer(input.symbol), shape: outputSize + [outputs], layout: .channelsFirst)
    }

    /// `MaxPool` (without `ceil_mode`) and `AveragePool` (not counting the padding).
    func pooling(_ node: Onnx_NodeProto) throws -> Value {
        let input = try channelsFirstImage(node)
        let isMax = node.opType == "MaxPool"
        let attributes = try self.attributes(node, allowed: Set(["kernel_shape", "strides", "pads", "dilations", "auto_pad", "ceil_mode"])
                                                .union(isMax ? ["storage_order"] : ["count_include_pad"]))
        guard attributes.integer("ceil_mode", default: 0) == 0 else { throw unsupported(node, "ceil_mode", "it must be 0") }
        guard attributes.integer("storage_order", default: 0) == 0 else { throw unsupported(node, "storage_order", "it must be 0") }
        let (window, strides, padding, outputSize) = try self.window(node, attributes, input: input, size: nil)
        guard padding == .valid || attributes.integer("count_include_pad", default: 0) == 0 else {
            throw unsupported(node, "count_include_pad", "SwiftCNN averages over the cells inside the image only")
        }
        let layer: Layer = isMax ? MaxPool2D(poolSize: window, strides: strides, padding: padding)
            : AveragePool2D(poolSize: window, strides: strides, padding: padding)
        return Value(symbol: layer(input.symbol), shape: outputSize + [input.shape[2]], layout: .channelsFirst)
    }

    /// `GlobalAveragePool`, or `ReduceMean` over the height and width: a ``GlobalAveragePooling2D``.
    func globalPooling(_ node: Onnx_NodeProto) throws -> Value {
        let input = try channelsFirstImage(node)
        var keepDimensions = true
        if node.opType == "ReduceMean" {
            let attributes = try attributes(node, allowed: ["axes", "keepdims", "noop_with_empty_axes"])
            let axes = try attributes.integers("axes") ?? constant(node, 1, optional: true)?.integers
            guard let axes, Set(axes.map { $0 < 0 ? $0 + 4 : $0 }) == [2, 3] else {
                throw unsupported(node, "axes", "SwiftCNN imports ReduceMean over the height and width (axes 2 and 3)")
            }
            keepDimensions = attributes.integer("keepdims", default: 1) == 1
        } else {
            _ = try attributes(node, allowed: [])
        }
        let symbol = GlobalAveragePooling2D()(input.symbol)
        return Value(symbol: symbol, shape: [input.shape[2]], layout: keepDimensions ? .pooled : .features(order: nil))
    }
}
