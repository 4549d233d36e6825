@testable import SwiftCNN
import TestSupport
import Testing

@Suite("Zero-padded samples for the direct kernels")
struct PaddedImageTests {
    /// 'same' padding of odd and even windows and strides, where the padding can be uneven, and a
    /// 'valid' geometry whose windows stop short of the last column.
    static let geometries: [(input: [Int], window: (Int, Int), strides: (Int, Int), padding: Padding)] = [
        ([5, 6, 3], (3, 3), (1, 1), .same),
        ([6, 7, 2], (4, 2), (2, 3), .same),
        ([7, 7, 4], (2, 2), (2, 2), .valid),
    ]

    @Test("Every value of the copy is the sample's or zero, whatever the scratch held", arguments: 0..<geometries.count)
    func copyMatchesDefinition(_ index: Int) throws {
        let (input, window, strides, padding) = Self.geometries[index]
        let g = try WindowGeometry(layer: "test", inputShape: input, window: window, strides: strides, padding: padding)
        let padded = PaddedImage(geometry: g)
        let x = Seeded.uniform([2] + input, in: -1...1, seed: 70)
        let scratch = Tensor(shape: [max(1, padded.scratchFloats)])
        scratch.storage.pointer.update(repeating: .nan, count: scratch.count)
        let sample = padded.sample(1, of: x.storage.pointer, scratch: scratch.storage.pointer)
        let (height, width, channels) = (input[0], input[1], input[2])
        let rows = padded.isNeeded ? padded.height : height
        for row in 0..<rows {
            for column in 0..<(padded.rowStride / channels) {
                for c in 0..<channels {
                    let (y, x0) = (row - (padded.isNeeded ? g.padTop : 0), column - (padded.isNeeded ? g.padLeft : 0))
                    let inside = (0..<height).contains(y) && (0..<width).contains(x0)
                    let expected = inside ? x.scalars[((height + y) * width + x0) * channels + c] : 0
                    #expect(sample[row * padded.rowStride + column * channels + c] == expected)
                }
            }
        }
    }
}
