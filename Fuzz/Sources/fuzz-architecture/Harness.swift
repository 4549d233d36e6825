import FuzzSupport
@testable import SwiftCNN

/// One input: the architecture JSON of a model file without tensors. Layers without parameters are
/// built (so their shape arithmetic runs); the first layer with parameters stops at its missing tensor.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchitecture(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let json = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let file = SafeTensorsFile(metadata: ["format": "swiftcnn", ModelArchitecture.metadataKey: json])
    if let model = try? Model.load(modelFile: file, customLayers: [], ignoring: nil) { exercise(model) }
    return 0
}

@_cdecl("fuzz_architecture_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(fuzzArchitecture)
}
