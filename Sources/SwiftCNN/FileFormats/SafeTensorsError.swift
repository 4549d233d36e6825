/// A safetensors file that cannot be read or written. Every case names the file (its path, or a description
/// of in-memory bytes) and says what was wrong, so a corrupt or hostile file is reported, never trusted.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The file or its temporary sibling could not be written; any previous file at that path is unchanged.
    case unwritable(file: String, reason: String)
    /// The file has fewer than the 8 bytes of its header-length prefix.
    case tooShort(file: String, byteCount: Int)
    /// The header length in the prefix runs past the end of the file or exceeds the 100 MB limit.
    case headerLengthOutOfRange(file: String, headerLength: UInt64, fileSize: Int)
    /// The header is not valid UTF-8 JSON.
    case malformedHeader(file: String, reason: String)
    /// The header is valid JSON but not an object.
    case headerNotAnObject(file: String)
    /// The `__metadata__` entry is not an object of strings.
    case malformedMetadata(file: String, reason: String)
    /// A tensor's entry lacks a field or has one of the wrong type: `shape` and `data_offsets` must hold
    /// non-negative integers, `data_offsets` exactly two of them in increasing order.
    case malformedEntry(file: String, tensor: String, reason: String)
    /// A tensor's `dtype` is not one of ``SafeTensorsDataType``.
    case unknownDataType(file: String, tensor: String, dataType: String)
    /// A tensor's byte range does not hold `product(shape)` elements of its type.
    case sizeMismatch(file: String, tensor: String, dataType: String, shape: [Int], byteCount: Int)
    /// A tensor's byte range ends past the end of the data section.
    case offsetsOutOfBounds(file: String, tensor: String, offsets: [Int], dataSize: Int)
    /// Two tensors share bytes.
    case overlappingTensors(file: String, first: String, second: String)
    /// Bytes that belong to no tensor lie before `tensor` (the format requires tensors to be packed).
    case gapInData(file: String, before: String, offset: Int)
    /// Bytes that belong to no tensor follow the last one.
    case trailingBytes(file: String, count: Int)
    /// The file has no tensor named `tensor`.
    case missingTensor(file: String, tensor: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the file: \(reason)"
        case let .unwritable(file, reason):
            return "\(file): cannot write the file: \(reason)"
        case let .tooShort(file, byteCount):
            return "\(file): \(byteCount) bytes is too short for a safetensors file (its header length alone takes 8)"
        case let .headerLengthOutOfRange(file, headerLength, fileSize):
            return "\(file): header length \(headerLength) does not fit a file of \(fileSize) bytes"
        case let .malformedHeader(file, reason):
            return "\(file): the header is not valid JSON: \(reason)"
        case let .headerNotAnObject(file):
            return "\(file): the header is not a JSON object"
        case let .malformedMetadata(file, reason):
            return "\(file): __metadata__ must map strings to strings: \(reason)"
        case let .malformedEntry(file, tensor, reason):
            return "\(file): tensor '\(tensor)': \(reason)"
        case let .unknownDataType(file, tensor, dataType):
            return "\(file): tensor '\(tensor)' has unknown dtype '\(dataType)'"
        case let .sizeMismatch(file, tensor, dataType, shape, byteCount):
            return "\(file): tensor '\(tensor)' of \(dataType) \(shape) cannot occupy \(byteCount) bytes"
        case let .offsetsOutOfBounds(file, tensor, offsets, dataSize):
            return "\(file): tensor '\(tensor)' has data_offsets \(offsets) outside the \(dataSize)-byte data section"
        case let .overlappingTensors(file, first, second):
            return "\(file): tensors '\(first)' and '\(second)' overlap"
        case let .gapInData(file, before, offset):
            return "\(file): unused bytes before tensor '\(before)' (data offset \(offset))"
        case let .trailingBytes(file, count):
            return "\(file): \(count) bytes after the last tensor belong to no tensor"
        case let .missingTensor(file, tensor):
            return "\(file): no tensor named '\(tensor)'"
        }
    }
}
