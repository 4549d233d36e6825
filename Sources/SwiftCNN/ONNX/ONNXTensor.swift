import Foundation
internal import ONNXProtobuf

extension Onnx_TensorProto {
    /// A float tensor holding `tensor`'s values, little-endian in `raw_data` as runtimes write them.
    init(_ tensor: Tensor) {
        self.init()
        dataType = Int32(DataType.float.rawValue)
        dims = tensor.shape.map(Int64.init)
        var bytes = Data(capacity: tensor.count * 4)
        tensor.withUnsafeBufferPointer { values in
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        }
        rawData = bytes
    }
}

/// A constant of an imported graph (an initializer or a `Constant` node's value): weights as floats,
/// shapes, pads and axes as integers.
struct ONNXConstant {
    var shape: [Int]
    /// The values of a float tensor.
    var floats: [Float]?
    /// The values of an integer tensor.
    var integers: [Int]?

    var count: Int { shape.reduce(1, *) }

    init(shape: [Int], floats: [Float]? = nil, integers: [Int]? = nil) {
        self.shape = shape
        self.floats = floats
        self.integers = integers
    }

    /// The float values as a tensor of `shape`, or nil when the constant holds integers.
    var tensor: Tensor? { floats.map { Tensor(shape: shape, scalars: $0) } }

    /// Reads `proto`, checking that its data fits its type and shape before taking any of it.
    ///
    /// - Throws: ``ONNXError/malformedTensor(file:tensor:reason:)`` naming `file` and what is wrong.
    init(_ proto: Onnx_TensorProto, file: String) throws {
        func malformed(_ reason: String) -> ONNXError {
            .malformedTensor(file: file, tensor: proto.name, reason: reason)
        }
        guard proto.dataLocation != .external else { throw malformed("its data is in an external file, which SwiftCNN does not read") }
        var count = 1
        for dimension in proto.dims {
            guard dimension >= 0, dimension <= Int64(Int32.max) else { throw malformed("it has a dimension of \(dimension)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(dimension))
            guard !overflow, product <= Int(Int32.max) else { throw malformed("its shape \(proto.dims) holds more than \(Int32.max) values") }
            count = product
        }
        shape = proto.dims.map { Int($0) }
        switch Onnx_TensorProto.DataType(rawValue: Int(proto.dataType)) {
        case .float:
            floats = try Self.values(proto.hasRawData ? proto.rawData : nil, proto.floatData, count: count, size: 4, malformed) {
                Float(bitPattern: UInt32(littleEndian: $0))
            }
        case .int64:
            integers = try Self.values(proto.hasRawData ? proto.rawData : nil, proto.int64Data.map { Int($0) }, count: count, size: 8, malformed) {
                Int(Int64(bitPattern: UInt64(littleEndian: $0)))
            }
        case .int32:
            integers = try Self.values(proto.hasRawData ? proto.rawData : nil, proto.int32Data.map { Int($0) }, count: count, size: 4, malformed) {
                Int(Int32(bitPattern: UInt32(littleEndian: $0)))
            }
        default:
            throw malformed("its data type \(proto.dataType) is none of float, int64 and int32")
        }
    }

    /// The `count` values of a tensor, from `raw` (`size` bytes each, little-endian) when it is given, from
    /// `typed` otherwise.
    private static func values<Element, Word: FixedWidthInteger>(
        _ raw: Data?, _ typed: [Element], count: Int, size: Int, _ malformed: (String) -> ONNXError,
        decode: (Word) -> Element
    ) throws -> [Element] {
        guard let raw else {
            guard typed.count == count else { throw malformed("it has \(typed.count) values for a shape of \(count)") }
            return typed
        }
        guard raw.count == count * size else {
            throw malformed("its raw data has \(raw.count) bytes, not the \(count * size) of its shape and type")
        }
        return raw.withUnsafeBytes { bytes in
            (0..<count).map { decode(bytes.loadUnaligned(fromByteOffset: $0 * size, as: Word.self)) }
        }
    }
}
