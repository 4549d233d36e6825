import Foundation

/// The element type of a tensor stored in a safetensors file, spelled as in the file's header.
///
/// SafeTensors files written by SwiftCNN hold ``float32`` tensors. Reading accepts every fixed-width type
/// below and converts elements to `Float`, so files exported elsewhere in half precision, bfloat16 or double
/// precision, and integer bookkeeping tensors such as PyTorch's `num_batches_tracked`, load too. Types not
/// listed here (8-bit floats, complex numbers) are rejected with ``SafeTensorsError/unknownDataType(file:tensor:dataType:)``.
public enum SafeTensorsDataType: String, CaseIterable, Sendable {
    case bool = "BOOL"
    case uint8 = "U8"
    case int8 = "I8"
    case int16 = "I16"
    case uint16 = "U16"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case int32 = "I32"
    case uint32 = "U32"
    case float32 = "F32"
    case float64 = "F64"
    case int64 = "I64"
    case uint64 = "U64"

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .int16, .uint16, .float16, .bfloat16: return 2
        case .int32, .uint32, .float32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    /// Converts `count` little-endian elements starting at `source` to `Float`, into `destination`.
    func convert(_ source: UnsafeRawBufferPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        switch self {
        case .bool:
            for i in 0..<count { destination[i] = source[i] == 0 ? 0 : 1 }
        case .uint8:
            for i in 0..<count { destination[i] = Float(source[i]) }
        case .int8:
            for i in 0..<count { destination[i] = Float(Int8(bitPattern: source[i])) }
        case .int16:
            for i in 0..<count { destination[i] = Float(Int16(bitPattern: load(UInt16.self, source, i))) }
        case .uint16:
            for i in 0..<count { destination[i] = Float(load(UInt16.self, source, i)) }
        case .float16:
            for i in 0..<count { destination[i] = SafeTensorsDataType.float(fromHalf: load(UInt16.self, source, i)) }
        case .bfloat16:
            for i in 0..<count { destination[i] = Float(bitPattern: UInt32(load(UInt16.self, source, i)) << 16) }
        case .int32:
            for i in 0..<count { destination[i] = Float(Int32(bitPattern: load(UInt32.self, source, i))) }
        case .uint32:
            for i in 0..<count { destination[i] = Float(load(UInt32.self, source, i)) }
        case .float32:
            for i in 0..<count { destination[i] = Float(bitPattern: load(UInt32.self, source, i)) }
        case .float64:
            for i in 0..<count { destination[i] = Float(Double(bitPattern: load(UInt64.self, source, i))) }
        case .int64:
            for i in 0..<count { destination[i] = Float(Int64(bitPattern: load(UInt64.self, source, i))) }
        case .uint64:
            for i in 0..<count { destination[i] = Float(load(UInt64.self, source, i)) }
        }
    }

    /// Element `index` of a little-endian array of `T` that may start at any address.
    @inline(__always)
    private func load<T: FixedWidthInteger>(_: T.Type, _ source: UnsafeRawBufferPointer, _ index: Int) -> T {
        T(littleEndian: source.loadUnaligned(fromByteOffset: index &* MemoryLayout<T>.size, as: T.self))
    }

    /// An IEEE 754 half-precision value widened exactly; done by hand because `Float16` is not available on
    /// every platform Swift runs on.
    static func float(fromHalf bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }
}
