import Foundation
import FuzzSupport
@testable import SwiftCNN

/// One input: a safetensors file, read as a container, as a model file and as a training checkpoint.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    guard let file = try? SafeTensorsFile(serialized: Data(bytes: data, count: size), source: "input") else { return 0 }
    for name in file.names { _ = try? file.tensor(named: name) }
    if let model = try? Model.load(modelFile: file, customLayers: [], ignoring: nil) { exercise(model) }
    if let checkpoint = try? TrainingCheckpoint(file: file) { exercise(checkpoint.model) }
    return 0
}

@_cdecl("fuzz_model_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(fuzzModelFile)
}
