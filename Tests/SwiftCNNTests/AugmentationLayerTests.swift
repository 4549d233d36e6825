import Foundation
@testable import SwiftCNN
import Testing
import TestSupport

/// Every augmentation layer, with options that change images visibly.
private func augmentationLayers(seed: UInt64) -> [Layer] {
    [
        RandomTranslation(heightFactor: 0.2, widthFactor: 0.1, seed: seed),
        RandomRotation(factor: 0.05, seed: seed &+ 1),
        RandomZoom(heightFactor: 0.2, widthFactor: 0.1, seed: seed &+ 2),
        RandomContrast(factor: 0.5, seed: seed &+ 3),
        RandomElasticDeformation(alpha: 8, sigma: 2, seed: seed &+ 4),
        RandomStrokeWidth(probability: 1, seed: seed &+ 5),
    ]
}

private func built(_ layer: Layer, for shape: [Int] = [10, 12, 1]) throws -> Layer {
    var generator = Xoshiro256(seed: 0)
    _ = try layer.build(inputShape: shape, generator: &generator)
    return layer
}

private let images = Seeded.uniform([6, 10, 12, 1], in: 0...1, seed: 71)

@Suite struct AugmentationLayerTests {
    @Test(arguments: 0..<6)
    func inferenceIsTheIdentityAndDrawsNothing(index: Int) throws {
        let layer = try built(augmentationLayers(seed: 1)[index])
        let before = layer.generators
        #expect(layer.forward(images, training: false) == images)
        #expect(layer.generators == before)
        #expect(layer.backward(images, needsInputGradient: false) == nil)
    }

    @Test(arguments: 0..<6)
    func theSameSeedGivesTheSameImagesAndEachStepNewOnes(index: Int) throws {
        let a = try built(augmentationLayers(seed: 2)[index]), b = try built(augmentationLayers(seed: 2)[index])
        let first = a.forward(images, training: true)
        #expect(first.shape == images.shape)
        #expect(first != images, "\(a.name) changed nothing")
        #expect(first == b.forward(images, training: true))
        #expect(a.forward(images, training: true) != first, "\(a.name) drew the same again")
        #expect(try built(augmentationLayers(seed: 9)[index]).forward(images, training: true) != first)
    }

    @Test(arguments: 0..<6)
    func restoringTheGeneratorsRepeatsTheDraws(index: Int) throws {
        let layer = try built(augmentationLayers(seed: 3)[index])
        _ = layer.forward(images, training: true)
        let saved = layer.generators
        #expect(saved.count == 1)
        let next = layer.forward(images, training: true)
        layer.generators = saved
        #expect(layer.forward(images, training: true) == next)
    }

    @Test(arguments: 0..<6)
    func theOutputDoesNotDependOnTheThreadCount(index: Int) throws {
        // Large enough images that the batch is split between two threads.
        let shape = [24, 24, 1]
        let one = try built(augmentationLayers(seed: 4)[index], for: shape)
        let two = try built(augmentationLayers(seed: 4)[index], for: shape)
        let batch = Seeded.uniform([64] + shape, in: 0...1, seed: 72)
        withThreadCount(1) {
            let single = one.forward(batch, training: true)
            Backend.threadCount = 2
            #expect(two.forward(batch, training: true) == single)
        }
    }

    @Test func nonImageInputsAreRejectedByName() {
        var generator = Xoshiro256(seed: 0)
        for layer in augmentationLayers(seed: 5) {
            #expect(throws: LayerError.self) { try layer.build(inputShape: [12, 3], generator: &generator) }
        }
    }

    @Test func contrastScalesAboutTheMeanAndClips() throws {
        // Means 0.4 and 0.5; with k = 1.5: 0.4 ± 1.5·0.2 = 0.1, 0.7; 0.5 ± 1.5·0.5 = −0.25 → 0, 1.25 → 1.
        let x = Tensor(shape: [2, 1, 2, 1], scalars: [0.2, 0.6, 0, 1])
        var y = Tensor(shape: [2, 1, 2, 1])
        let g = ResamplingGeometry(height: 1, width: 2, channels: 1)
        x.withUnsafeBufferPointer { source in
            y.withUnsafeMutableBufferPointer {
                adjustContrast(source.baseAddress!, geometry: g, contrasts: [1.5, 1.5], valueRange: 0...1,
                               samples: 0..<2, into: $0.baseAddress!)
            }
        }
        #expect(maximumDifference(y, Tensor(shape: [2, 1, 2, 1], scalars: [0.1, 0.7, 0, 1])) < 1e-6)
    }

    @Test func strokeWidthDilatesAndErodesOverThreeByThree() throws {
        // A single bright pixel in a 4×4 image: dilation makes it a 3×3 square (clipped at the border),
        // erosion removes it; choice 0 copies.
        var pixels = [Float](repeating: 0, count: 16)
        pixels[1 * 4 + 2] = 1
        let x = Tensor(shape: [3, 4, 4, 1], scalars: pixels + pixels + pixels)
        var y = Tensor(shape: [3, 4, 4, 1])
        let g = ResamplingGeometry(height: 4, width: 4, channels: 1)
        x.withUnsafeBufferPointer { source in
            y.withUnsafeMutableBufferPointer {
                changeStrokeWidth(source.baseAddress!, geometry: g, choices: [1, -1, 0], samples: 0..<3,
                                  into: $0.baseAddress!)
            }
        }
        let dilated: [Float] = [0, 1, 1, 1,
                                0, 1, 1, 1,
                                0, 1, 1, 1,
                                0, 0, 0, 0]
        #expect(Array(y.scalars[0..<16]) == dilated)
        #expect(Array(y.scalars[16..<32]) == [Float](repeating: 0, count: 16))
        #expect(Array(y.scalars[32..<48]) == pixels)
    }

    @Test func smoothingAConstantFieldAwayFromTheBorderKeepsItScaled() {
        // Weights sum to 1, so a constant field stays constant where the window fits inside (σ = 1: radius 3).
        let height = 9, width = 9
        let noise = [Float](repeating: 0.5, count: height * width * 2)
        var pass = [Float](repeating: 0, count: noise.count), field = pass
        let raw = (-3...3).map { Float(exp(-Double($0 * $0) / 2)) }
        let weights = raw.map { $0 / raw.reduce(0, +) }
        weights.withUnsafeBufferPointer { w in
            smoothField(noise, height: height, width: width, weights: w, scale: 2, pass: &pass, into: &field)
        }
        #expect(abs(field[(4 * width + 4) * 2] - 1) < 1e-5 && abs(field[(4 * width + 4) * 2 + 1] - 1) < 1e-5)
        // At a corner only the 4×4 quarter of the window is inside: (Σ_{k=0..3} w_k)² of the value.
        let inside = weights[3...].reduce(0, +)
        #expect(abs(field[0] - 2 * 0.5 * inside * inside) < 1e-5)
    }
}

/// A model with every augmentation layer in front.
private func augmentedModel() throws -> Sequential {
    try Sequential(inputShape: [8, 8, 1], seed: 31, layers: augmentationLayers(seed: 40) + [
        Conv2D(filters: 2, kernelSize: 3, activation: .relu),
        Flatten(),
        Dropout(rate: 0.2, seed: 6),
        Dense(units: 3),
    ])
}

private let augmentationData = tinyDataset(count: 32, sampleShape: [8, 8, 1], classes: 3, seed: 12)

@Suite struct AugmentationPersistenceTests {
    @Test func aModelFileKeepsEveryAugmentationLayer() throws {
        let model = try augmentedModel()
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            try model.save(to: url)
            let loaded = try Sequential(contentsOf: url)
            #expect(loaded.layers.map(\.name) == model.layers.map(\.name))
            #expect(loaded.predict(augmentationData.inputs) == model.predict(augmentationData.inputs))
            let zoom = try #require(loaded.layers[2] as? RandomZoom)
            #expect(zoom.heightFactor == 0.2 && zoom.widthFactor == 0.1 && zoom.seed == 42)
            // A fresh layer from the file draws what a fresh layer of the same seed draws.
            for (saved, original) in zip(loaded.layers.prefix(6), try augmentedModel().layers.prefix(6)) {
                #expect(saved.generators == original.generators)
            }
        }
    }

    @Test func aCheckpointResumesTrainingWithAugmentationExactly() throws {
        let uninterrupted = try augmentedModel()
        let optimizer = Adam(learningRate: 0.01)
        let full = try uninterrupted.fit(augmentationData, epochs: 2, batchSize: 8, optimizer: optimizer,
                                         shuffleSeed: 5, verbosity: .quiet)
        let interrupted = try augmentedModel()
        let firstOptimizer = Adam(learningRate: 0.01)
        try interrupted.fit(augmentationData, epochs: 1, batchSize: 8, optimizer: firstOptimizer, shuffleSeed: 5,
                            verbosity: .quiet)
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("checkpoint.safetensors")
            try TrainingCheckpoint(model: interrupted, optimizer: firstOptimizer, completedEpochs: 1, shuffleSeed: 5)
                .write(to: url)
            let checkpoint = try TrainingCheckpoint(contentsOf: url)
            let rest = try checkpoint.model.fit(augmentationData, epochs: 2, batchSize: 8,
                                                optimizer: checkpoint.optimizer, shuffleSeed: 5, initialEpoch: 1,
                                                verbosity: .quiet)
            #expect(rest.loss.map(\.bitPattern) == full.loss.suffix(1).map(\.bitPattern))
            #expect(tensorBits(of: checkpoint.model) == tensorBits(of: uninterrupted))
            for (resumed, original) in zip(checkpoint.model.layers, uninterrupted.layers) {
                #expect(resumed.generators == original.generators)
            }
        }
    }

    @Test func damagedConfigurationsAreTypedErrors() throws {
        #expect(throws: LayerConfigurationError.self) {
            _ = try RandomRotation(configuration: .init(factor: 2, seed: 0))
        }
        #expect(throws: LayerConfigurationError.self) {
            _ = try RandomZoom(configuration: .init(heightFactor: 1, widthFactor: nil, seed: 0))
        }
        #expect(throws: LayerConfigurationError.self) {
            _ = try RandomContrast(configuration: .init(factor: 0.2, valueRange: [1, 0], seed: 0))
        }
        #expect(throws: LayerConfigurationError.self) {
            _ = try RandomElasticDeformation(configuration: .init(alpha: .nan, sigma: 4, seed: 0))
        }
        #expect(throws: LayerConfigurationError.self) {
            _ = try RandomTranslation(configuration: .init(heightFactor: .nan, widthFactor: 0, seed: 0))
        }
        #expect(throws: LayerConfigurationError.self) {
            _ = try RandomStrokeWidth(configuration: .init(probability: -1, seed: 0))
        }
    }
}

@Suite struct FusedAffineAugmentationTests {
    private func affineLayers() -> [Layer] {
        [
            RandomRotation(factor: 0.05, seed: 81),
            RandomZoom(heightFactor: 0.2, seed: 82),
            RandomTranslation(heightFactor: 0.1, widthFactor: 0.2, seed: 83),
        ]
    }

    @Test func adjacentAffineLayersResampleOnceThroughTheComposedMaps() throws {
        let model = try Sequential(inputShape: [10, 12, 1], seed: 1, layers: affineLayers() + [Flatten(), Dense(units: 2)])
        #expect(model.plan.layers.count == 3 && model.plan.layers[0] is FusedAffineAugmentation)
        let y = model.plan.layers[0].forward(images, training: true)

        // The same draws, from fresh layers: rotation ∘ zoom ∘ translation per image, in image order.
        let fresh = affineLayers()
        var generator = Xoshiro256(seed: 0)
        for layer in fresh { _ = try layer.build(inputShape: [10, 12, 1], generator: &generator) }
        var transforms: [Float] = []
        for _ in 0..<images.shape[0] {
            var composed = AffineMap.identity
            for case let layer as any AffineAugmentationLayer in fresh {
                composed = composed.composed(with: layer.drawTransform())
            }
            transforms += [composed.a, composed.b, composed.c, composed.d, composed.e, composed.f]
        }
        #expect(maximumDifference(y, resampleAffineReference(images, transforms: transforms)) < 1e-4)
        for (used, reference) in zip(model.layers.prefix(3), fresh) {
            #expect(used.generators == reference.generators, "each layer's generator moved on as its own")
        }
    }

    @Test func composingMapsAppliesTheInnerOneFirst() {
        // A shift by (1, 2) after zooming ×2 about the origin's centre: the zoom sees the shifted point.
        let g = ResamplingGeometry(height: 5, width: 5, channels: 1)
        let zoom = AffineMap.zoom(y: 2, x: 2, geometry: g), shift = AffineMap.translation(dy: 1, dx: 2)
        let composed = zoom.composed(with: shift)
        // Pixel (3, 4): shift reads (2, 2), the centre, which the zoom keeps at (2, 2).
        #expect(composed.a * 3 + composed.b * 4 + composed.c == 2)
        #expect(composed.d * 3 + composed.e * 4 + composed.f == 2)
    }
}

@Suite struct StopAugmentationTests {
    @Test func aModelThatDoesNotAugmentTrainsOnTheImagesAsTheyAre() throws {
        let model = try Sequential(inputShape: [10, 12, 1], seed: 1, layers: augmentationLayers(seed: 90) + [Flatten()])
        let drawsBefore = model.layers.map(\.generators)
        model.augmentsTrainingData = false
        #expect(model.plan.forward(images, training: true) == images.reshaped(to: [6, 120]))
        #expect(model.layers.map(\.generators) == drawsBefore, "no layer drew")
        model.augmentsTrainingData = true
        #expect(model.plan.forward(images, training: true) != images.reshaped(to: [6, 120]))
        #expect(model.layers.map(\.generators) != drawsBefore)
        #expect(model.layers.prefix(6).allSatisfy(\.isAugmentation) && !model.layers[6].isAugmentation)
        #expect(model.plan.layers.filter(\.isAugmentation).count == 4, "the fused affine run counts as one")
    }

    @Test func theEpochsFromTheCutoffOnTrainOnTheImagesAsTheyAre() throws {
        let withCallback = try augmentedModel()
        let history = try withCallback.fit(augmentationData, epochs: 3, batchSize: 8, optimizer: Adam(learningRate: 0.01),
                                           shuffleSeed: 5, verbosity: .quiet, callbacks: [StopAugmentation(atEpoch: 1)])
        #expect(withCallback.augmentsTrainingData, "augmenting again once training ends")

        // The same run by hand: one augmented epoch, then two with augmentation switched off.
        let byHand = try augmentedModel()
        let optimizer = Adam(learningRate: 0.01)
        try byHand.fit(augmentationData, epochs: 1, batchSize: 8, optimizer: optimizer, shuffleSeed: 5, verbosity: .quiet)
        let augmentedDraws = byHand.layers.map(\.generators)
        byHand.augmentsTrainingData = false
        let rest = try byHand.fit(augmentationData, epochs: 3, batchSize: 8, optimizer: optimizer, shuffleSeed: 5,
                                  initialEpoch: 1, verbosity: .quiet)
        #expect(history.loss.suffix(2).map(\.bitPattern) == rest.loss.map(\.bitPattern))
        #expect(tensorBits(of: withCallback) == tensorBits(of: byHand))
        #expect(withCallback.layers.prefix(6).map(\.generators) == Array(augmentedDraws.prefix(6)),
                "the augmentation layers drew in the first epoch only")
        #expect(withCallback.layers.map(\.generators) != augmentedDraws, "Dropout went on drawing")
    }
}
