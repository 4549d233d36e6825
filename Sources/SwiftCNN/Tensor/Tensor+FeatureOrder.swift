// Flattening an image `[H, W, C]` gives its features in an order that depends on the layout: this library
// flattens channels-last `(h, w, c)`, PyTorch and ONNX channels-first `(c, h, w)`. Weight import and ONNX
// export and import reorder the rows of the first `Dense` after a `Flatten` with these.

/// For each feature of a channels-last flattening of the image `shape` (`[H, W, C]`), the index of the same
/// feature when the image is laid out with its axes in the order `axes` (`axes[i]` is the image axis at
/// position `i`) and then flattened: `[2, 0, 1]` is channels-first.
func flatteningOrder(ofImage shape: [Int], axes: [Int]) -> [Int] {
    precondition(shape.count == 3 && axes.sorted() == [0, 1, 2], "an image [H, W, C] and a permutation of its axes")
    var strides = [0, 0, 0], stride = 1
    for axis in axes.reversed() {
        strides[axis] = stride
        stride *= shape[axis]
    }
    var order: [Int] = []
    order.reserveCapacity(shape[0] * shape[1] * shape[2])
    for h in 0..<shape[0] {
        for w in 0..<shape[1] {
            for c in 0..<shape[2] { order.append(h * strides[0] + w * strides[1] + c * strides[2]) }
        }
    }
    return order
}

/// For each feature of a channels-last flattening of `[H, W, C]`, the index of the same feature in a
/// channels-first flattening.
func channelsFirstOrder(ofImage shape: [Int]) -> [Int] {
    flatteningOrder(ofImage: shape, axes: [2, 0, 1])
}

extension Tensor {
    /// The rows of the tensor (its first axis) in the order `rows` gives: row `i` of the result is row
    /// `rows[i]` of the tensor.
    func gatheringRows(_ rows: [Int]) -> Tensor {
        let width = count / Swift.max(shape[0], 1)
        let source = scalars
        var result = [Float]()
        result.reserveCapacity(count)
        for row in rows { result.append(contentsOf: source[(row * width)..<((row + 1) * width)]) }
        return Tensor(shape: [rows.count] + shape.dropFirst(), scalars: result)
    }

    /// Row `rows[i]` of the result is row `i` of the tensor: the inverse of ``gatheringRows(_:)``.
    func scatteringRows(_ rows: [Int]) -> Tensor {
        var inverse = [Int](repeating: 0, count: rows.count)
        for (index, row) in rows.enumerated() { inverse[row] = index }
        return gatheringRows(inverse)
    }
}
