/// Rearranging axes.
extension Tensor {
    /// The tensor with its axes rearranged, its elements copied into the new order: axis `i` of the
    /// result is axis `axes[i]` of `self` (NumPy's `transpose(axes)`, PyTorch's `permute`).
    public func permuted(axes: [Int]) -> Tensor {
        let axes = axes.map(normalized(axis:))
        precondition(axes.sorted() == Array(0..<rank), "permuted(axes:) needs each of the \(rank) axes once, got \(axes)")
        let newShape = axes.map { shape[$0] }
        var strides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        let sourceStrides = axes.map { strides[$0] }
        let result = Tensor(uninitializedShape: newShape)
        let source = storage.pointer, destination = result.storage.pointer
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        for flat in 0..<count {
            destination[flat] = source[offset]
            var axis = rank - 1
            while axis >= 0 {
                index[axis] += 1
                offset += sourceStrides[axis]
                if index[axis] < newShape[axis] { break }
                offset -= sourceStrides[axis] * newShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// The tensor with axes `first` and `second` swapped, its elements copied into the new order.
    public func transposed(_ first: Int, _ second: Int) -> Tensor {
        let a = normalized(axis: first), b = normalized(axis: second)
        guard a != b else { return self }
        var axes = Array(0..<rank)
        axes.swapAt(a, b)
        return permuted(axes: axes)
    }

    /// The transpose of a matrix.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() needs a matrix; shape is \(shape) (use transposed(_:_:))")
        return transposed(0, 1)
    }
}
