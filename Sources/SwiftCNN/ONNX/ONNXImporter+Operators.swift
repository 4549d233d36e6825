internal import ONNXProtobuf

// Each ONNX operator the importer knows, as the layer (or the change of layout) it becomes.
extension ONNXImporter {
    /// The entries for the node's outputs.
    mutating func importNode(_ node: Onnx_NodeProto) throws -> [Entry] {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw ONNXError.unsupportedOperator(file: file, node: node.name, operator: "\(node.domain).\(node.opType)")
        }
        if isFoldable(node) { return [.constant(try fold(node))] }
        switch node.opType {
        case "Constant": return [.constant(try constantNode(node))]
        case "Identity", "Dropout": return [.value(try passThrough(node))]
        case "Conv": return [.value(try convolution(node))]
        case "Gemm", "MatMul": return [.value(try dense(node))]
        case "MaxPool", "AveragePool": return [.value(try pooling(node))]
        case "GlobalAveragePool", "ReduceMean": return [.value(try globalPooling(node))]
        case "BatchNormalization": return [.value(try batchNormalization(node))]
        case "Relu", "LeakyRelu", "Sigmoid", "Tanh": return [.value(try activation(node))]
        case "Softmax": return [.value(try softmax(node))]
        case "Add", "Concat": return [.value(try merge(node))]
        case "Sub", "Div": return [.value(try normalization(node))]
        case "Flatten", "Squeeze": return [.value(try flatten(node))]
        case "Reshape": return [.value(try reshape(node))]
        case "Shape": return [.constant(try shape(node))]
        case "Transpose": return [.value(try transpose(node))]
        case "Pad": return [.value(try pad(node))]
        default: throw ONNXError.unsupportedOperator(file: file, node: node.name, operator: node.opType)
        }
    }

    private func constantNode(_ node: Onnx_NodeProto) throws -> ONNXConstant {
        let attributes = try attributes(node, allowed: ["value"])
        guard let value = attributes["value"], value.hasT else { throw malformed(node, "it has no tensor value") }
        return try ONNXConstant(value.t, file: file)
    }

    /// `Identity`, and `Dropout`, which is the identity in inference.
    private func passThrough(_ node: Onnx_NodeProto) throws -> Value {
        _ = try attributes(node, allowed: ["seed"])
        if node.opType == "Dropout", let training = try constant(node, 2, optional: true), training.integers?.first != 0 {
            throw unsupported(node, "training_mode", "it must be false")
        }
        return try value(node, 0)
    }

    /// `Gemm` (`A · Bᵀ + C` with `transB`, as PyTorch's `Linear`) or `MatMul` by a constant: a ``Dense``,
    /// with the bias of the `Add` after a `MatMul` (see `biasAdd(after:units:)`).
    private mutating func dense(_ node: Onnx_NodeProto) throws -> Value {
        let input = try value(node, 0)
        let attributes = try attributes(node, allowed: ["alpha", "beta", "transA", "transB"])
        guard case let .features(order) = input.layout, input.shape.count == 1 else {
            throw unsupported(node, "input 0", "SwiftCNN imports \(node.opType) on feature vectors [N, F]")
        }
        guard attributes.integer("transA", default: 0) == 0 else { throw unsupported(node, "transA", "it must be 0") }
        guard attributes.float("alpha", default: 1) == 1, attributes.float("beta", default: 1) == 1 else {
            throw unsupported(node, attributes["alpha"].map { _ in "alpha" } ?? "beta", "it must be 1")
        }
        let features = input.shape[0]
        guard let matrix = try weight(node, 1), matrix.shape.count == 2 else { throw malformed(node, "its weight must be a matrix") }
        let transposed = attributes.integer("transB", default: 0) == 1
        let units = transposed ? matrix.shape[0] : matrix.shape[1]
        guard (transposed ? matrix.shape[1] : matrix.shape[0]) == features, units > 0 else {
            throw malformed(node, "its weight \(matrix.shape) does not take \(features) features")
        }
        var bias = node.opType == "Gemm" ? try weight(node, 2, optional: true) : biasAdd(after: node, units: units)
        if let vector = bias {
            guard vector.count == units, vector.shape.last == units else { throw malformed(node, "its bias \(vector.shape) is not [\(units)]") }
            bias?.shape = [units]
        }
        // PyTorch's layout, `[out, in]`.
        let weight = transposed ? matrix
            : ONNXConstant(shape: [units, features], floats: matrix.tensor?.transposed().scalars)
        let layer = Dense(units: units, useBias: bias != nil)
        try load(layer, shapes: [[features, units]] + (bias != nil ? [[units]] : []), from: [weight] + (bias.map { [$0] } ?? []),
                 featureOrder: order, node: node)
        return Value(symbol: layer(input.symbol), shape: [units], layout: .features(order: nil))
    }

    /// Sets `layer`'s parameters, of this library's `shapes`, from `tensors` in PyTorch's layout (the
    /// layer's ``PyTorchWeightLayout/pyTorchWeights`` in order), with rows of input features in `featureOrder`.
    func load(_ layer: PyTorchWeightLayout, shapes: [[Int]], from tensors: [ONNXConstant], featureOrder: [Int]? = nil,
                      node: Onnx_NodeProto) throws {
        for (parameter, shape) in zip(layer.parameters, shapes) { parameter.value = Tensor(shape: shape) }
        for (weight, tensor) in zip(layer.pyTorchWeights, tensors) {
            guard tensor.shape == weight.shape, let value = tensor.tensor else {
                throw malformed(node, "its \(weight.name) has shape \(tensor.shape), expected \(weight.shape)")
            }
            var converted = weight.convert(value)
            if weight.rowsAreInputFeatures, let featureOrder { converted = converted.gatheringRows(featureOrder) }
            weight.parameter.value = converted
        }
    }

    /// The constant `[units]` that an `Add` adds to the result of the `MatMul` `node` when it is the only
    /// node reading it, as tf2onnx writes Keras's `Dense`: that `Add` becomes the ``Dense``'s bias, and its
    /// output the ``Dense``'s.
    private mutating func biasAdd(after node: Onnx_NodeProto, units: Int) -> ONNXConstant? {
        guard let output = node.output.first, !output.isEmpty, !graph.output.contains(where: { $0.name == output }) else { return nil }
        let readers = graph.node.indices.filter { graph.node[$0].input.contains(output) }
        guard readers.count == 1 else { return nil }
        let add = graph.node[readers[0]]
        guard add.opType == "Add", add.domain.isEmpty || add.domain == "ai.onnx", add.input.count == 2, add.output.count == 1,
              add.attribute.isEmpty, let other = add.input.first(where: { $0 != output }),
              case let .constant(bias)? = entries[other], bias.floats != nil, bias.count == units, bias.shape.last == units else {
            return nil
        }
        absorbedNodes[readers[0]] = output
        return bias
    }

    /// `BatchNormalization` in inference mode.
    private func batchNormalization(_ node: Onnx_NodeProto) throws -> Value {
        let input = try value(node, 0)
        let attributes = try attributes(node, allowed: ["epsilon", "momentum", "training_mode", "spatial"])
        guard attributes.integer("training_mode", default: 0) == 0, attributes.integer("spatial", default: 1) == 1 else {
            throw unsupported(node, attributes["spatial"] != nil ? "spatial" : "training_mode", "SwiftCNN imports inference-mode, spatial normalisation")
        }
        let order: [Int]?
        switch input.layout {
        case .channelsFirst, .pooled: order = nil
        case let .features(features): order = features
        case .image: throw unsupported(node, "input 0", "SwiftCNN imports BatchNormalization on channels-first images")
        }
        let channels = input.shape[input.shape.count - 1]
        let statistics = try (1...4).map { index in
            guard let tensor = try weight(node, index, shape: [channels])?.tensor else { throw malformed(node, "input \(index) is missing") }
            return order.map { tensor.gatheringRows($0) } ?? tensor
        }
        let epsilon = attributes.float("epsilon", default: 1e-5), momentum = attributes.float("momentum", default: 0.9)
        guard epsilon > 0, epsilon.isFinite else { throw unsupported(node, "epsilon", "it must be positive, got \(epsilon)") }
        guard (0...1).contains(momentum) else { throw unsupported(node, "momentum", "it must be in 0...1, got \(momentum)") }
        let layer = BatchNormalization(momentum: momentum, epsilon: epsilon)
        layer.gamma.value = statistics[0]
        layer.beta.value = statistics[1]
        layer.runningMean = statistics[2]
        layer.runningVariance = statistics[3]
        return Value(symbol: layer(input.symbol), shape: input.shape, layout: input.layout)
    }

    private func activation(_ node: Onnx_NodeProto) throws -> Value {
        let input = try value(node, 0)
        let attributes = try attributes(node, allowed: node.opType == "LeakyRelu" ? ["alpha"] : [])
        let layer: Layer
        switch node.opType {
        case "Relu": layer = ReLU()
        case "Sigmoid": layer = Sigmoid()
        case "Tanh": layer = Tanh()
        default:
            let slope = attributes.float("alpha", default: 0.01)
            guard slope > 0, slope.isFinite else { throw unsupported(node, "alpha", "it must be positive, got \(slope)") }
            layer = LeakyReLU(slope: slope)
        }
        return Value(symbol: layer(input.symbol), shape: input.shape, layout: input.layout)
    }

    /// The ONNX axis of the model's channel (last) axis of `value`, when it has one in its layout.
    private func channelAxis(of value: Value) -> Int? {
        switch value.layout {
        case let .image(axes): return axes.firstIndex(of: 2).map { $0 + 1 }
        case .pooled, .features(order: nil): return 1
        case .features: return nil
        }
    }

    /// `Softmax` over the channels.
    private func softmax(_ node: Onnx_NodeProto) throws -> Value {
        let input = try value(node, 0)
        let attributes = try attributes(node, allowed: ["axis"])
        let rank = input.layout == .features(order: nil) ? 2 : 4
        let axis = attributes.integer("axis", default: opset >= 13 ? -1 : 1)
        guard let channelAxis = channelAxis(of: input), axis == channelAxis || axis + rank == channelAxis,
              rank == 2 || opset >= 13 else {
            throw unsupported(node, "axis", "SwiftCNN imports Softmax over the channels only")
        }
        return Value(symbol: Softmax()(input.symbol), shape: input.shape, layout: input.layout)
    }

    /// `Sub` of per-channel constants (means) or `Div` by them (deviations), as a ``Normalization`` layer
    /// exports: a ``Normalization`` with unit variance, or with zero mean and the squared deviations.
    private func normalization(_ node: Onnx_NodeProto) throws -> Value {
        let input = try value(node, 0)
        _ = try attributes(node, allowed: [])
        guard let constant = try weight(node, 1), let values = constant.floats else { throw malformed(node, "input 1 is missing") }
        let channels = input.shape[input.shape.count - 1]
        let perChannel: [Int]
        switch input.layout {
        case .channelsFirst, .pooled: perChannel = [channels, 1, 1]
        case .features: perChannel = [channels]
        case .image: throw unsupported(node, "input 0", "SwiftCNN imports \(node.opType) on channels-first images and features")
        }
        var statistics: [Float]
        if values.count == 1 {
            statistics = Array(repeating: values[0], count: channels)
        } else if Array(constant.shape.drop(while: { $0 == 1 })) == perChannel {
            statistics = values
        } else {
            throw unsupported(node, "input 1", "SwiftCNN imports \(node.opType) by a constant per channel, not of shape \(constant.shape)")
        }
        if case let .features(order?) = input.layout { statistics = order.map { statistics[$0] } }
        let layer: Normalization
        if node.opType == "Sub" {
            guard statistics.allSatisfy(\.isFinite) else { throw unsupported(node, "input 1", "the means must be finite") }
            layer = Normalization(mean: statistics, variance: Array(repeating: 1, count: channels))
        } else {
            let variances = statistics.map { $0 * $0 }
            guard statistics.allSatisfy({ $0 > 0 }), variances.allSatisfy(\.isFinite) else {
                throw unsupported(node, "input 1", "SwiftCNN imports Div by positive, finite deviations")
            }
            layer = Normalization(mean: Array(repeating: 0, count: channels), variance: variances)
        }
        return Value(symbol: layer(input.symbol), shape: input.shape, layout: input.layout)
    }

    /// `Add` of two computed tensors (an ``Add``) and `Concat` along the channels (a ``Concatenate``).
    private func merge(_ node: Onnx_NodeProto) throws -> Value {
        let attributes = try attributes(node, allowed: node.opType == "Concat" ? ["axis"] : [])
        guard node.input.count >= 2 else { throw malformed(node, "it has \(node.input.count) inputs") }
        if node.opType == "Add", let constant = node.input.firstIndex(where: { if case .constant? = entries[$0] { true } else { false } }) {
            throw unsupported(node, "input \(constant)", "SwiftCNN imports Add of a constant only as the bias [units] of the MatMul whose result it alone reads")
        }
        let inputs = try node.input.indices.map { try value(node, $0) }
        let layout = inputs[0].layout
        guard inputs.allSatisfy({ $0.layout == layout }) else {
            throw unsupported(node, "inputs", "its inputs lie in different layouts")
        }
        if node.opType == "Add" {
            guard node.input.count == 2, inputs[1].shape == inputs[0].shape else {
                throw malformed(node, "it adds \(inputs.map(\.shape)); SwiftCNN imports Add of two tensors of one shape")
            }
            return Value(symbol: Add()(inputs.map(\.symbol)), shape: inputs[0].shape, layout: layout)
        }
        let rank = layout == .features(order: nil) ? 2 : 4
        let axis = attributes.integer("axis", default: 1)
        guard let channelAxis = channelAxis(of: inputs[0]), axis == channelAxis || axis + rank == channelAxis else {
            throw unsupported(node, "axis", "SwiftCNN imports Concat along the channels only")
        }
        guard inputs.allSatisfy({ $0.shape.dropLast() == inputs[0].shape.dropLast() }) else {
            throw malformed(node, "its inputs \(inputs.map(\.shape)) differ outside the channels")
        }
        let (channels, overflow) = inputs.reduce((0, false)) { let s = $0.0.addingReportingOverflow($1.shape.last!); return (s.partialValue, $0.1 || s.overflow) }
        guard !overflow, channels <= Int(Int32.max) else { throw malformed(node, "it joins more than \(Int32.max) channels") }
        return Value(symbol: Concatenate()(inputs.map(\.symbol)), shape: inputs[0].shape.dropLast() + [channels], layout: layout)
    }

    /// `Flatten` from axis 1, a `Reshape` to `[N, F]` (PyTorch's `view(N, -1)` with a constant shape), or a
    /// `Squeeze` of a global pooling's height and width: a ``Flatten`` for images, which reorders the
    /// features when the image was not channels-last.
    private func flatten(_ node: Onnx_NodeProto) throws -> Value {
        let input = try value(node, 0)
        let attributes = try attributes(node, allowed: node.opType == "Flatten" ? ["axis"] : node.opType == "Reshape" ? ["allowzero"] : ["axes"])
        let count = input.shape.reduce(1, *)
        switch node.opType {
        case "Flatten":
            guard attributes.integer("axis", default: 1) == 1 else { throw unsupported(node, "axis", "SwiftCNN imports Flatten from axis 1") }
        case "Reshape":
            guard let shape = try constant(node, 1)?.integers, shape.count == 2, [0, -1].contains(shape[0]),
                  shape[1] == -1 || shape[1] == count else {
                throw unsupported(node, "shape", "SwiftCNN imports Reshape to [N, features] only (a shape [-1, F], [0, F] or [0, -1])")
            }
        default:
            let axes = try attributes.integers("axes") ?? constant(node, 1, optional: true)?.integers
            guard input.layout == .pooled, let axes, Set(axes.map { $0 < 0 ? $0 + 4 : $0 }) == [2, 3] else {
                throw unsupported(node, "axes", "SwiftCNN imports Squeeze of a global pooling's height and width only")
            }
        }
        switch input.layout {
        case let .image(axes):
            let order = flatteningOrder(ofImage: input.shape, axes: axes)
            let isLibraryOrder = order.elementsEqual(order.indices)
            return Value(symbol: Flatten()(input.symbol), shape: [count], layout: .features(order: isLibraryOrder ? nil : order))
        case .pooled, .features:
            return Value(symbol: input.symbol, shape: input.shape, layout: input.layout == .pooled ? .features(order: nil) : input.layout)
        }
    }

    /// `Reshape` to `[N, F]` (see `flatten(_:)`), or of an image to its ONNX shape with axes of size 1
    /// moved, as tf2onnx writes the `Transpose` of an image of one channel: only the layout changes.
    private func reshape(_ node: Onnx_NodeProto) throws -> Value {
        var input = try value(node, 0)
        guard case let .image(axes) = input.layout, let target = try constant(node, 1)?.integers, target.count == 4 else {
            return try flatten(node)
        }
        let attributes = try attributes(node, allowed: ["allowzero"])
        let copiesZeros = attributes.integer("allowzero", default: 0) == 0
        var units = axes.filter { input.shape[$0] == 1 }[...], others = axes.filter { input.shape[$0] != 1 }[...]
        var moved: [Int] = []
        for (index, size) in target.dropFirst().enumerated() {
            let size = size == 0 && copiesZeros ? input.shape[axes[index]] : size
            if size == 1, let axis = units.popFirst() {
                moved.append(axis)
            } else if let axis = others.popFirst(), input.shape[axis] == size {
                moved.append(axis)
            }
        }
        guard [0, ONNXImporter.batchSize].contains(target[0]), moved.count == 3 else {
            throw unsupported(node, "shape", "SwiftCNN imports Reshape of an image to [N, features], or to its shape with axes of size 1 moved, not to \(target)")
        }
        input.layout = .image(axes: moved)
        return input
    }

    /// `Transpose` of an image's axes, which the model does not move: only the layout changes.
    private func transpose(_ node: Onnx_NodeProto) throws -> Value {
        var input = try value(node, 0)
        let attributes = try attributes(node, allowed: ["perm"])
        guard case let .image(axes) = input.layout, let perm = attributes.integers("perm"), perm.count == 4, perm[0] == 0,
              perm.sorted() == [0, 1, 2, 3] else {
            throw unsupported(node, "perm", "SwiftCNN imports Transpose of an image's height, width and channel axes only")
        }
        input.layout = .image(axes: perm.dropFirst().map { axes[$0 - 1] })
        return input
    }

    /// `Pad` with zeros around the height and width of a channels-first image, which the next `Conv` takes.
    private func pad(_ node: Onnx_NodeProto) throws -> Value {
        var input = try channelsFirstImage(node)
        let attributes = try attributes(node, allowed: ["mode", "pads", "value"])
        guard (attributes.string("mode") ?? "constant") == "constant" else { throw unsupported(node, "mode", "it must be constant") }
        let value = try attributes["value"]?.f ?? constant(node, 2, optional: true)?.floats?.first ?? 0
        guard value == 0 else { throw unsupported(node, "value", "SwiftCNN imports padding with zeros only") }
        guard try constant(node, 3, optional: true) == nil else { throw unsupported(node, "axes", "SwiftCNN imports Pad of all axes") }
        let pads = try attributes.integers("pads") ?? constant(node, 1)?.integers ?? []
        guard pads.count == 8, pads[0] == 0, pads[1] == 0, pads[4] == 0, pads[5] == 0, pads.allSatisfy({ (0...Int(Int32.max)).contains($0) }),
              input.pads == nil else {
            throw unsupported(node, "pads", "SwiftCNN imports Pad by non-negative amounts of the height and width only")
        }
        input.pads = [pads[2], pads[3], pads[6], pads[7]]
        return input
    }
}
