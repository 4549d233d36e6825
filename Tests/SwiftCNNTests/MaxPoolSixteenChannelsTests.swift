@testable import SwiftCNN
import TestSupport
import Testing

/// Max pooling runs full groups of 16 channels in SIMD registers and blends the rest cell by cell; these
/// check the groups, alone and with leftover channels, against the definition, on the geometries the
/// scalar channel counts' tests use.
@Suite("Max pooling over 16 channels at a time")
struct MaxPoolSixteenChannelsTests {
    @Test("Forward and backward match the definition", arguments: [
        ([2, 4, 4, 32], (2, 2), (2, 2), Padding.valid),
        ([2, 5, 5, 16], (2, 2), (2, 2), Padding.valid),
        ([1, 5, 5, 48], (2, 2), (2, 2), Padding.same),
        ([1, 7, 6, 16], (3, 3), (2, 2), Padding.same),
        ([2, 6, 7, 32], (3, 2), (1, 2), Padding.valid),
        ([1, 7, 6, 21], (3, 3), (2, 2), Padding.same),
    ] as [([Int], (Int, Int), (Int, Int), Padding)])
    func matchesReference(_ input: [Int], _ window: (Int, Int), _ strides: (Int, Int), _ padding: Padding) throws {
        let geometry = try WindowCase(input: input, window: window, strides: strides, padding: padding).geometry()
        // Values rounded to a coarse grid, so that many windows hold ties for the first cell to win.
        let x = Seeded.uniform(input, seed: 21).map { ($0 * 4).rounded() / 4 }
        var y = Tensor(shape: [0]), argmax: [Int32] = [], inputGradient = Tensor(shape: [0])
        maxPool(x, geometry: geometry, into: &y, argmax: &argmax)
        #expect(y == maxPoolReference(x, geometry: geometry))
        let outputGradient = Seeded.uniform(y.shape, seed: 22)
        maxPoolBackward(outputGradient, argmax: argmax, geometry: geometry, into: &inputGradient)
        expectClose(inputGradient, maxPoolBackwardReference(outputGradient, input: x, geometry: geometry))
    }

    @Test("The layer routes each gradient to its window's first maximum")
    func layerMatchesReference() throws {
        let layer = MaxPool2D(poolSize: 2)
        var generator = Seeded.generator()
        _ = try layer.build(inputShape: [6, 6, 32], generator: &generator)
        let x = Seeded.uniform([3, 6, 6, 32], seed: 23).map { ($0 * 2).rounded() }
        let geometry = try WindowGeometry(layer: "test", inputShape: [6, 6, 32], window: (2, 2), strides: (2, 2),
                                          padding: .valid)
        #expect(layer.forward(x, training: true) == maxPoolReference(x, geometry: geometry))
        let outputGradient = Seeded.uniform([3, 3, 3, 32], seed: 24)
        expectClose(layer.backward(outputGradient), maxPoolBackwardReference(outputGradient, input: x, geometry: geometry))
    }
}
