@testable import SwiftCNN
import TestSupport
import Testing

@Suite("Flatten")
struct FlattenTests {
    private func built(_ inputShape: [Int]) throws -> Flatten {
        let layer = Flatten()
        var generator = Seeded.generator()
        #expect(try layer.build(inputShape: inputShape, generator: &generator) == [inputShape.reduce(1, *)])
        return layer
    }

    @Test("Forward keeps each sample's elements in row-major (channels-last) order, without copying")
    func forward() throws {
        let layer = try built([2, 2, 3])
        let x = Seeded.uniform([3, 2, 2, 3], seed: 21)
        let y = layer.forward(x, training: true)
        #expect(y.shape == [3, 12])
        #expect(y.scalars == x.scalars)
        #expect(y.storage.pointer == x.storage.pointer)
        // Sample 1, cell (h 1, w 0), channel 2: offset (1·2 + 0)·3 + 2 = 8 in its row.
        #expect(y[1, 8] == x[1, 1, 0, 2])
    }

    @Test("Backward restores the input shape, without copying")
    func backward() throws {
        let layer = try built([2, 2, 3])
        _ = layer.forward(Seeded.uniform([3, 2, 2, 3], seed: 22), training: true)
        let outputGradient = Seeded.uniform([3, 12], seed: 23)
        let inputGradient = layer.backward(outputGradient)
        #expect(inputGradient.shape == [3, 2, 2, 3])
        #expect(inputGradient.scalars == outputGradient.scalars)
        #expect(inputGradient.storage.pointer == outputGradient.storage.pointer)
        #expect(layer.backward(outputGradient, needsInputGradient: false) == nil)
    }

    @Test("Backward matches finite differences")
    func gradients() throws {
        checkGradients(of: try built([3, 2, 2]), input: Seeded.uniform([2, 3, 2, 2], seed: 24))
    }

    @Test("The batch size may change between calls")
    func changingBatch() throws {
        let layer = try built([4, 5])
        #expect(layer.forward(Tensor(shape: [7, 4, 5]), training: true).shape == [7, 20])
        #expect(layer.backward(Tensor(shape: [7, 20])).shape == [7, 4, 5])
        #expect(layer.forward(Tensor(shape: [2, 4, 5]), training: false).shape == [2, 20])
        #expect(layer.forward(Tensor(shape: [7, 4, 5]), training: true).shape == [7, 20])
    }

    @Test("Building rejects an empty sample shape")
    func buildRejectsScalars() {
        var generator = Seeded.generator()
        #expect(throws: LayerError.self) { _ = try Flatten().build(inputShape: [], generator: &generator) }
        #expect(Flatten().parameters.isEmpty)
    }
}
