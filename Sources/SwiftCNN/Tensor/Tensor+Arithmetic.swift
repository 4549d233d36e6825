import Foundation

/// Element-wise arithmetic with NumPy broadcasting: shapes are aligned at their last dimension, and a
/// dimension of 1 (or a missing leading one) stretches to match the other operand.
extension Tensor {
    /// The shape that `lhs` and `rhs` broadcast to; stops naming both shapes when they are incompatible.
    public static func broadcastShape(_ lhs: [Int], _ rhs: [Int]) -> [Int] {
        let rank = Swift.max(lhs.count, rhs.count)
        return (0..<rank).map { position in
            let a = position < rank - lhs.count ? 1 : lhs[position - (rank - lhs.count)]
            let b = position < rank - rhs.count ? 1 : rhs[position - (rank - rhs.count)]
            precondition(a == b || a == 1 || b == 1, "Shapes \(lhs) and \(rhs) cannot be broadcast together")
            return a == 1 ? b : a
        }
    }

    /// Combines `lhs` and `rhs` element by element after broadcasting them to a common shape.
    public static func elementwise(_ lhs: Tensor, _ rhs: Tensor, _ operation: (Float, Float) -> Float) -> Tensor {
        if lhs.shape == rhs.shape {
            let result = Tensor(uninitializedShape: lhs.shape)
            let a = lhs.storage.pointer, b = rhs.storage.pointer, c = result.storage.pointer
            for index in 0..<lhs.count { c[index] = operation(a[index], b[index]) }
            return result
        }
        let shape = broadcastShape(lhs.shape, rhs.shape)
        let result = Tensor(uninitializedShape: shape)
        let lhsStrides = broadcastStrides(of: lhs.shape, to: shape)
        let rhsStrides = broadcastStrides(of: rhs.shape, to: shape)
        let a = lhs.storage.pointer, b = rhs.storage.pointer, c = result.storage.pointer
        var index = [Int](repeating: 0, count: shape.count)
        var lhsOffset = 0, rhsOffset = 0
        for flat in 0..<result.count {
            c[flat] = operation(a[lhsOffset], b[rhsOffset])
            var dimension = shape.count - 1
            while dimension >= 0 {
                index[dimension] += 1
                lhsOffset += lhsStrides[dimension]
                rhsOffset += rhsStrides[dimension]
                if index[dimension] < shape[dimension] { break }
                lhsOffset -= lhsStrides[dimension] * shape[dimension]
                rhsOffset -= rhsStrides[dimension] * shape[dimension]
                index[dimension] = 0
                dimension -= 1
            }
        }
        return result
    }

    /// Row-major strides of `shape` seen inside `target`, with 0 where a dimension is broadcast.
    static func broadcastStrides(of shape: [Int], to target: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: target.count)
        var step = 1
        for position in stride(from: shape.count - 1, through: 0, by: -1) {
            let targetPosition = position + target.count - shape.count
            strides[targetPosition] = shape[position] == 1 ? 0 : step
            step *= shape[position]
        }
        return strides
    }

    /// A tensor of the same shape with `transform` applied to every element.
    public func map(_ transform: (Float) -> Float) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        let source = storage.pointer, destination = result.storage.pointer
        for index in 0..<count { destination[index] = transform(source[index]) }
        return result
    }

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { elementwise(lhs, rhs, +) }
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { elementwise(lhs, rhs, -) }
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { elementwise(lhs, rhs, *) }
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { elementwise(lhs, rhs, /) }

    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 + rhs } }
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 - rhs } }
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 / rhs } }
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs + $0 } }
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs - $0 } }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }
    public static func / (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs / $0 } }

    public static prefix func - (operand: Tensor) -> Tensor { operand.map { -$0 } }

    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs = lhs + rhs }
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs - rhs }
    public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs * rhs }
    public static func /= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs / rhs }
    public static func += (lhs: inout Tensor, rhs: Float) { lhs = lhs + rhs }
    public static func -= (lhs: inout Tensor, rhs: Float) { lhs = lhs - rhs }
    public static func *= (lhs: inout Tensor, rhs: Float) { lhs = lhs * rhs }
    public static func /= (lhs: inout Tensor, rhs: Float) { lhs = lhs / rhs }
}

/// The element-wise exponential.
public func exp(_ x: Tensor) -> Tensor { x.map { Foundation.exp($0) } }

/// The element-wise natural logarithm.
public func log(_ x: Tensor) -> Tensor { x.map { Foundation.log($0) } }

/// The element-wise square root.
public func sqrt(_ x: Tensor) -> Tensor { x.map { $0.squareRoot() } }

/// The element-wise maximum of two tensors, broadcast to a common shape.
public func max(_ lhs: Tensor, _ rhs: Tensor) -> Tensor { Tensor.elementwise(lhs, rhs) { Swift.max($0, $1) } }

/// The element-wise maximum of a tensor and a scalar (`max(x, 0)` is ReLU).
public func max(_ lhs: Tensor, _ rhs: Float) -> Tensor { lhs.map { Swift.max($0, rhs) } }
