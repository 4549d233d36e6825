import Foundation
import SwiftCNNVision

/// The test images in `Fixtures/`, made by `Fixtures/make-fixtures.sh`.
enum Fixtures {
    static func url(_ name: String) -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            fatalError("Missing test fixture \(name); run Fixtures/make-fixtures.sh")
        }
        return url
    }

    static func image(_ name: String) throws -> Image {
        try Image(contentsOf: url(name))
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: url(name))
    }
}


/// 8-bit sample values as the 0…1 floats a decoder returns.
func samples(_ bytes: [Int]) -> [Float] {
    bytes.map { Float($0) / 255 }
}
