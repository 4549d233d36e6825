import FuzzSupport
import SwiftCNN

/// One input: an IDX file, gzip-compressed or not, then its bytes as gzip with a small ceiling.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDXFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let file = try? IDXFile(bytes: bytes, file: "input") {
        precondition(file.encoded.count >= 4, "an IDX file of \(file.encoded.count) bytes was accepted")
    }
    if let content = try? Gzip.decompress(bytes, maximumSize: 1 << 20) {
        precondition(content.count <= 1 << 20, "gzip gave \(content.count) bytes past its ceiling")
    }
    return 0
}

@_cdecl("fuzz_idx_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(fuzzIDXFile)
}
