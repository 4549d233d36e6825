@testable import SwiftCNN
import TestSupport
import Testing

/// `layer`, built for inputs of `shapes` (batch first).
private func built<L: MergeLayer>(_ layer: L, for shapes: [[Int]]) throws -> L {
    var generator = Seeded.generator()
    _ = try layer.build(inputShapes: shapes.map { Array($0.dropFirst()) }, generator: &generator)
    return layer
}

@Suite("Add")
struct AddTests {
    @Test("Three inputs, worked by hand")
    func handWorked() throws {
        // [1, 2, 3]    [10, 20, 30]    [0.5, -1, 0]    [11.5, 21, 33]
        // [4, 5, 6]  + [40, 50, 60]  + [-4, 0, 0.25] = [40, 55, 66.25]
        let inputs = [Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]),
                      Tensor(shape: [2, 3], scalars: [10, 20, 30, 40, 50, 60]),
                      Tensor(shape: [2, 3], scalars: [0.5, -1, 0, -4, 0, 0.25])]
        let layer = try built(Add(), for: [[2, 3], [2, 3], [2, 3]])
        #expect(layer.forward(inputs, training: true) == Tensor(shape: [2, 3], scalars: [11.5, 21, 33, 40, 55, 66.25]))
    }

    @Test("The sum matches the definition, on one thread or split across several", arguments: [
        [[2, 3, 3, 4], [2, 3, 3, 4]],
        [[3, 7], [3, 7], [3, 7], [3, 7]],
        [[64, 16, 16, 8], [64, 16, 16, 8], [64, 16, 16, 8]],
    ])
    func matchesReference(_ shapes: [[Int]]) throws {
        let inputs = shapes.enumerated().map { Seeded.uniform($0.element, seed: 40 + UInt64($0.offset)) }
        let layer = try built(Add(), for: shapes)
        expectClose(layer.forward(inputs, training: true), elementwiseSumReference(inputs))
    }

    @Test("Backward hands the output gradient itself to the inputs that need one, and matches finite differences")
    func gradients() throws {
        let shapes = [[2, 3, 2, 2], [2, 3, 2, 2], [2, 3, 2, 2]]
        let inputs = shapes.enumerated().map { Seeded.uniform($0.element, seed: 50 + UInt64($0.offset)) }
        let layer = try built(Add(), for: shapes)
        _ = layer.forward(inputs, training: true)
        let outputGradient = Seeded.uniform(shapes[0], seed: 53)
        let untouched = Tensor(shape: [1], repeating: 7)
        var inputGradients = [untouched, untouched, untouched]
        layer.backward(outputGradient, needsInputGradients: [true, false, true], into: &inputGradients)
        #expect(inputGradients[0].storage === outputGradient.storage)
        #expect(inputGradients[1] == untouched)
        #expect(inputGradients[2].storage === outputGradient.storage)

        checkGradients(of: layer, inputs: inputs)
    }

    @Test("Inputs of different shapes, or fewer than two, are rejected with the shapes named")
    func incompatibleInputs() throws {
        var generator = Seeded.generator()
        let expected = "two or more inputs of one positive shape (add does not broadcast)"
        for shapes in [[[4, 4, 3], [4, 4, 2]], [[4, 4, 3], [4, 4, 3], [4, 3]], [[4, 4, 3]], [], [[3], [1]], [[0], [0]]] {
            #expect(throws: LayerError.incompatibleInputs(layer: "add", inputShapes: shapes, expected: expected)) {
                _ = try Add().build(inputShapes: shapes, generator: &generator)
            }
        }
        #expect(try Add().build(inputShapes: [[4, 4, 3], [4, 4, 3]], generator: &generator) == [4, 4, 3])
        let error = LayerError.incompatibleInputs(layer: "add", inputShapes: [[4, 4, 3], [4, 4, 2]], expected: expected)
        #expect(error.description == "add cannot combine inputs of shapes [4, 4, 3], [4, 4, 2]: expected \(expected)")
        // Placed in a Sequential model, it has a single input, which the model reports.
        #expect(throws: ModelError.wrongInputCount(layer: "add", count: 1, expected: "two or more")) {
            _ = try Sequential(inputShape: [3]) {
                Dense(units: 4)
                Add()
            }
        }
    }

    @Test("A warmed-up pass reuses its output buffer, and kept outputs stay intact")
    func workspacesAreReused() throws {
        let shapes = [[4, 5, 5, 3], [4, 5, 5, 3]]
        let layer = try built(Add(), for: shapes)
        let inputs1 = shapes.map { Seeded.uniform($0, seed: 54) }, inputs2 = shapes.map { Seeded.uniform($0, seed: 55) }
        let first = layer.forward(inputs1, training: true).storage.pointer
        #expect(layer.forward(inputs1, training: true).storage.pointer == first)
        let kept = layer.forward(inputs1, training: true)
        let values = kept.scalars
        _ = layer.forward(inputs2, training: true)
        #expect(kept.scalars == values)
    }

    @Test("It is a built-in savable layer without options")
    func savable() throws {
        #expect(builtInLayerTypes.contains { ObjectIdentifier($0) == ObjectIdentifier(Add.self) && $0.typeName == "add" })
        #expect(Add(configuration: EmptyLayerConfiguration()).parameters.isEmpty)
    }
}
