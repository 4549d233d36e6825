/// An n-dimensional array of `Float`, stored contiguously in row-major order.
///
/// `Tensor` is a value type: copies share storage until one of them is written to (copy-on-write), so
/// passing tensors around and reshaping them is cheap.
///
/// ```swift
/// var x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
/// x[1, 2] = 60
/// let y = x.reshaped(to: [3, 2])   // shares x's storage until either is written to
/// ```
///
/// Shape mismatches are programming errors and stop the program with a message naming both shapes.
public struct Tensor: Sendable {
    /// The size of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The number of elements: the product of ``shape``.
    public private(set) var count: Int
    @usableFromInline var storage: TensorStorage

    /// A tensor of `shape` with every element equal to `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        let count = Tensor.elementCount(of: shape)
        self.shape = shape
        self.count = count
        storage = TensorStorage(capacity: count)
        storage.pointer.initialize(repeating: value, count: count)
    }

    /// A tensor of `shape` holding `scalars` in row-major order.
    public init<C: Collection>(shape: [Int], scalars: C) where C.Element == Float {
        let count = Tensor.elementCount(of: shape)
        precondition(scalars.count == count,
                     "Tensor shape \(shape) needs \(count) scalars, got \(scalars.count)")
        self.shape = shape
        self.count = count
        storage = TensorStorage(capacity: count)
        let buffer = UnsafeMutableBufferPointer(start: storage.pointer, count: count)
        _ = buffer.initialize(from: scalars)
    }

    /// A one-dimensional tensor of `scalars`.
    public init(_ scalars: [Float]) {
        self.init(shape: [scalars.count], scalars: scalars)
    }

    /// A rank-0 tensor holding one value.
    public init(scalar: Float) {
        self.init(shape: [], scalars: [scalar])
    }

    /// A tensor whose elements are left uninitialised: for kernels that overwrite every element.
    @usableFromInline
    init(uninitializedShape shape: [Int]) {
        let count = Tensor.elementCount(of: shape)
        self.shape = shape
        self.count = count
        storage = TensorStorage(capacity: count)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The elements in row-major order.
    public var scalars: [Float] {
        withUnsafeBufferPointer { Array($0) }
    }

    /// The single element of a tensor with one element, whatever its shape.
    public var scalar: Float {
        precondition(count == 1, "Tensor.scalar needs exactly one element; shape is \(shape)")
        return storage.pointer[0]
    }

    static func elementCount(of shape: [Int]) -> Int {
        var count = 1
        for dimension in shape {
            precondition(dimension >= 0, "Tensor shape \(shape) has a negative dimension")
            count *= dimension
        }
        return count
    }
}

// MARK: - Element access

extension Tensor {
    /// The element at `indices`, one index per dimension.
    public subscript(indices: Int...) -> Float {
        get { storage.pointer[offset(of: indices)] }
        set {
            let index = offset(of: indices)
            makeUnique()
            storage.pointer[index] = newValue
        }
    }

    /// The row-major offset of `indices`, checked against the shape.
    public func offset(of indices: [Int]) -> Int {
        precondition(indices.count == shape.count,
                     "Tensor of shape \(shape) indexed with \(indices.count) indices \(indices)")
        var offset = 0
        for (index, dimension) in zip(indices, shape) {
            precondition(index >= 0 && index < dimension, "Index \(indices) is out of range for shape \(shape)")
            offset = offset * dimension + index
        }
        return offset
    }

    /// The same elements viewed with another shape of the same element count; one dimension may be -1
    /// to have it inferred. Shares storage with `self`.
    public func reshaped(to newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().reduce(1) { $1.offset == inferred ? $0 : $0 * $1.element }
            precondition(known > 0 && count % known == 0,
                         "Cannot reshape a tensor of shape \(shape) to \(newShape)")
            resolved[inferred] = count / known
        }
        precondition(Tensor.elementCount(of: resolved) == count,
                     "Cannot reshape a tensor of shape \(shape) (\(count) elements) to \(newShape)")
        var result = self
        result.shape = resolved
        return result
    }

    /// Calls `body` with the elements in row-major order.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Calls `body` with the elements in row-major order, for writing; copies the storage first if it is shared.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    @inlinable
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy(count: count)
        }
    }
}

// MARK: - Workspaces

extension Tensor {
    /// Gives `self` the shape `[batch] + sampleShape` for a kernel to overwrite, reusing its storage when
    /// nobody else holds it and it is large enough. Contents are unspecified afterwards.
    ///
    /// This is how layers keep their outputs and gradients as workspaces: a warmed-up training step
    /// allocates nothing, yet a caller that kept an earlier output still sees its own values.
    mutating func prepare(batch: Int, sampleShape: [Int]) {
        let needed = batch * Tensor.elementCount(of: sampleShape)
        let sameSampleShape = shape.count == sampleShape.count + 1 && shape.dropFirst().elementsEqual(sampleShape)
        if isKnownUniquelyReferenced(&storage), storage.capacity >= needed {
            if !sameSampleShape {
                shape = [batch] + sampleShape
            } else if shape[0] != batch {
                // In place: a new shape array would allocate at every change of batch size, such as the
                // short last batch of an epoch and the full batch after it.
                shape[0] = batch
            }
            count = needed
        } else {
            self = Tensor(uninitializedShape: [batch] + sampleShape)
        }
    }

    /// Gives `self` `shape` for a kernel to overwrite, reusing its storage when possible (see
    /// ``prepare(batch:sampleShape:)``).
    mutating func prepare(shape newShape: [Int]) {
        let needed = Tensor.elementCount(of: newShape)
        if isKnownUniquelyReferenced(&storage), storage.capacity >= needed {
            if shape != newShape {
                shape = newShape
                count = needed
            }
        } else {
            self = Tensor(uninitializedShape: newShape)
        }
    }
}

// MARK: - Conformances

extension Tensor: Equatable {
    /// Tensors are equal when their shapes and all elements are equal (so a tensor holding NaN is not
    /// equal to itself, as with `Float`).
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        return lhs.withUnsafeBufferPointer { a in
            rhs.withUnsafeBufferPointer { b in a.elementsEqual(b) }
        }
    }
}

extension Tensor: CustomStringConvertible {
    /// The shape and, for up to 64 elements, the values nested by dimension.
    public var description: String {
        guard count <= 64 else { return "Tensor(shape: \(shape), \(count) elements)" }
        let values = scalars
        func nested(_ dimension: Int, _ start: Int) -> String {
            guard dimension < shape.count else { return "\(values[start])" }
            let stride = shape[(dimension + 1)...].reduce(1, *)
            let items = (0..<shape[dimension]).map { nested(dimension + 1, start + $0 * stride) }
            return "[" + items.joined(separator: ", ") + "]"
        }
        return "Tensor(shape: \(shape), \(nested(0, 0)))"
    }
}
