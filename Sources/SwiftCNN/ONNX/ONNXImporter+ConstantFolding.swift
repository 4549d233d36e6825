internal import ONNXProtobuf

// Operators on constants only, which exporters leave in a graph to compute shapes and pads (PyTorch's
// `F.pad` writes its pads as ConstantOfShape → Concat → Reshape → Slice → Transpose → Reshape → Cast;
// tf2onnx writes Keras's `Flatten` as Shape → Gather → Cast → Slice → Concat → Cast → Reshape): the
// importer computes them once, so the layer that reads the result sees a constant.
extension ONNXImporter {
    /// The operators folded when all their inputs are constants.
    static let foldedOperators: Set<String> = ["Cast", "ConstantOfShape", "Concat", "Gather", "Reshape", "Slice", "Transpose"]

    /// The size that stands for the batch in the shapes `Shape` gives: it is not known when the graph is
    /// read, and as `-1` a `Reshape` to that shape keeps the batch.
    static let batchSize = -1

    /// `Shape` of a computed tensor: its ONNX shape, the batch as ``batchSize``.
    func shape(_ node: Onnx_NodeProto) throws -> ONNXConstant {
        let input = try value(node, 0)
        let attributes = try attributes(node, allowed: ["start", "end"])
        let dimensions: [Int]
        switch input.layout {
        case let .image(axes): dimensions = axes.map { input.shape[$0] }
        case .pooled: dimensions = [input.shape[0], 1, 1]
        case .features: dimensions = input.shape
        }
        let shape = [ONNXImporter.batchSize] + dimensions
        func clamped(_ index: Int) -> Int { Swift.min(Swift.max(index < 0 ? index + shape.count : index, 0), shape.count) }
        let start = clamped(attributes.integer("start", default: 0)), end = clamped(attributes.integer("end", default: shape.count))
        let selected = start < end ? Array(shape[start..<end]) : []
        return ONNXConstant(shape: [selected.count], integers: selected)
    }

    /// The most values a folded constant may have.
    static let largestFoldedConstant = 1 << 24

    /// Whether `node` computes a constant from constants.
    func isFoldable(_ node: Onnx_NodeProto) -> Bool {
        ONNXImporter.foldedOperators.contains(node.opType) && node.input.allSatisfy { name in
            if name.isEmpty { return true }
            if case .constant? = entries[name] { return true }
            return false
        }
    }

    /// The constant `node` computes from its constant inputs.
    func fold(_ node: Onnx_NodeProto) throws -> ONNXConstant {
        let inputs = try node.input.indices.map { try constant(node, $0, optional: true) }
        guard let first = inputs.first ?? nil else { throw malformed(node, "input 0 is missing") }
        switch node.opType {
        case "Cast":
            let attributes = try attributes(node, allowed: ["to", "saturate"])
            switch Onnx_TensorProto.DataType(rawValue: attributes.integer("to", default: 0)) {
            case .float: return ONNXConstant(shape: first.shape, floats: first.floats ?? first.integers?.map { Float($0) })
            case .int64, .int32:
                return ONNXConstant(shape: first.shape, integers: try first.integers ?? first.floats?.map { value in
                    guard let integer = Int(exactly: value.rounded(.towardZero)) else { throw malformed(node, "it casts \(value) to an integer") }
                    return integer
                })
            default: throw unsupported(node, "to", "SwiftCNN folds casts to float, int64 and int32 only")
            }
        case "ConstantOfShape":
            let attributes = try attributes(node, allowed: ["value"])
            guard let shape = first.integers, shape.allSatisfy({ $0 >= 0 }) else { throw malformed(node, "its shape is not non-negative integers") }
            let count = try checkedCount(shape, node)
            let value = try attributes["value"].map { try ONNXConstant($0.t, file: file) } ?? ONNXConstant(shape: [1], floats: [0])
            guard value.count == 1 else { throw malformed(node, "its value is not one number") }
            return ONNXConstant(shape: shape, floats: value.floats.map { Array(repeating: $0[0], count: count) },
                                integers: value.integers.map { Array(repeating: $0[0], count: count) })
        case "Reshape":
            _ = try attributes(node, allowed: ["allowzero"])
            guard let requested = inputs.count > 1 ? inputs[1]?.integers : nil else { throw malformed(node, "it has no integer shape") }
            return try reshaped(first, to: requested, node)
        case "Transpose":
            let attributes = try attributes(node, allowed: ["perm"])
            let rank = first.shape.count
            let perm = attributes.integers("perm") ?? Array((0..<rank).reversed())
            guard perm.sorted() == Array(0..<rank) else { throw malformed(node, "perm \(perm) is not a permutation of \(rank) axes") }
            return gathering(first, perm.map { axis in Array(0..<first.shape[axis]) }, axes: perm)
        case "Slice":
            _ = try attributes(node, allowed: [])
            return try sliced(first, inputs.dropFirst().map { $0?.integers }, node)
        case "Gather":
            return try gathered(first, indices: inputs.count > 1 ? inputs[1] : nil, node)
        default:
            let attributes = try attributes(node, allowed: ["axis"])
            let constants = inputs.compactMap { $0 }
            let rank = first.shape.count
            var axis = attributes.integer("axis", default: 0)
            if axis < 0 { axis += rank }
            guard (0..<rank).contains(axis), constants.allSatisfy({ $0.shape.count == rank && ($0.floats == nil) == (first.floats == nil) }),
                  constants.allSatisfy({ zip($0.shape, first.shape).enumerated().allSatisfy { $0.offset == axis || $0.element.0 == $0.element.1 } })
            else { throw malformed(node, "its inputs \(constants.map(\.shape)) cannot be joined along axis \(axis)") }
            let outer = first.shape[..<axis].reduce(1, *)
            var shape = first.shape
            shape[axis] = constants.reduce(0) { $0 + $1.shape[axis] }
            _ = try checkedCount(shape, node)
            func joined<Element>(_ values: [[Element]]) -> [Element] {
                let blocks = zip(values, constants).map { $0.0.count / Swift.max(outer, 1) }
                return (0..<outer).flatMap { row in zip(values, blocks).flatMap { $0.0[(row * $0.1)..<((row + 1) * $0.1)] } }
            }
            return ONNXConstant(shape: shape, floats: first.floats.map { _ in joined(constants.map { $0.floats ?? [] }) },
                                integers: first.integers.map { _ in joined(constants.map { $0.integers ?? [] }) })
        }
    }

    private func checkedCount(_ shape: [Int], _ node: Onnx_NodeProto) throws -> Int {
        var count = 1
        for size in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, size >= 0, product <= ONNXImporter.largestFoldedConstant else {
                throw malformed(node, "its result \(shape) would hold more than \(ONNXImporter.largestFoldedConstant) values")
            }
            count = product
        }
        return count
    }

    private func reshaped(_ constant: ONNXConstant, to requested: [Int], _ node: Onnx_NodeProto) throws -> ONNXConstant {
        var shape = try requested.enumerated().map { index, size -> Int in
            guard size >= -1 else { throw malformed(node, "its shape \(requested) has a size below -1") }
            guard size == 0 else { return size }
            guard index < constant.shape.count else { throw malformed(node, "its shape \(requested) copies an axis the input lacks") }
            return constant.shape[index]
        }
        let known = shape.filter { $0 != -1 }.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
        if let free = shape.firstIndex(of: -1), shape.filter({ $0 == -1 }).count == 1, known > 0, constant.count % known == 0 {
            shape[free] = constant.count / known
        }
        guard !shape.contains(-1), try checkedCount(shape, node) == constant.count else {
            throw malformed(node, "it cannot reshape \(constant.shape) to \(requested)")
        }
        return ONNXConstant(shape: shape, floats: constant.floats, integers: constant.integers)
    }

    private func sliced(_ constant: ONNXConstant, _ arguments: [[Int]?], _ node: Onnx_NodeProto) throws -> ONNXConstant {
        let rank = constant.shape.count
        guard arguments.count >= 2, let starts = arguments[0], let ends = arguments[1], starts.count == ends.count else {
            throw malformed(node, "it needs starts and ends of one length")
        }
        let axes = (arguments.count > 2 ? arguments[2] : nil) ?? Array(0..<starts.count)
        let steps = (arguments.count > 3 ? arguments[3] : nil) ?? Array(repeating: 1, count: starts.count)
        guard axes.count == starts.count, steps.count == starts.count, steps.allSatisfy({ $0 != 0 }) else {
            throw malformed(node, "its axes and steps do not match its starts")
        }
        var ranges = constant.shape.map { Array(0..<$0) }
        for (index, var axis) in axes.enumerated() {
            if axis < 0 { axis += rank }
            guard (0..<rank).contains(axis) else { throw malformed(node, "it slices axis \(axes[index]) of a rank-\(rank) tensor") }
            let size = constant.shape[axis], step = steps[index]
            func clamp(_ value: Int, _ low: Int, _ high: Int) -> Int {
                Swift.min(Swift.max(value < 0 ? value &+ size : value, low), high)
            }
            let start = step > 0 ? clamp(starts[index], 0, size) : clamp(starts[index], -1, size - 1)
            let end = step > 0 ? clamp(ends[index], 0, size) : clamp(ends[index], -1, size - 1)
            ranges[axis] = Array(stride(from: start, to: end, by: step))
        }
        return gathering(constant, ranges, axes: Array(0..<rank))
    }

    private func gathered(_ constant: ONNXConstant, indices: ONNXConstant?, _ node: Onnx_NodeProto) throws -> ONNXConstant {
        let attributes = try attributes(node, allowed: ["axis"])
        let rank = constant.shape.count
        var axis = attributes.integer("axis", default: 0)
        if axis < 0 { axis += rank }
        guard (0..<rank).contains(axis) else { throw malformed(node, "it gathers along axis \(axis) of a rank-\(rank) tensor") }
        guard let indices, let chosen = indices.integers else { throw malformed(node, "its indices are not integers") }
        let size = constant.shape[axis]
        guard chosen.allSatisfy({ (-size..<size).contains($0) }) else { throw malformed(node, "its indices \(chosen) are outside 0..<\(size)") }
        let shape = Array(constant.shape[..<axis]) + indices.shape + Array(constant.shape[(axis + 1)...])
        _ = try checkedCount(shape, node)
        var ranges = constant.shape.map { Array(0..<$0) }
        ranges[axis] = chosen.map { $0 < 0 ? $0 + size : $0 }
        var result = gathering(constant, ranges, axes: Array(0..<rank))
        result.shape = shape
        return result
    }

    /// The constant whose axis `i` runs over `ranges[i]` of the input's axis `axes[i]`.
    private func gathering(_ constant: ONNXConstant, _ ranges: [[Int]], axes: [Int]) -> ONNXConstant {
        var strides = Array(repeating: 1, count: constant.shape.count)
        for axis in constant.shape.indices.reversed().dropFirst() { strides[axis] = strides[axis + 1] * constant.shape[axis + 1] }
        var offsets = [0]
        for (range, axis) in zip(ranges, axes) {
            offsets = offsets.flatMap { offset in range.map { offset + $0 * strides[axis] } }
        }
        return ONNXConstant(shape: ranges.map(\.count), floats: constant.floats.map { values in offsets.map { values[$0] } },
                            integers: constant.integers.map { values in offsets.map { values[$0] } })
    }
}
