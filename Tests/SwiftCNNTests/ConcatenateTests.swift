@testable import SwiftCNN
import TestSupport
import Testing

/// `layer`, built for inputs of `shapes` (batch first).
private func built(_ layer: Concatenate, for shapes: [[Int]]) throws -> Concatenate {
    var generator = Seeded.generator()
    _ = try layer.build(inputShapes: shapes.map { Array($0.dropFirst()) }, generator: &generator)
    return layer
}

private let shapeCases: [[[Int]]] = [
    [[2, 3, 3, 4], [2, 3, 3, 1], [2, 3, 3, 5]],
    [[4, 7], [4, 3]],
    [[64, 14, 14, 32], [64, 14, 14, 16]],
]

@Suite("Concatenate")
struct ConcatenateTests {
    @Test("Three inputs of two positions each, worked by hand")
    func handWorked() throws {
        // Position 0: [1, 2] ++ [10] ++ [100, 200, 300];  position 1: [3, 4] ++ [20] ++ [400, 500, 600].
        let inputs = [Tensor(shape: [1, 2, 2], scalars: [1, 2, 3, 4]), Tensor(shape: [1, 2, 1], scalars: [10, 20]),
                      Tensor(shape: [1, 2, 3], scalars: [100, 200, 300, 400, 500, 600])]
        let layer = try built(Concatenate(), for: [[1, 2, 2], [1, 2, 1], [1, 2, 3]])
        #expect(layer.forward(inputs, training: true)
                == Tensor(shape: [1, 2, 6], scalars: [1, 2, 10, 100, 200, 300, 3, 4, 20, 400, 500, 600]))
        // The gradient 0 … 11 goes back by the same columns: [0, 1 | 6, 7], [2 | 8], [3, 4, 5 | 9, 10, 11].
        var inputGradients = [Tensor(shape: [0]), Tensor(shape: [0]), Tensor(shape: [0])]
        layer.backward(Tensor(shape: [1, 2, 6], scalars: (0..<12).map(Float.init)), needsInputGradients: [true, true, true],
                       into: &inputGradients)
        #expect(inputGradients == [Tensor(shape: [1, 2, 2], scalars: [0, 1, 6, 7]), Tensor(shape: [1, 2, 1], scalars: [2, 8]),
                                   Tensor(shape: [1, 2, 3], scalars: [3, 4, 5, 9, 10, 11])])
    }

    @Test("Both passes match the definition, on one thread or split across several", arguments: shapeCases)
    func matchesReference(_ shapes: [[Int]]) throws {
        let inputs = shapes.enumerated().map { Seeded.uniform($0.element, seed: 60 + UInt64($0.offset)) }
        let layer = try built(Concatenate(), for: shapes)
        let output = layer.forward(inputs, training: true)
        #expect(output == concatenationReference(inputs))

        let outputGradient = Seeded.uniform(output.shape, seed: 64)
        var inputGradients = inputs.map { _ in Tensor(shape: [0]) }
        layer.backward(outputGradient, needsInputGradients: inputs.map { _ in true }, into: &inputGradients)
        #expect(inputGradients == concatenationGradientsReference(outputGradient, widths: shapes.map { $0.last! }))
    }

    @Test("Backward matches finite differences, and fills only the slots asked for")
    func gradients() throws {
        let shapes = [[2, 3, 2, 2], [2, 3, 2, 3]]
        let inputs = shapes.enumerated().map { Seeded.uniform($0.element, seed: 65 + UInt64($0.offset)) }
        let layer = try built(Concatenate(), for: shapes)
        checkGradients(of: layer, inputs: inputs)

        let outputGradient = Seeded.uniform([2, 3, 2, 5], seed: 67)
        let untouched = Tensor(shape: [1], repeating: 7)
        var inputGradients = [untouched, untouched]
        _ = layer.forward(inputs, training: true)
        layer.backward(outputGradient, needsInputGradients: [false, true], into: &inputGradients)
        #expect(inputGradients[0] == untouched)
        #expect(inputGradients[1] == concatenationGradientsReference(outputGradient, widths: [2, 3])[1])
    }

    @Test("Inputs that differ on an axis other than the last, or fewer than two, are rejected with the shapes named")
    func incompatibleInputs() throws {
        var generator = Seeded.generator()
        let expected = "two or more inputs of positive shapes equal on every axis but the last, at most 2147483647 along it"
        for shapes in [[[4, 4, 3], [4, 5, 3]], [[4, 4, 3], [4, 3]], [[4, 4, 3]], [], [[3], []], [[2, 0], [2, 1]],
                       [[1, Int(Int32.max)], [1, 1]]] {
            #expect(throws: LayerError.incompatibleInputs(layer: "concatenate", inputShapes: shapes, expected: expected)) {
                _ = try Concatenate().build(inputShapes: shapes, generator: &generator)
            }
        }
        #expect(try Concatenate().build(inputShapes: [[4, 4, 3], [4, 4, 5], [4, 4, 1]], generator: &generator) == [4, 4, 9])
        #expect(try Concatenate().build(inputShapes: [[3], [2]], generator: &generator) == [5])
    }

    @Test("A warmed-up step reuses the output buffer and the caller's gradient slots; kept outputs stay intact")
    func workspacesAreReused() throws {
        let shapes = [[4, 5, 5, 3], [4, 5, 5, 2]]
        let layer = try built(Concatenate(), for: shapes)
        let inputs1 = shapes.map { Seeded.uniform($0, seed: 68) }, inputs2 = shapes.map { Seeded.uniform($0, seed: 69) }
        let outputGradient = Seeded.uniform([4, 5, 5, 5], seed: 70)
        var inputGradients = [Tensor(shape: [0]), Tensor(shape: [0])]
        func step() -> [UnsafeMutablePointer<Float>] {
            let output = layer.forward(inputs1, training: true)
            layer.backward(outputGradient, needsInputGradients: [true, true], into: &inputGradients)
            return [output.storage.pointer] + inputGradients.map(\.storage.pointer)
        }
        let first = step()
        #expect(step() == first)

        let kept = layer.forward(inputs1, training: true)
        let values = kept.scalars
        _ = layer.forward(inputs2, training: true)
        #expect(kept.scalars == values)
    }

    @Test("It is a built-in savable layer without options")
    func savable() throws {
        #expect(builtInLayerTypes.contains { ObjectIdentifier($0) == ObjectIdentifier(Concatenate.self) && $0.typeName == "concatenate" })
        #expect(Concatenate(configuration: EmptyLayerConfiguration()).parameters.isEmpty)
    }
}
