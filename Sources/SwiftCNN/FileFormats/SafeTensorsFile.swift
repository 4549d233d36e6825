import Foundation

/// The contents of a [safetensors](https://huggingface.co/docs/safetensors) file: named tensors and a map of
/// string metadata.
///
/// The format is an 8-byte little-endian header length, a JSON header giving each tensor's element type, shape
/// and byte range, and then the tensors' raw little-endian bytes. It holds no code, so loading a file from an
/// untrusted source is safe: every field is validated before it is used, and a bad file gives a
/// ``SafeTensorsError`` naming the file and the problem.
///
/// ```swift
/// var file = SafeTensorsFile(metadata: ["note": "weights after epoch 3"])
/// file.setTensor(kernel, named: "layers.0.kernel")
/// try file.write(to: url)                        // atomic: the old file survives a failed write
///
/// let loaded = try SafeTensorsFile(contentsOf: url)
/// let k = try loaded.tensor(named: "layers.0.kernel")
/// ```
///
/// This type knows nothing of layers or models; see ``Model`` for saving a whole model.
public struct SafeTensorsFile {
    /// One tensor's element type, shape and raw little-endian bytes.
    struct Entry {
        var dataType: SafeTensorsDataType
        var shape: [Int]
        var bytes: Data
    }

    /// Free-form string metadata, stored under the header's `__metadata__` key.
    public var metadata: [String: String]
    /// The tensor names, in the order their data appears in the file.
    public private(set) var names: [String] = []
    private var entries: [String: Entry] = [:]
    /// The file path, or a description of in-memory bytes, for error messages.
    let source: String

    /// The key under which the header keeps metadata; no tensor may have this name.
    static let metadataKey = "__metadata__"

    /// An empty file with `metadata`, to be filled with ``setTensor(_:named:)``.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
        source = "new safetensors file"
    }

    init(metadata: [String: String], orderedEntries: [(name: String, entry: Entry)], source: String) {
        self.metadata = metadata
        self.source = source
        for (name, entry) in orderedEntries {
            names.append(name)
            entries[name] = entry
        }
    }

    /// Whether the file holds a tensor called `name`.
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The shape of the tensor called `name`, or nil if there is none.
    public func shape(of name: String) -> [Int]? { entries[name]?.shape }

    /// The stored element type of the tensor called `name`, or nil if there is none.
    public func dataType(of name: String) -> SafeTensorsDataType? { entries[name]?.dataType }

    /// The tensor called `name`, its elements converted to `Float` from whatever type the file stores.
    ///
    /// - Throws: ``SafeTensorsError/missingTensor(file:tensor:)`` if there is no such tensor.
    public func tensor(named name: String) throws -> Tensor {
        guard let entry = entries[name] else { throw SafeTensorsError.missingTensor(file: source, tensor: name) }
        let tensor = Tensor(uninitializedShape: entry.shape)
        let count = tensor.count
        let destination = tensor.storage.pointer
        entry.bytes.withUnsafeBytes { entry.dataType.convert($0, count: count, into: destination) }
        return tensor
    }

    /// Stores `tensor` as 32-bit floats under `name`, replacing any tensor of that name; a new name goes last.
    public mutating func setTensor(_ tensor: Tensor, named name: String) {
        precondition(name != SafeTensorsFile.metadataKey, "'\(name)' is reserved for metadata and cannot name a tensor")
        var bytes = Data(count: tensor.count * MemoryLayout<UInt32>.size)
        bytes.withUnsafeMutableBytes { destination in
            tensor.withUnsafeBufferPointer { source in
                for (i, value) in source.enumerated() {
                    destination.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: i &* 4, as: UInt32.self)
                }
            }
        }
        if entries[name] == nil { names.append(name) }
        entries[name] = Entry(dataType: .float32, shape: tensor.shape, bytes: bytes)
    }

    /// Removes the tensor called `name`, if there is one.
    public mutating func removeTensor(named name: String) {
        guard entries.removeValue(forKey: name) != nil else { return }
        names.removeAll { $0 == name }
    }
}

// MARK: - Writing

extension SafeTensorsFile {
    /// The file's bytes: header length, JSON header padded with spaces to a multiple of 8 bytes (so the data
    /// section is 8-byte aligned, as the reference implementation writes it), then the tensors in ``names`` order.
    public func serialized() -> Data {
        var header = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(SafeTensorsFile.jsonString($0)):\(SafeTensorsFile.jsonString(metadata[$0] ?? ""))" }
            fields.append("\(SafeTensorsFile.jsonString(SafeTensorsFile.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            guard let entry = entries[name] else { continue }
            let end = offset + entry.bytes.count
            let shape = entry.shape.map(String.init).joined(separator: ",")
            fields.append("\(SafeTensorsFile.jsonString(name)):{\"dtype\":\"\(entry.dataType.rawValue)\","
                          + "\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += fields.joined(separator: ",") + "}"
        var headerBytes = Data(header.utf8)
        let padding = (8 - headerBytes.count % 8) % 8
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))

        var result = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { result.append(contentsOf: $0) }
        result.append(headerBytes)
        for name in names {
            if let entry = entries[name] { result.append(entry.bytes) }
        }
        return result
    }

    /// Writes the file to `url` atomically: the bytes go to a temporary file in the same directory, which is
    /// flushed to disk and then renamed over `url`. A crash or error at any point leaves either the previous
    /// file or the complete new one, never a partial file, and the temporary file is removed on failure.
    ///
    /// - Throws: ``SafeTensorsError/unwritable(file:reason:)``.
    public func write(to url: URL) throws {
        do {
            try AtomicFile.replaceContents(of: url, with: serialized())
        } catch let failure as AtomicFile.Failure {
            throw SafeTensorsError.unwritable(file: url.path, reason: failure.reason)
        }
    }

    /// `string` as a JSON string literal.
    static func jsonString(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
