@testable import SwiftCNN
import TestSupport
import Testing

/// ``ConvolutionBatchNormalizationFolding`` against the same layers run one by one.
@Suite struct FusedConvolutionBatchNormalizationTests {
    /// A built convolution and batch normalisation with random weights and running statistics far from
    /// their starting values, so that folding them is not the identity.
    func layers(seed: UInt64, useBias: Bool) throws -> (Conv2D, BatchNormalization) {
        var generator = Xoshiro256(seed: seed)
        let convolution = Conv2D(filters: 5, kernelSize: 3, strides: 2, padding: .same, useBias: useBias)
        let normalization = BatchNormalization(momentum: 0.9, epsilon: 1e-3)
        let shape = try convolution.build(inputShape: [7, 6, 3], generator: &generator)
        _ = try normalization.build(inputShape: shape, generator: &generator)
        convolution.bias?.value = Tensor(randomUniform: [5], in: -1...1, using: &generator)
        normalization.gamma.value = Tensor(randomUniform: [5], in: 0.5...2, using: &generator)
        normalization.beta.value = Tensor(randomUniform: [5], in: -1...1, using: &generator)
        normalization.runningMean = Tensor(randomUniform: [5], in: -0.5...0.5, using: &generator)
        normalization.runningVariance = Tensor(randomUniform: [5], in: 0.2...3, using: &generator)
        return (convolution, normalization)
    }

    @Test(arguments: [true, false])
    func inferenceFoldsTheStatisticsIntoTheWeights(useBias: Bool) throws {
        let (convolution, normalization) = try layers(seed: 1, useBias: useBias)
        var generator = Xoshiro256(seed: 2)
        let x = Tensor(randomUniform: [3, 7, 6, 3], in: -1...1, using: &generator)
        let normalized = normalization.forward(convolution.forward(x, training: false), training: false)
        let expected = normalized.storage.pointer
        let rectified = Tensor(shape: normalized.shape, scalars: (0..<normalized.count).map { max(0, expected[$0]) })

        let fused = try #require(FusedConvolutionBatchNormalization(convolution, normalization))
        expectClose(fused.forward(x, training: false), normalized, absolute: 2e-6)
        let withReLU = try #require(fused.fusing(.relu))
        expectClose(withReLU.forward(x, training: false), rectified, absolute: 2e-6)

        // Training moves the statistics; the next inference pass folds the new ones.
        normalization.runningMean = Tensor(shape: [5], repeating: 0.25)
        let moved = normalization.forward(convolution.forward(x, training: false), training: false)
        expectClose(fused.forward(x, training: false), moved, absolute: 2e-6)
    }

    @Test func trainingRunsTheLayersAsWrittenWithTheSameGradients() throws {
        let (convolution, normalization) = try layers(seed: 3, useBias: false)
        let (convolutionCopy, normalizationCopy) = try layers(seed: 3, useBias: false)
        let fused = try #require(FusedConvolutionBatchNormalization(convolutionCopy, normalizationCopy)?.fusing(.relu))
        let relu = ReLU()
        var generator = Xoshiro256(seed: 4)
        let x = Tensor(randomUniform: [4, 7, 6, 3], in: -1...1, using: &generator)
        let dy = Tensor(randomUniform: [4, 4, 3, 5], in: -1...1, using: &generator)

        let y = relu.forward(normalization.forward(convolution.forward(x, training: true), training: true), training: true)
        #expect(fused.forward(x, training: true) == y)
        let reluGradient = try #require(relu.backward(dy, needsInputGradient: true))
        let normalizationGradient = try #require(normalization.backward(reluGradient, needsInputGradient: true))
        let dx = try #require(convolution.backward(normalizationGradient, needsInputGradient: true))
        #expect(fused.backward(dy, needsInputGradient: true) == dx)
        #expect(fused.parameters.map(\.gradient) == (convolution.parameters + normalization.parameters).map(\.gradient))
        #expect(normalizationCopy.runningMean == normalization.runningMean)
        #expect(normalizationCopy.runningVariance == normalization.runningVariance)
    }

    /// Conv → BatchNormalization → ReLU → 2×2 MaxPool, 16 filters, a 7×6 output (odd: a row outside every
    /// window): the fused layer's training pass gives the layers' outputs and gradients bit for bit.
    @Test func poolingAfterTheNormalizationTrainsAsTheLayersDo() throws {
        func layers() throws -> (Conv2D, BatchNormalization) {
            var generator = Xoshiro256(seed: 8)
            let convolution = Conv2D(filters: 16, kernelSize: 3, padding: .same, useBias: false)
            let normalization = BatchNormalization()
            _ = try normalization.build(inputShape: try convolution.build(inputShape: [7, 6, 3], generator: &generator),
                                        generator: &generator)
            normalization.gamma.value = Tensor(randomUniform: [16], in: -1...2, using: &generator)
            normalization.beta.value = Tensor(randomUniform: [16], in: -1...1, using: &generator)
            return (convolution, normalization)
        }
        let (convolution, normalization) = try layers()
        let (convolutionCopy, normalizationCopy) = try layers()
        var generator = Xoshiro256(seed: 9)
        let relu = ReLU(), pool = MaxPool2D(poolSize: 2), poolCopy = MaxPool2D(poolSize: 2)
        for layer in [pool, poolCopy] { _ = try layer.build(inputShape: [7, 6, 16], generator: &generator) }
        let normalized = try #require(FusedConvolutionBatchNormalization(convolutionCopy, normalizationCopy)?.fusing(.relu)
                                      as? FusedConvolutionBatchNormalization)
        let fused = try #require(FusedConvolutionBatchNormalizationMaxPool(normalized, poolCopy, inputShape: [7, 6, 3]))
        let x = Tensor(randomUniform: [4, 7, 6, 3], in: -1...1, using: &generator)
        let dy = Tensor(randomUniform: [4, 3, 3, 16], in: -1...1, using: &generator)

        let rectified = relu.forward(normalization.forward(convolution.forward(x, training: true), training: true),
                                     training: true)
        let y = pool.forward(rectified, training: true)
        #expect(fused.forward(x, training: true) == y)
        let pooledGradient = try #require(pool.backward(dy, needsInputGradient: true))
        let reluGradient = try #require(relu.backward(pooledGradient, needsInputGradient: true))
        let normalizationGradient = try #require(normalization.backward(reluGradient, needsInputGradient: true))
        let dx = try #require(convolution.backward(normalizationGradient, needsInputGradient: true))
        #expect(fused.backward(dy, needsInputGradient: true) == dx)
        #expect(fused.parameters.map(\.gradient) == (convolution.parameters + normalization.parameters).map(\.gradient))
        #expect(normalizationCopy.runningVariance == normalization.runningVariance)
        // Inference folds the normalisation into the convolution, then pools.
        expectClose(fused.forward(x, training: false),
                    pool.forward(relu.forward(normalization.forward(convolution.forward(x, training: false),
                                                                    training: false), training: false),
                                 training: false), absolute: 2e-6)
    }

    /// The BatchNorm net's blocks fuse with their pooling; 8 filters (not a multiple of 16) or 3×3 pooling
    /// do not.
    @Test func aModelFusesThePoolingAfterANormalizationOfSixteenFilters() throws {
        func model(filters: Int, poolSize: Int) throws -> Model {
            try Sequential(inputShape: [8, 8, 1], seed: 10) {
                Conv2D(filters: filters, kernelSize: 3, padding: .same, useBias: false)
                BatchNormalization()
                ReLU()
                MaxPool2D(poolSize: poolSize)
                Flatten()
                Dense(units: 3)
            }
        }
        #expect(try model(filters: 16, poolSize: 2).plan.layers.contains { $0 is FusedConvolutionBatchNormalizationMaxPool })
        #expect(try !model(filters: 8, poolSize: 2).plan.layers.contains { $0 is FusedConvolutionBatchNormalizationMaxPool })
        #expect(try !model(filters: 16, poolSize: 3).plan.layers.contains { $0 is FusedConvolutionBatchNormalizationMaxPool })
    }

    @Test func aConvolutionWithItsOwnActivationIsNotFolded() throws {
        var generator = Xoshiro256(seed: 5)
        let convolution = Conv2D(filters: 2, kernelSize: 3, activation: .relu)
        let normalization = BatchNormalization()
        _ = try normalization.build(inputShape: try convolution.build(inputShape: [5, 5, 1], generator: &generator),
                                    generator: &generator)
        #expect(FusedConvolutionBatchNormalization(convolution, normalization) == nil)
    }

    /// ResNet-8's nine convolution–normalisation pairs fold (stem, two per block, two shortcuts), and the
    /// four followed by a ReLU rather than an addition take it with them; after a
    /// step of training its inference outputs are those of the plan without fusion.
    @Test func resNet8FoldsEveryPairAndPredictsAsTheUnfusedLayers() throws {
        let model = try Model.resNet8(inputShape: [12, 12, 1], classCount: 3, seed: 6)
        #expect(model.plan.layers.filter { $0 is FusedConvolutionBatchNormalization }.count == 9)
        #expect(model.plan.layers.count == model.layers.count - 9 - 4)
        var generator = Xoshiro256(seed: 7)
        let images = Tensor(randomUniform: [6, 12, 12, 1], in: 0...1, using: &generator)
        _ = try model.train(onBatch: images, labels: [0, 1, 2, 0, 1, 2], optimizer: Adam(learningRate: 0.01))
        let unfused = ExecutionPlan(nodes: zip(model.layers, model.layerInputs).map { ModelGraph.Node(layer: $0, inputs: $1) },
                                    inputShape: model.inputShape, outputShapes: model.layerOutputShapes, rules: [])
        expectClose(model(images), unfused.forward(images, training: false), absolute: 1e-5)
    }
}
