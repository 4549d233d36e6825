import Foundation

/// An IDX file: the format of MNIST and its relatives, an n-dimensional array of numbers.
///
/// The layout is two zero bytes, an element-type byte, a rank byte, one big-endian `UInt32` per
/// dimension, then the elements, big-endian, in row-major order. Files are read whether gzip-compressed
/// or not, told apart by their first bytes rather than their names, and checked exactly: a file one byte
/// short or one byte long is an error naming the file.
///
/// ```swift
/// let images = try IDXFile(contentsOf: url)    // e.g. train-images-idx3-ubyte.gz
/// images.dimensions                             // [60000, 28, 28]
/// let pixels = images.tensor(dividedBy: 255)    // Float32 in [0, 1], shape [60000, 28, 28]
/// ```
public struct IDXFile {
    /// The largest IDX file read: 1 GiB, as much as gzip data may decompress to (``Gzip/defaultMaximumSize``).
    public static let maximumFileSize = Gzip.defaultMaximumSize

    /// The type of each element, as coded in the third byte of the file.
    public enum ElementType: UInt8, CaseIterable, Sendable {
        case uint8 = 0x08
        case int8 = 0x09
        case int16 = 0x0B
        case int32 = 0x0C
        case float32 = 0x0D
        case float64 = 0x0E

        /// The size of one element in bytes.
        public var byteWidth: Int {
            switch self {
            case .uint8, .int8: return 1
            case .int16: return 2
            case .int32, .float32: return 4
            case .float64: return 8
            }
        }

        /// Whether elements are integers (and so fit in `Int32`).
        public var isInteger: Bool { self != .float32 && self != .float64 }
    }

    /// The type of the elements.
    public let elementType: ElementType
    /// The size of each dimension, outermost first.
    public let dimensions: [Int]
    /// The whole uncompressed file; the elements start at `dataOffset`.
    private let contents: [UInt8]
    private let dataOffset: Int

    /// The number of elements: the product of ``dimensions``.
    public var count: Int { dimensions.reduce(1, *) }
}

// MARK: - Reading

extension IDXFile {
    /// Reads the IDX file at `url`, gzip-compressed or not.
    ///
    /// - Throws: ``IDXError`` naming the file: when it cannot be read, is empty, is damaged gzip, has no
    ///   IDX magic, an unknown element type, no dimensions, or a length that does not match its dimensions.
    public init(contentsOf url: URL) throws {
        let fileBytes: [UInt8]
        do {
            fileBytes = try [UInt8](FileContents.read(url, maximumSize: IDXFile.maximumFileSize))
        } catch let error as FileReadError {
            throw IDXError.unreadable(file: url.path, reason: error.reason)
        }
        try self.init(bytes: fileBytes, file: url.path)
    }

    /// Parses an IDX file's bytes, gzip-compressed or not.
    ///
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - file: the name used in errors.
    /// - Throws: ``IDXError`` as for ``init(contentsOf:)``.
    public init(bytes: [UInt8], file: String) throws {
        guard !bytes.isEmpty else { throw IDXError.empty(file: file, compressed: false) }
        let wasCompressed = Gzip.hasGzipMagic(bytes)
        let contents: [UInt8]
        do {
            contents = try Gzip.decompressIfGzipped(bytes)
        } catch let error as GzipError {
            throw IDXError.corruptedGzip(file: file, reason: error)
        }
        guard !contents.isEmpty else { throw IDXError.empty(file: file, compressed: true) }
        guard contents.count >= 4 else {
            throw IDXError.truncated(file: file, expectedBytes: 4, actualBytes: contents.count)
        }
        guard contents[0] == 0, contents[1] == 0 else {
            throw IDXError.badMagic(file: file, found: Array(contents.prefix(4)), wasGzip: wasCompressed)
        }
        guard let elementType = ElementType(rawValue: contents[2]) else {
            throw IDXError.unsupportedElementType(file: file, code: contents[2])
        }
        let rank = Int(contents[3])
        guard rank > 0 else { throw IDXError.noDimensions(file: file) }
        let headerSize = 4 + 4 * rank
        guard contents.count >= headerSize else {
            throw IDXError.truncated(file: file, expectedBytes: headerSize, actualBytes: contents.count)
        }
        let dimensions = (0..<rank).map { axis in
            contents[(4 + 4 * axis)..<(8 + 4 * axis)].reduce(0) { $0 << 8 | Int($1) }
        }
        var expectedSize = elementType.byteWidth
        for dimension in dimensions {
            let (product, overflow) = expectedSize.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw IDXError.tooLarge(file: file, dimensions: dimensions) }
            expectedSize = product
        }
        let (total, overflow) = expectedSize.addingReportingOverflow(headerSize)
        guard !overflow else { throw IDXError.tooLarge(file: file, dimensions: dimensions) }
        if contents.count < total {
            throw IDXError.truncated(file: file, expectedBytes: total, actualBytes: contents.count)
        }
        if contents.count > total {
            throw IDXError.trailingBytes(file: file, expectedBytes: total, actualBytes: contents.count)
        }
        self.elementType = elementType
        self.dimensions = dimensions
        self.contents = contents
        dataOffset = headerSize
    }
}

// MARK: - Elements

extension IDXFile {
    /// The elements as a tensor of shape ``dimensions``, each divided by `divisor`: 255 maps bytes
    /// exactly onto [0, 1].
    public func tensor(dividedBy divisor: Float = 1) -> Tensor {
        let result = Tensor(uninitializedShape: dimensions)
        let destination = result.storage.pointer
        let count = self.count
        contents.withUnsafeBytes { raw in
            let source = raw.baseAddress! + dataOffset
            switch elementType {
            case .uint8:
                let table = (0..<256).map { Float($0) / divisor }
                table.withUnsafeBufferPointer { table in
                    let bytes = source.assumingMemoryBound(to: UInt8.self)
                    for index in 0..<count { destination[index] = table[Int(bytes[index])] }
                }
            case .int8, .int16, .int32:
                for index in 0..<count { destination[index] = Float(integer(at: index, in: source)) / divisor }
            case .float32:
                for index in 0..<count {
                    let bits = UInt32(bigEndian: source.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self))
                    destination[index] = Float(bitPattern: bits) / divisor
                }
            case .float64:
                for index in 0..<count {
                    let bits = UInt64(bigEndian: source.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self))
                    destination[index] = Float(Double(bitPattern: bits) / Double(divisor))
                }
            }
        }
        return result
    }

    /// The elements of an integer file (``ElementType/isInteger``) in row-major order, such as class labels.
    public func integers() -> [Int32] {
        precondition(elementType.isInteger, "IDXFile.integers() needs integer elements; this file holds \(elementType)")
        return contents.withUnsafeBytes { raw in
            let source = raw.baseAddress! + dataOffset
            return (0..<count).map { integer(at: $0, in: source) }
        }
    }

    private func integer(at index: Int, in source: UnsafeRawPointer) -> Int32 {
        switch elementType {
        case .uint8: return Int32(source.load(fromByteOffset: index, as: UInt8.self))
        case .int8: return Int32(source.load(fromByteOffset: index, as: Int8.self))
        case .int16:
            return Int32(Int16(bigEndian: source.loadUnaligned(fromByteOffset: index &* 2, as: Int16.self)))
        case .int32: return Int32(bigEndian: source.loadUnaligned(fromByteOffset: index &* 4, as: Int32.self))
        case .float32, .float64: preconditionFailure("\(elementType) elements are not integers")
        }
    }
}

// MARK: - Writing

extension IDXFile {
    /// An IDX file of `elementType` elements with `dimensions`, from their big-endian bytes in row-major order.
    public init(elementType: ElementType, dimensions: [Int], bigEndianElements: [UInt8]) {
        precondition(!dimensions.isEmpty && dimensions.count <= 255,
                     "An IDX file needs 1 to 255 dimensions, got \(dimensions)")
        precondition(dimensions.allSatisfy { (0...Int(UInt32.max)).contains($0) },
                     "IDX dimensions must fit in UInt32, got \(dimensions)")
        let expected = dimensions.reduce(elementType.byteWidth, *)
        precondition(bigEndianElements.count == expected,
                     "IDX \(elementType) data of dimensions \(dimensions) needs \(expected) bytes, got \(bigEndianElements.count)")
        var contents: [UInt8] = [0, 0, elementType.rawValue, UInt8(dimensions.count)]
        for dimension in dimensions {
            contents += (0..<4).map { UInt8(truncatingIfNeeded: dimension >> (24 - 8 * $0)) }
        }
        dataOffset = contents.count
        contents += bigEndianElements
        self.elementType = elementType
        self.dimensions = dimensions
        self.contents = contents
    }

    /// An IDX file of unsigned bytes, such as images or labels.
    public init(dimensions: [Int], bytes: [UInt8]) {
        self.init(elementType: .uint8, dimensions: dimensions, bigEndianElements: bytes)
    }

    /// The file's bytes, uncompressed.
    public var encoded: [UInt8] { contents }

    /// Writes the file to `url` atomically, gzip-compressed when `compressed` is true.
    public func write(to url: URL, compressed: Bool = false) throws {
        try Data(compressed ? Gzip.compress(contents) : contents).write(to: url, options: .atomic)
    }
}
