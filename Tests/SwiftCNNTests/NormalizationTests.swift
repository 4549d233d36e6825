import Foundation
@testable import SwiftCNN
import Testing
import TestSupport

/// A built layer with the given statistics, for samples of `sampleShape`.
private func builtLayer(mean: [Float], variance: [Float], sampleShape: [Int]) throws -> Normalization {
    let layer = Normalization(mean: mean, variance: variance)
    var generator = Seeded.generator()
    #expect(try layer.build(inputShape: sampleShape, generator: &generator) == sampleShape)
    return layer
}

@Suite struct NormalizationTests {
    @Test func standardisesEachChannelByHand() throws {
        let layer = try builtLayer(mean: [1, -2], variance: [4, 0.25], sampleShape: [2])
        let x = Tensor(shape: [3, 2], scalars: [3, -1.5, -1, -2, 1, -3])
        // (3 − 1)/2, (−1.5 + 2)/0.5; (−1 − 1)/2, 0; 0, (−3 + 2)/0.5.
        let expected = Tensor(shape: [3, 2], scalars: [1, 1, -1, 0, 0, -2])
        expectClose(layer.forward(x, training: true), expected)
        expectClose(layer.forward(x, training: false), expected)
        #expect(layer.parameters.isEmpty && layer.name == "normalization")
    }

    @Test func aConstantChannelDividesByKerasEpsilon() throws {
        let layer = try builtLayer(mean: [0.5], variance: [0], sampleShape: [1])
        expectClose(layer.forward(Tensor(shape: [2, 1], scalars: [0.5, 0.5 + 0x1p-20]), training: false),
                    Tensor(shape: [2, 1], scalars: [0, 0x1p-20 / 1e-7]))
    }

    @Test func adaptingMeasuresEachChannelOverEveryOtherAxis() throws {
        let data = Seeded.uniform([5, 4, 3, 3], in: -1...3, seed: 61)
        let layer = Normalization(adaptingTo: data)
        let values = data.scalars.map(Double.init)
        for c in 0..<3 {
            let column = stride(from: c, to: values.count, by: 3).map { values[$0] }
            let mean = column.reduce(0, +) / Double(column.count)
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(column.count)
            expectClose(layer.mean[c], Float(mean), absolute: 1e-6, relative: 1e-6)
            expectClose(layer.variance[c], Float(variance), absolute: 1e-6, relative: 1e-5)
        }

        var generator = Seeded.generator()
        _ = try layer.build(inputShape: [4, 3, 3], generator: &generator)
        let adapted = Normalization(adaptingTo: layer.forward(data, training: false))
        expectClose(adapted.mean, Tensor([0, 0, 0]), absolute: 1e-5)
        expectClose(adapted.variance, Tensor([1, 1, 1]), absolute: 1e-4)
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let layer = try builtLayer(mean: [0.3, -0.1, 0.7], variance: [0.5, 2, 1.5], sampleShape: [4, 4, 3])
        checkGradients(of: layer, input: Seeded.uniform([2, 4, 4, 3], seed: 62))
        #expect(layer.backward(Seeded.uniform([2, 4, 4, 3], seed: 63), needsInputGradient: false) == nil)
    }

    @Test func statisticsForOtherChannelsAreRefused() throws {
        var generator = Seeded.generator()
        #expect(throws: LayerError.self) {
            _ = try Normalization(mean: [0, 0], variance: [1, 1]).build(inputShape: [4, 4, 3], generator: &generator)
        }
        #expect(throws: LayerError.self) {
            _ = try Sequential.referenceCNN(inputNormalization: Normalization(mean: [0, 0], variance: [1, 1]))
        }
    }

    @Test("A leading normalisation keeps the first convolution fused, and the gradients are the layers' own")
    func aLeadingNormalizationKeepsTheFusion() throws {
        func model() throws -> Sequential {
            try Sequential(inputShape: [12, 12, 1], seed: 7) {
                Normalization(mean: [0.4], variance: [0.09])
                Conv2D(filters: 16, kernelSize: 3, activation: .relu)
                MaxPool2D(poolSize: 2)
                Flatten()
                Dense(units: 4)
            }
        }
        let fused = try model()
        #expect(fused.plan.layers.count == 4 && fused.plan.layers[1] is FusedConvolutionMaxPool)
        let x = Seeded.uniform([6, 12, 12, 1], in: 0...1, seed: 8)
        let labels: [Int32] = [0, 1, 2, 3, 1, 2]
        expectStepMatchesLayerByLayer(fused, twin: try model(), inputs: x, labels: labels)
    }

    @Test func theReferenceCNNTakesItFirstWithoutNewParameters() throws {
        let model = try Sequential.referenceCNN(inputNormalization: Normalization(mean: [0.13], variance: [0.095]))
        #expect(model.layers.first is Normalization && model.layers.count == 8)
        #expect(model.parameterCount == 121_930)
        let summary = model.summary()
        #expect(summary.contains("Trainable params: 121,930") && summary.contains("Non-trainable params: 2 "))
    }

    @Test func aModelFileRestoresTheStatisticsAndRefusesMisshapenOnes() throws {
        let model = try Sequential(inputShape: [4, 4, 1], seed: 2) {
            Normalization(mean: [0.5], variance: [2])
            Flatten()
            Dense(units: 3)
        }
        let inputs = Seeded.uniform([2, 4, 4, 1], in: 0...1, seed: 64)
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            try model.save(to: url)
            let loaded = try Sequential(contentsOf: url)
            #expect((loaded.layers[0] as? Normalization)?.mean == Tensor([0.5]))
            #expect(loaded(inputs).scalars.map(\.bitPattern) == model(inputs).scalars.map(\.bitPattern))
        }

        var misshapen = try model.modelFile()
        misshapen.setTensor(Tensor([0.5, 0.5, 0.5]), named: "layers.0.mean")
        let (error, path) = try loadingError(of: misshapen, as: "bad.safetensors") { _ = try Sequential(contentsOf: $0) }
        #expect(error == .shapeMismatch(file: path, tensor: "layers.0.mean", expected: [1], found: [3]))
    }
}
