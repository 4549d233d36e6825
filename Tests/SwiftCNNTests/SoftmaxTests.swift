import Foundation
import SwiftCNN
import TestSupport
import Testing

/// The softmax over the last axis computed in Double, independently of the layer.
private func referenceSoftmax(_ x: Tensor) -> Tensor {
    let width = x.shape.last!
    var result = [Float]()
    let values = x.scalars
    for row in 0..<(x.count / width) {
        let logits = values[(row * width)..<((row + 1) * width)].map(Double.init)
        let largest = logits.max()!
        let exps = logits.map { Foundation.exp($0 - largest) }
        let sum = exps.reduce(0, +)
        result += exps.map { Float($0 / sum) }
    }
    return Tensor(shape: x.shape, scalars: result)
}

@Suite struct SoftmaxTests {
    @Test func handComputedValues() {
        // e¹, e², e³ = 2.7182818, 7.3890561, 20.0855369; sum 30.2128748
        // → 0.0900306, 0.2447285, 0.6652410; a constant row gives 1/3 each.
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 5, 5, 5])
        let y = Softmax().forward(x, training: false)
        expectClose(y, Tensor(shape: [2, 3], scalars: [0.0900306, 0.2447285, 0.6652410, 1 / 3, 1 / 3, 1 / 3]))
    }

    @Test func largeLogitsStayFinite() {
        // Shifting a row does not change its softmax: [1000, 1001, 1002] is [0, 1, 2] shifted.
        let y = Softmax().forward(Tensor(shape: [2, 3], scalars: [1000, 1001, 1002, -1000, 0, 1000]), training: false)
        expectClose(y, Tensor(shape: [2, 3], scalars: [0.0900306, 0.2447285, 0.6652410, 0, 0, 1]))
    }

    @Test func normalisesTheLastAxisOfAnyRank() throws {
        let layer = Softmax()
        var generator = Seeded.generator()
        #expect(try layer.build(inputShape: [4, 5], generator: &generator) == [4, 5])
        #expect(throws: LayerError.self) { _ = try Softmax().build(inputShape: [], generator: &generator) }
        let x = Seeded.uniform([3, 4, 5], in: -5...5, seed: 31)
        expectClose(layer.forward(x, training: false), referenceSoftmax(x))
    }

    /// Enough rows to be split over threads.
    @Test func largeBatchesMatchTheReference() {
        let x = Seeded.uniform([6000, 10], in: -8...8, seed: 32)
        let layer = Softmax()
        let y = layer.forward(x, training: true)
        expectClose(y, referenceSoftmax(x))

        // dx = y ⊙ (dy − Σ dy⊙y), row by row.
        let dy = Seeded.uniform(x.shape, seed: 33)
        let dot = (dy * y).sum(alongAxis: -1, keepingDimension: true)
        expectClose(layer.backward(dy), y * (dy - dot), absolute: 1e-6)
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let layer = Softmax()
        var generator = Seeded.generator()
        _ = try layer.build(inputShape: [2, 5], generator: &generator)
        checkGradients(of: layer, input: Seeded.uniform([3, 2, 5], in: -2...2, seed: 34))
    }
}
