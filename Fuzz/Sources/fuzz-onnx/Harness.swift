import Foundation
import FuzzSupport
@testable import SwiftCNN

/// One input: an ONNX file, imported as a model; a model that imports is used as `fuzz-model` uses one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Data(bytes: data, count: size)
    if let model = try? Model(onnxData: bytes, file: "fuzz.onnx") { exercise(model) }
    return 0
}

@_cdecl("fuzz_onnx_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(fuzzONNX)
}
