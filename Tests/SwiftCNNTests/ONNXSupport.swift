import Foundation
@testable import SwiftCNN
import Testing

/// The Python of the ONNX tools' virtual env (Scripts/ONNX/setup-venv.sh; `make test` sets it), for the
/// tests that check exports with the ONNX checker and ONNX Runtime.
let onnxPython = ProcessInfo.processInfo.environment["SWIFTCNN_ONNX_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }

/// The MNIST directory named by `MNIST_DIR`, when it exists.
let onnxMNISTDirectory: URL? = ProcessInfo.processInfo.environment["MNIST_DIR"].flatMap { path in
    FileManager.default.fileExists(atPath: path) ? URL(fileURLWithPath: path) : nil
}

/// A script of Scripts/ONNX.
func onnxScript(_ name: String, filePath: String = #filePath) -> String {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scripts/ONNX").appendingPathComponent(name).path
}

/// A file of Tests/SwiftCNNTests/Fixtures/ONNX.
func onnxFixture(_ name: String, filePath: String = #filePath) -> URL {
    URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/ONNX").appendingPathComponent(name)
}

/// Runs `python` with `arguments` and returns what it printed; fails the test when it fails.
func runPython(_ python: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "\(arguments.first ?? python) failed with status \(process.terminationStatus)")
    return String(decoding: printed, as: UTF8.self)
}

/// What Scripts/ONNX/run-onnx.py reports of a model it checked and ran.
struct ONNXRunReport: Decodable {
    var producer_name: String
    var ir_version: Int
    var opsets: [String: Int]
    var input: [StringOrInt]
    var output_shape: [Int]
    var operators: [String]

    enum StringOrInt: Decodable, Equatable {
        case name(String), size(Int)
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let size = try? container.decode(Int.self) { self = .size(size) } else { self = .name(try container.decode(String.self)) }
        }
    }
}

/// Checks `model` with onnx.checker (full check) and runs it in ONNX Runtime on `inputs` (in SwiftCNN's
/// layout); returns the outputs and the report.
func runInONNXRuntime(_ model: URL, inputs: Tensor, python: String) throws -> (outputs: Tensor, report: ONNXRunReport) {
    let directory = model.deletingLastPathComponent()
    let inputFile = directory.appendingPathComponent("inputs.f32"), outputFile = directory.appendingPathComponent("outputs.f32")
    try littleEndianFloats(inputs).write(to: inputFile)
    let printed = try runPython(python, [onnxScript("run-onnx.py"), model.path, inputFile.path,
                                         inputs.shape.map(String.init).joined(separator: ","), outputFile.path])
    let report = try JSONDecoder().decode(ONNXRunReport.self, from: Data(printed.utf8))
    let data = try Data(contentsOf: outputFile)
    let values = data.withUnsafeBytes { bytes in
        (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
    }
    return (Tensor(shape: report.output_shape, scalars: values), report)
}

func littleEndianFloats(_ tensor: Tensor) -> Data {
    var data = Data(capacity: tensor.count * 4)
    for value in tensor.scalars { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    return data
}

/// The largest absolute difference between two tensors of one shape.
func largestAbsoluteDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
}

/// The index of the largest value of each row.
func rowClasses(_ tensor: Tensor) -> [Int] {
    let width = tensor.shape[tensor.rank - 1], scalars = tensor.scalars
    return stride(from: 0, to: tensor.count, by: width).map { start in
        let row = scalars[start..<(start + width)]
        return row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }! - start
    }
}
