/// Sums, means, maxima and arg-maxima, over all elements or along one axis.
extension Tensor {
    /// The sum of all elements (accumulated in `Double`, so long sums keep their precision).
    public func sum() -> Float {
        withUnsafeBufferPointer { Float($0.reduce(0.0) { $0 + Double($1) }) }
    }

    /// The mean of all elements.
    public func mean() -> Float {
        precondition(count > 0, "Tensor.mean() of an empty tensor of shape \(shape)")
        return sum() / Float(count)
    }

    /// The largest element (NaN if any element is NaN).
    public func max() -> Float {
        precondition(count > 0, "Tensor.max() of an empty tensor of shape \(shape)")
        return withUnsafeBufferPointer { values in
            values.dropFirst().reduce(values[0]) { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) }
        }
    }

    /// The sum along `axis`; the axis is removed from the shape unless `keepingDimension` is true, in
    /// which case it stays with size 1 (so the result broadcasts against `self`).
    public func sum(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
        reduce(alongAxis: axis, keepingDimension: keepingDimension) { values, stride, length in
            var total: Double = 0
            for index in 0..<length { total += Double(values[index * stride]) }
            return Float(total)
        }
    }

    /// The mean along `axis` (see ``sum(alongAxis:keepingDimension:)`` for the shape).
    public func mean(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
        let length = Float(shape[normalized(axis: axis)])
        return sum(alongAxis: axis, keepingDimension: keepingDimension) / length
    }

    /// The maximum along `axis` (see ``sum(alongAxis:keepingDimension:)`` for the shape).
    public func max(alongAxis axis: Int, keepingDimension: Bool = false) -> Tensor {
        reduce(alongAxis: axis, keepingDimension: keepingDimension) { values, stride, length in
            var best = values[0]
            for index in 1..<Swift.max(1, length) {
                let value = values[index * stride]
                if value > best || value.isNaN { best = value }
                if best.isNaN { break }
            }
            return best
        }
    }

    /// The index of the largest element along `axis`, as a `Float` (exact below 2²⁴); the first index
    /// wins a tie. The axis is removed from the shape.
    public func argmax(alongAxis axis: Int) -> Tensor {
        reduce(alongAxis: axis, keepingDimension: false) { values, stride, length in
            var best = 0
            for index in 1..<Swift.max(1, length) where values[index * stride] > values[best * stride] {
                best = index
            }
            return Float(best)
        }
    }

    /// `axis` counted from the front, accepting negative axes counted from the back.
    func normalized(axis: Int) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < rank, "Axis \(axis) is out of range for shape \(shape)")
        return resolved
    }

    /// Reduces each line of elements along `axis` with `line(start, stride, length)`.
    private func reduce(
        alongAxis axis: Int, keepingDimension: Bool,
        _ line: (UnsafePointer<Float>, Int, Int) -> Float
    ) -> Tensor {
        let axis = normalized(axis: axis)
        let length = shape[axis]
        precondition(length > 0, "Cannot reduce along empty axis \(axis) of shape \(shape)")
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        var resultShape = shape
        if keepingDimension { resultShape[axis] = 1 } else { resultShape.remove(at: axis) }
        let result = Tensor(uninitializedShape: resultShape)
        let source = storage.pointer, destination = result.storage.pointer
        for o in 0..<outer {
            for i in 0..<inner {
                destination[o * inner + i] = line(source + o * length * inner + i, inner, length)
            }
        }
        return result
    }
}
