@testable import SwiftCNN
import Foundation
import TestSupport
import Testing

/// Batches of images of all sizes, down to a single pixel, and one large enough to be split across threads.
private let batchShapes: [[Int]] = [[2, 3, 5, 4], [3, 1, 1, 7], [1, 7, 6, 3], [5, 4, 4, 16], [64, 7, 7, 32]]

private func built(for inputShape: [Int]) throws -> GlobalAveragePooling2D {
    let layer = GlobalAveragePooling2D()
    var generator = Seeded.generator()
    _ = try layer.build(inputShape: Array(inputShape.dropFirst()), generator: &generator)
    return layer
}

@Suite("GlobalAveragePooling2D")
struct GlobalAveragePooling2DTests {
    @Test("Two 2×2 images of two channels, worked by hand")
    func handWorked() throws {
        // Sample 0: channel 0 = 1 2 / 3 4, mean 10 / 4 = 2.5; channel 1 = 10 20 / 30 40, mean 100 / 4 = 25.
        // Sample 1: channel 0 = -1 -1 / 1 5, mean 4 / 4 = 1;  channel 1 = 0.5 everywhere, mean 0.5.
        let x = Tensor(shape: [2, 2, 2, 2], scalars: [1, 10, 2, 20, 3, 30, 4, 40,
                                                      -1, 0.5, -1, 0.5, 1, 0.5, 5, 0.5])
        let layer = try built(for: [2, 2, 2, 2])
        #expect(layer.forward(x, training: true) == Tensor(shape: [2, 2], scalars: [2.5, 25, 1, 0.5]))
        // Each of the 4 cells gets a quarter of its channel's gradient: 4/4 = 1, -8/4 = -2, 2/4 = 0.5, 0.4/4 = 0.1.
        let inputGradient = layer.backward(Tensor(shape: [2, 2], scalars: [4, -8, 2, 0.4]))
        expectClose(inputGradient, Tensor(shape: [2, 2, 2, 2], scalars: [1, -2, 1, -2, 1, -2, 1, -2,
                                                                          0.5, 0.1, 0.5, 0.1, 0.5, 0.1, 0.5, 0.1]))
    }

    @Test("The kernels match the definition, forward and backward", arguments: batchShapes)
    func kernelsMatchReference(_ shape: [Int]) throws {
        let x = Seeded.uniform(shape, seed: 31)
        let (batch, positions, channels) = (shape[0], shape[1] * shape[2], shape[3])
        let y = Tensor(shape: [batch, channels], repeating: .nan)
        globalAveragePool(x.storage.pointer, positions: positions, channels: channels, samples: 0..<batch,
                          into: y.storage.pointer)
        expectClose(y, globalAveragePoolReference(x))

        let outputGradient = Seeded.uniform([batch, channels], seed: 32)
        let inputGradient = Tensor(shape: shape, repeating: .nan)
        globalAveragePoolBackward(outputGradient.storage.pointer, positions: positions, channels: channels,
                                  samples: 0..<batch, into: inputGradient.storage.pointer)
        expectClose(inputGradient, globalAveragePoolBackwardReference(outputGradient, inputShape: shape))
    }

    @Test("The layer matches the definition, on one thread or split across several", arguments: batchShapes)
    func layerMatchesReference(_ shape: [Int]) throws {
        let layer = try built(for: shape)
        let x = Seeded.uniform(shape, seed: 33)
        expectClose(layer.forward(x, training: true), globalAveragePoolReference(x))
        let outputGradient = Seeded.uniform([shape[0], shape[3]], seed: 34)
        expectClose(layer.backward(outputGradient), globalAveragePoolBackwardReference(outputGradient, inputShape: shape))
        #expect(layer.backward(outputGradient, needsInputGradient: false) == nil)
    }

    @Test("Backward matches finite differences")
    func gradients() throws {
        let shape = [2, 3, 4, 3]
        checkGradients(of: try built(for: shape), input: Seeded.uniform(shape, seed: 35))
    }

    @Test("Output shape is the channels; inputs that are not images are rejected")
    func shapes() throws {
        var generator = Seeded.generator()
        #expect(try GlobalAveragePooling2D().build(inputShape: [26, 26, 32], generator: &generator) == [32])
        #expect(try GlobalAveragePooling2D().build(inputShape: [1, 1, 5], generator: &generator) == [5])
        for bad in [[28, 28], [784], [2, 4, 4, 1], [4, 0, 3], []] {
            #expect(throws: LayerError.incompatibleInput(layer: "global_average_pooling2d", inputShape: bad,
                                                         expected: "a positive [height, width, channels]")) {
                _ = try GlobalAveragePooling2D().build(inputShape: bad, generator: &generator)
            }
        }
        #expect(GlobalAveragePooling2D().parameters.isEmpty)
    }

    @Test("A warmed-up pass reuses its buffers, and kept outputs stay intact")
    func workspacesAreReused() throws {
        let shape = [4, 5, 5, 3]
        let layer = try built(for: shape)
        let x1 = Seeded.uniform(shape, seed: 36), x2 = Seeded.uniform(shape, seed: 37)
        let outputGradient = Seeded.uniform([4, 3], seed: 38)
        func step() -> [UnsafeMutablePointer<Float>] {
            let output = layer.forward(x1, training: true)
            return [output.storage.pointer, layer.backward(outputGradient).storage.pointer]
        }
        let first = step()
        #expect(step() == first)

        let kept = layer.forward(x1, training: true)
        let values = kept.scalars
        _ = layer.forward(x2, training: true)
        #expect(kept.scalars == values)
    }

    @Test("A model with it survives saving and loading, bit for bit")
    func saveAndLoad() throws {
        let model = try Sequential(inputShape: [6, 6, 2], seed: 3) {
            Conv2D(filters: 4, kernelSize: 3, activation: .relu)
            GlobalAveragePooling2D()
            Dense(units: 3)
        }
        #expect(model.layerOutputShapes == [[4, 4, 4], [4], [3]])
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            try model.save(to: url)
            let loaded = try Sequential(contentsOf: url)
            #expect(loaded.layers[1] is GlobalAveragePooling2D)
            #expect(loaded.layerOutputShapes == model.layerOutputShapes)
            let x = Seeded.uniform([3, 6, 6, 2], seed: 39)
            #expect(loaded(x).scalars.map(\.bitPattern) == model(x).scalars.map(\.bitPattern))
        }
        let json = try ModelArchitecture.json(for: model)
        #expect(json.contains(#"{"config":{},"type":"global_average_pooling2d"}"#))
    }
}
