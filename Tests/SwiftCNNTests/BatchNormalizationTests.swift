import SwiftCNN
import TestSupport
import Testing

/// Training-mode batch normalisation of `x` ([M rows of C] flattened) and its gradients for `dy`, in
/// Double, by the textbook formulas.
private func referenceBatchNormalization(
    _ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Double, dy: Tensor
) -> (y: Tensor, dx: Tensor, dGamma: Tensor, dBeta: Tensor) {
    let channels = x.shape.last!, rows = x.count / channels
    let values = x.scalars.map(Double.init), gradients = dy.scalars.map(Double.init)
    var y = [Float](repeating: 0, count: x.count), dx = y
    var dGamma = [Float](repeating: 0, count: channels), dBeta = dGamma
    for c in 0..<channels {
        let column = (0..<rows).map { values[$0 * channels + c] }
        let g = (0..<rows).map { gradients[$0 * channels + c] }
        let mean = column.reduce(0, +) / Double(rows)
        let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rows)
        let deviation = (variance + epsilon).squareRoot()
        let normalized = column.map { ($0 - mean) / deviation }
        let gammaC = Double(gamma[c]), betaC = Double(beta[c])
        let sumG = g.reduce(0, +)
        let sumGX = zip(g, normalized).map(*).reduce(0, +)
        dBeta[c] = Float(sumG)
        dGamma[c] = Float(sumGX)
        for m in 0..<rows {
            y[m * channels + c] = Float(gammaC * normalized[m] + betaC)
            dx[m * channels + c] = Float(gammaC / (Double(rows) * deviation)
                * (Double(rows) * g[m] - sumG - normalized[m] * sumGX))
        }
    }
    return (Tensor(shape: x.shape, scalars: y), Tensor(shape: x.shape, scalars: dx),
            Tensor(dGamma), Tensor(dBeta))
}

/// A built layer for samples of `sampleShape` with non-trivial gamma and beta.
private func builtLayer(sampleShape: [Int], momentum: Float = 0.99) throws -> BatchNormalization {
    let layer = BatchNormalization(momentum: momentum)
    var generator = Seeded.generator()
    #expect(try layer.build(inputShape: sampleShape, generator: &generator) == sampleShape)
    let channels = sampleShape.last!
    layer.gamma.value = Seeded.uniform([channels], in: 0.5...1.5, seed: 51)
    layer.beta.value = Seeded.uniform([channels], seed: 52)
    return layer
}

@Suite struct BatchNormalizationTests {
    @Test func buildCreatesKerasStartingValues() throws {
        let layer = BatchNormalization()
        #expect(layer.momentum == 0.99 && layer.epsilon == 1e-3 && layer.name == "batch_normalization")
        var generator = Seeded.generator()
        #expect(try layer.build(inputShape: [4, 4, 3], generator: &generator) == [4, 4, 3])
        #expect(layer.gamma.value == Tensor([1, 1, 1]) && layer.beta.value == Tensor([0, 0, 0]))
        #expect(layer.runningMean == Tensor([0, 0, 0]) && layer.runningVariance == Tensor([1, 1, 1]))
        #expect(layer.parameters.map(\.name) == ["gamma", "beta"] && layer.parameterCount == 6)
        #expect(throws: LayerError.self) { _ = try BatchNormalization().build(inputShape: [], generator: &generator) }
    }

    @Test func inferenceUsesTheRunningStatistics() throws {
        let layer = try builtLayer(sampleShape: [2])
        layer.gamma.value = Tensor([2, 1])
        layer.beta.value = Tensor([0.5, 0])
        layer.runningMean = Tensor([1, -2])
        // With ε = 0.001 the deviations are √4 = 2 and √0.25 = 0.5.
        layer.runningVariance = Tensor([3.999, 0.249])
        // channel 0: 2·(3 − 1)/2 + 0.5 = 2.5,  2·(0 − 1)/2 + 0.5 = −0.5
        // channel 1: (−1 + 2)/0.5 = 2,         (−2.5 + 2)/0.5 = −1
        let y = layer.forward(Tensor(shape: [2, 2], scalars: [3, -1, 0, -2.5]), training: false)
        expectClose(y, Tensor(shape: [2, 2], scalars: [2.5, 2, -0.5, -1]))
        #expect(layer.runningMean == Tensor([1, -2]), "inference leaves the statistics alone")
    }

    @Test func runningStatisticsFollowTheKerasUpdate() throws {
        let layer = try builtLayer(sampleShape: [2], momentum: 0.9)
        // Batch 1: channel 0 = [1, 3] (mean 2, biased variance 1), channel 1 = [0, 4] (mean 2, variance 4).
        // mean:     0·0.9 + 2·0.1 = 0.2                 0.2
        // variance: 1·0.9 + 1·0.1 = 1.0                 1·0.9 + 4·0.1 = 1.3
        _ = layer.forward(Tensor(shape: [2, 2], scalars: [1, 0, 3, 4]), training: true)
        expectClose(layer.runningMean, Tensor([0.2, 0.2]))
        expectClose(layer.runningVariance, Tensor([1.0, 1.3]))
        // Batch 2: channel 0 = [2, 6] (mean 4, variance 4), channel 1 = [−1, −1] (mean −1, variance 0).
        // mean:     0.2·0.9 + 4·0.1 = 0.58              0.2·0.9 − 1·0.1 = 0.08
        // variance: 1.0·0.9 + 4·0.1 = 1.3               1.3·0.9 + 0 = 1.17
        _ = layer.forward(Tensor(shape: [2, 2], scalars: [2, -1, 6, -1]), training: true)
        expectClose(layer.runningMean, Tensor([0.58, 0.08]))
        expectClose(layer.runningVariance, Tensor([1.3, 1.17]))
    }

    @Test(arguments: [[6, 4], [2, 3, 3, 3]])
    func trainingMatchesTheReference(shape: [Int]) throws {
        let layer = try builtLayer(sampleShape: Array(shape.dropFirst()))
        let x = Seeded.uniform(shape, in: -2...3, seed: 53), dy = Seeded.uniform(shape, seed: 54)
        let reference = referenceBatchNormalization(x, gamma: layer.gamma.value, beta: layer.beta.value,
                                                    epsilon: 1e-3, dy: dy)
        expectClose(layer.forward(x, training: true), reference.y)
        expectClose(layer.backward(dy), reference.dx, absolute: 1e-5, relative: 1e-3)
        expectClose(layer.gamma.gradient, reference.dGamma, relative: 1e-4)
        expectClose(layer.beta.gradient, reference.dBeta)
    }

    @Test(arguments: [[6, 4], [2, 3, 3, 3]])
    func gradientsMatchFiniteDifferences(shape: [Int]) throws {
        let layer = try builtLayer(sampleShape: Array(shape.dropFirst()))
        checkGradients(of: layer, input: Seeded.uniform(shape, in: -2...2, seed: 55))
    }

    /// Large enough for the reductions and the element-wise passes to be split over threads.
    @Test func largeBatchesMatchTheReference() throws {
        let shape = [8, 32, 32, 16]
        let layer = try builtLayer(sampleShape: Array(shape.dropFirst()))
        // An offset far from zero checks that the variance survives cancellation.
        let x = Seeded.uniform(shape, in: 9...11, seed: 56), dy = Seeded.uniform(shape, seed: 57)
        let reference = referenceBatchNormalization(x, gamma: layer.gamma.value, beta: layer.beta.value,
                                                    epsilon: 1e-3, dy: dy)
        expectClose(layer.forward(x, training: true), reference.y, absolute: 1e-4, relative: 1e-3)
        expectClose(layer.backward(dy), reference.dx, absolute: 1e-4, relative: 1e-3)
        expectClose(layer.gamma.gradient, reference.dGamma, absolute: 1e-2, relative: 1e-4)
        expectClose(layer.beta.gradient, reference.dBeta, absolute: 1e-2, relative: 1e-4)
    }

    @Test func skippingTheInputGradientStillSetsParameterGradients() throws {
        let layer = try builtLayer(sampleShape: [3])
        let x = Seeded.uniform([5, 3], seed: 58), dy = Seeded.uniform([5, 3], seed: 59)
        _ = layer.forward(x, training: true)
        _ = layer.backward(dy)
        let gammaGradient = layer.gamma.gradient
        _ = layer.forward(x, training: true)
        #expect(layer.backward(dy, needsInputGradient: false) == nil)
        #expect(layer.gamma.gradient == gammaGradient)
    }
}
