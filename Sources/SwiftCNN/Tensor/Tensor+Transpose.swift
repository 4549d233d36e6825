/// Swapping axes.
extension Tensor {
    /// The tensor with axes `first` and `second` swapped, its elements copied into the new order.
    public func transposed(_ first: Int, _ second: Int) -> Tensor {
        let a = normalized(axis: first), b = normalized(axis: second)
        guard a != b else { return self }
        var newShape = shape
        newShape.swapAt(a, b)
        var sourceStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) {
            sourceStrides[axis] = sourceStrides[axis + 1] * shape[axis + 1]
        }
        sourceStrides.swapAt(a, b)
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

    /// The transpose of a matrix.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() needs a matrix; shape is \(shape) (use transposed(_:_:))")
        return transposed(0, 1)
    }
}
