import Foundation

extension SafeTensorsFile {
    /// The largest header accepted, as in the reference implementation: a length prefix above it is taken for
    /// corruption rather than a reason to allocate.
    static let maximumHeaderLength: UInt64 = 100_000_000

    /// Reads and validates the safetensors file at `url`.
    ///
    /// - Throws: ``SafeTensorsError``, naming the file and what is wrong with it.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try FileContents.read(url, maximumSize: FileContents.maximumModelFileSize, mapped: true)
        } catch let error as FileReadError {
            throw SafeTensorsError.unreadable(file: url.path, reason: error.reason)
        }
        try self.init(serialized: data, source: url.path)
    }

    /// Reads and validates safetensors bytes; `source` names them in errors.
    ///
    /// Everything is checked before it is trusted: the header length against the file size, the header's JSON
    /// and the type of every field, each tensor's element type, that its byte range holds exactly
    /// `product(shape)` elements and lies inside the data section, and that the tensors tile the data section
    /// with no overlap, gap or trailing bytes.
    ///
    /// - Throws: ``SafeTensorsError``.
    public init(serialized data: Data, source: String = "safetensors data") throws {
        guard data.count >= 8 else { throw SafeTensorsError.tooShort(file: source, byteCount: data.count) }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= SafeTensorsFile.maximumHeaderLength, headerLength <= UInt64(data.count - 8) else {
            throw SafeTensorsError.headerLengthOutOfRange(file: source, headerLength: headerLength, fileSize: data.count)
        }
        let headerStart = data.startIndex + 8
        let dataStart = headerStart + Int(headerLength)
        let header = try SafeTensorsFile.parseHeader(data[headerStart..<dataStart], source: source)
        let dataSection = data[dataStart..<data.endIndex]

        var spans: [Span] = []
        for (name, raw) in header.tensors {
            spans.append(try SafeTensorsFile.validate(raw, named: name, dataSize: dataSection.count, source: source))
        }
        spans.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }

        var entries: [(name: String, entry: Entry)] = []
        var position = 0
        for span in spans {
            if span.begin < position, let previous = entries.last {
                throw SafeTensorsError.overlappingTensors(file: source, first: previous.name, second: span.name)
            }
            if span.begin > position {
                throw SafeTensorsError.gapInData(file: source, before: span.name, offset: position)
            }
            let bytes = dataSection[dataSection.startIndex + span.begin ..< dataSection.startIndex + span.end]
            entries.append((span.name, Entry(dataType: span.dataType, shape: span.shape, bytes: bytes)))
            position = span.end
        }
        if position != dataSection.count {
            throw SafeTensorsError.trailingBytes(file: source, count: dataSection.count - position)
        }
        self.init(metadata: header.metadata, orderedEntries: entries, source: source)
    }

    /// A tensor's validated header entry: where its bytes lie in the data section and what they hold.
    private struct Span {
        var name: String
        var dataType: SafeTensorsDataType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    /// A tensor's entry checked on its own, before its byte range is checked against the others.
    private static func validate(_ raw: RawEntry, named name: String, dataSize: Int, source: String) throws -> Span {
        guard let dataType = SafeTensorsDataType(rawValue: raw.dtype) else {
            throw SafeTensorsError.unknownDataType(file: source, tensor: name, dataType: raw.dtype)
        }
        guard raw.shape.allSatisfy({ $0 >= 0 }) else {
            throw SafeTensorsError.malformedEntry(file: source, tensor: name,
                                                  reason: "shape \(raw.shape) has a negative dimension")
        }
        guard raw.dataOffsets.count == 2 else {
            throw SafeTensorsError.malformedEntry(
                file: source, tensor: name,
                reason: "data_offsets must hold two integers, found \(raw.dataOffsets.count)")
        }
        let (begin, end) = (raw.dataOffsets[0], raw.dataOffsets[1])
        guard begin >= 0, end >= 0 else {
            throw SafeTensorsError.malformedEntry(file: source, tensor: name,
                                                  reason: "data_offsets \(raw.dataOffsets) has a negative value")
        }
        guard begin <= end else {
            throw SafeTensorsError.malformedEntry(file: source, tensor: name,
                                                  reason: "data_offsets \(raw.dataOffsets) end before they begin")
        }
        guard end <= dataSize else {
            throw SafeTensorsError.offsetsOutOfBounds(file: source, tensor: name, offsets: raw.dataOffsets,
                                                      dataSize: dataSize)
        }
        // Multiplied in the order Tensor does, so a shape accepted here cannot overflow there.
        var elementCount = 1
        for dimension in raw.shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw SafeTensorsError.sizeMismatch(file: source, tensor: name, dataType: raw.dtype,
                                                    shape: raw.shape, byteCount: end - begin)
            }
            elementCount = product
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dataType.byteWidth)
        guard !overflow, byteCount == end - begin else {
            throw SafeTensorsError.sizeMismatch(file: source, tensor: name, dataType: raw.dtype,
                                                shape: raw.shape, byteCount: end - begin)
        }
        return Span(name: name, dataType: dataType, shape: raw.shape, begin: begin, end: end)
    }
}

// MARK: - Header JSON

extension SafeTensorsFile {
    /// A tensor's header entry as written, before validation.
    struct RawEntry: Decodable {
        var dtype: String
        var shape: [Int]
        var dataOffsets: [Int]

        private enum Field: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }

        init(from decoder: Decoder) throws {
            let fields: KeyedDecodingContainer<Field>
            do {
                fields = try decoder.container(keyedBy: Field.self)
            } catch {
                throw EntryProblem(reason: "the entry is not an object")
            }
            func decode<T: Decodable>(_ field: Field, as _: T.Type, expected: String) throws -> T {
                guard fields.contains(field) else { throw EntryProblem(reason: "missing field '\(field.rawValue)'") }
                do {
                    return try fields.decode(T.self, forKey: field)
                } catch {
                    throw EntryProblem(reason: "'\(field.rawValue)' must be \(expected)")
                }
            }
            dtype = try decode(.dtype, as: String.self, expected: "a string")
            shape = try decode(.shape, as: [Int].self, expected: "an array of non-negative integers")
            dataOffsets = try decode(.dataOffsets, as: [Int].self, expected: "an array of two non-negative integers")
        }
    }

    /// A problem with one tensor's entry, found before its name is known.
    struct EntryProblem: Error {
        var reason: String
    }

    /// A problem found while decoding the header, before the file name is attached.
    enum HeaderProblem: Error {
        case notAnObject
        case metadata(reason: String)
        case entry(name: String, reason: String)
    }

    struct Header: Decodable {
        var tensors: [(name: String, raw: RawEntry)] = []
        var metadata: [String: String] = [:]

        private struct Key: CodingKey {
            var stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        init(from decoder: Decoder) throws {
            let container: KeyedDecodingContainer<Key>
            do {
                container = try decoder.container(keyedBy: Key.self)
            } catch {
                throw HeaderProblem.notAnObject
            }
            for key in container.allKeys {
                if key.stringValue == SafeTensorsFile.metadataKey {
                    do {
                        metadata = try container.decode([String: String].self, forKey: key)
                    } catch {
                        throw HeaderProblem.metadata(reason: "found a value that is not a string, or not an object")
                    }
                } else {
                    do {
                        tensors.append((key.stringValue, try container.decode(RawEntry.self, forKey: key)))
                    } catch let problem as EntryProblem {
                        throw HeaderProblem.entry(name: key.stringValue, reason: problem.reason)
                    }
                }
            }
        }
    }

    static func parseHeader(_ bytes: Data, source: String) throws -> Header {
        guard String(data: bytes, encoding: .utf8) != nil else {
            throw SafeTensorsError.malformedHeader(file: source, reason: "the header is not UTF-8 text")
        }
        do {
            return try JSONDecoder().decode(Header.self, from: bytes)
        } catch let problem as HeaderProblem {
            switch problem {
            case .notAnObject: throw SafeTensorsError.headerNotAnObject(file: source)
            case let .metadata(reason): throw SafeTensorsError.malformedMetadata(file: source, reason: reason)
            case let .entry(name, reason):
                throw SafeTensorsError.malformedEntry(file: source, tensor: name, reason: reason)
            }
        } catch let error as DecodingError {
            throw SafeTensorsError.malformedHeader(file: source, reason: SafeTensorsFile.describe(error))
        } catch {
            throw SafeTensorsError.malformedHeader(file: source, reason: "\(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .dataCorrupted(context):
            if let underlying = context.underlyingError { return "\(context.debugDescription) (\(underlying))" }
            return context.debugDescription
        default:
            return "\(error)"
        }
    }
}
