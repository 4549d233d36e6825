import Foundation
import SwiftCNN
import TestSupport
import Testing

/// An activation layer with the scalar function it must compute, for parameterised tests.
struct ActivationLayerCase: Sendable, CustomTestStringConvertible {
    let makeLayer: @Sendable () -> Layer
    let function: @Sendable (Float) -> Float
    let name: String
    var testDescription: String { name }
}

private let cases: [ActivationLayerCase] = [
    ActivationLayerCase(makeLayer: { ReLU() }, function: { max($0, 0) }, name: "relu"),
    ActivationLayerCase(makeLayer: { LeakyReLU() }, function: { $0 > 0 ? $0 : 0.3 * $0 }, name: "leaky_relu"),
    ActivationLayerCase(makeLayer: { LeakyReLU(slope: 0.05) }, function: { $0 > 0 ? $0 : 0.05 * $0 }, name: "leaky_relu"),
    ActivationLayerCase(makeLayer: { Sigmoid() }, function: { 1 / (1 + Foundation.exp(-$0)) }, name: "sigmoid"),
    ActivationLayerCase(makeLayer: { Tanh() }, function: { Foundation.tanh($0) }, name: "tanh"),
]

@Suite struct ActivationLayerTests {
    @Test func handComputedValues() {
        let x = Tensor([-2, -0.5, 0, 1.5])
        expectClose(ReLU().forward(x, training: false), Tensor([0, 0, 0, 1.5]))
        // Keras's default slope 0.3: −2 → −0.6, −0.5 → −0.15.
        expectClose(LeakyReLU().forward(x, training: false), Tensor([-0.6, -0.15, 0, 1.5]))
        // 1/(1 + e²) = 0.1192029, 1/(1 + e^0.5) = 0.3775407, 1/2, 1/(1 + e^−1.5) = 0.8175745
        expectClose(Sigmoid().forward(x, training: false), Tensor([0.1192029, 0.3775407, 0.5, 0.8175745]))
        // tanh(−2) = −0.9640276, tanh(−0.5) = −0.4621172, tanh(1.5) = 0.9051483
        expectClose(Tanh().forward(x, training: false), Tensor([-0.9640276, -0.4621172, 0, 0.9051483]))
    }

    @Test(arguments: cases)
    func buildKeepsAnyShapeAndTheLayerHasNoParameters(_ test: ActivationLayerCase) throws {
        let layer = test.makeLayer()
        var generator = Seeded.generator()
        #expect(try layer.build(inputShape: [5, 4, 3], generator: &generator) == [5, 4, 3])
        #expect(try layer.build(inputShape: [7], generator: &generator) == [7])
        #expect(layer.parameters.isEmpty)
        #expect(layer.name == test.name)
    }

    @Test(arguments: cases)
    func gradientsMatchFiniteDifferences(_ test: ActivationLayerCase) throws {
        let layer = test.makeLayer()
        var generator = Seeded.generator()
        _ = try layer.build(inputShape: [3, 4, 2], generator: &generator)
        // Away from zero: ReLU and LeakyReLU have their kink there.
        checkGradients(of: layer, input: Seeded.awayFromZero([2, 3, 4, 2], seed: 21))
    }

    /// Large enough to be split over threads: every chunk must match the scalar function.
    @Test(arguments: cases)
    func largeBatchesMatchTheScalarFunction(_ test: ActivationLayerCase) {
        let layer = test.makeLayer()
        let x = Seeded.uniform([3, 101, 103], in: -4...4, seed: 22)
        let y = layer.forward(x, training: true)
        expectClose(y, x.map(test.function))

        let dy = Seeded.uniform(x.shape, seed: 23)
        let h: Float = 1e-2
        let slope = x.map { (test.function($0 + h) - test.function($0 - h)) / (2 * h) }
        // Central differences of the scalar function; inputs within h of the kink are skipped.
        let near = x.map { abs($0) < h ? 1 : 0 }
        let dx = layer.backward(dy)
        let expected = dy * slope
        let masked = zip(zip(dx.scalars, expected.scalars), near.scalars).filter { $0.1 == 0 }.map(\.0)
        expectClose(masked.map(\.0), masked.map(\.1), absolute: 1e-3, relative: 1e-3)
    }

    @Test func noInputGradientWhenNotAskedFor() {
        let layer = Tanh()
        _ = layer.forward(Tensor([0.5, -1]), training: true)
        #expect(layer.backward(Tensor([1, 1]), needsInputGradient: false) == nil)
    }
}
