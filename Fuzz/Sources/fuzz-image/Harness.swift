import FuzzSupport
import Foundation
import SwiftCNNVision

/// One input: a PNG or PGM picture, decoded and, when it decodes, normalised as MNIST was.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    guard let image = try? Image(data: Data(bytes: data, count: size), source: "input") else { return 0 }
    if let digit = try? MNISTPreprocessor().digitImage(from: image) {
        precondition(digit.width == 28 && digit.height == 28 && digit.channels == 1,
                     "the preprocessor gave a \(digit.width)×\(digit.height)×\(digit.channels) image")
        precondition(digit.pixels.allSatisfy { $0.isFinite }, "the preprocessor gave a non-finite pixel")
    }
    return 0
}

@_cdecl("fuzz_image_main")
public func main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(fuzzImage)
}
