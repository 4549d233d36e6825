@testable import SwiftCNN
import TestSupport
import Testing

@Suite("Fused convolution and max pooling")
struct FusedConvolutionMaxPoolTests {
    /// A single-channel convolution and a 2×2 pooling, built on `[N, 10, 9, 1]` images.
    private func layers(activation: Activation = .relu, pool: MaxPool2D = MaxPool2D(poolSize: 2))
        throws -> (Conv2D, MaxPool2D) {
        let convolution = try ConvolutionCase(input: [5, 10, 9, 1], filters: 32, kernelSize: (3, 3),
                                              activation: activation).makeLayer(seed: 3)
        var generator = Seeded.generator(4)
        _ = try pool.build(inputShape: [8, 7, 32], generator: &generator)
        return (convolution, pool)
    }

    @Test("Fuses only what it computes the same: 2×2 pooling with stride 2, ReLU or no activation")
    func fusesOnlyMatchingLayers() throws {
        #expect(FusedConvolutionMaxPool(try layers().0, try layers().1) != nil)
        #expect(FusedConvolutionMaxPool(try layers(activation: .linear).0, try layers().1) != nil)
        #expect(FusedConvolutionMaxPool(try layers(activation: .sigmoid).0, try layers().1) == nil)
        #expect(FusedConvolutionMaxPool(try layers().0, try layers(pool: MaxPool2D(poolSize: 2, strides: 1)).1) == nil)
        #expect(FusedConvolutionMaxPool(try layers().0, try layers(pool: MaxPool2D(poolSize: 3)).1) == nil)
        let matrixProduct = Conv2D(filters: 32, kernelSize: 3, activation: .relu, algorithm: .matrixProduct)
        var generator = Seeded.generator(5)
        _ = try matrixProduct.build(inputShape: [10, 9, 1], generator: &generator)
        #expect(FusedConvolutionMaxPool(matrixProduct, try layers().1) == nil)
    }

    @Test("Forward and parameter gradients equal the two layers run one after the other",
          arguments: [Activation.relu, .linear])
    func matchesTheLayers(_ activation: Activation) throws {
        let (convolution, pool) = try layers(activation: activation)
        let fused = try #require(FusedConvolutionMaxPool(convolution, pool))
        let x = Seeded.uniform([5, 10, 9, 1], seed: 5)
        let expected = pool.forward(convolution.forward(x, training: true), training: true)
        let dpooled = Seeded.uniform(expected.shape, seed: 6)
        _ = convolution.backward(try #require(pool.backward(dpooled, needsInputGradient: true)), needsInputGradient: false)
        let expectedGradients = (convolution.kernel.gradient, convolution.bias!.gradient)

        expectClose(fused.forward(x, training: true), expected, absolute: 1e-5, relative: 1e-5)
        #expect(fused.backward(dpooled, needsInputGradient: false) == nil)
        expectClose(convolution.kernel.gradient, expectedGradients.0, absolute: 1e-5, relative: 1e-4)
        expectClose(convolution.bias!.gradient, expectedGradients.1, absolute: 1e-5, relative: 1e-4)
    }

    @Test("A model whose first layers fit fuses them, and its gradients equal the layers' own")
    func sequentialFuses() throws {
        func model() throws -> Sequential {
            try Sequential(inputShape: [12, 12, 1], seed: 7) {
                Conv2D(filters: 16, kernelSize: 3, activation: .relu)
                MaxPool2D(poolSize: 2)
                Flatten()
                Dense(units: 4)
            }
        }
        try expectFusedModelMatchesItsLayers(fusedPairs: 1, model, seed: 8)
    }

    /// Expects the model `make` builds, whose plan runs its first `fusedPairs` convolutions and poolings
    /// fused, to train and predict as its layers run one by one do.
    private func expectFusedModelMatchesItsLayers(fusedPairs: Int, _ make: () throws -> Sequential, seed: UInt64) throws {
        let fused = try make()
        #expect(fused.plan.layers.count == fused.layers.count - fusedPairs)
        #expect(fused.plan.layers.prefix(fusedPairs).allSatisfy { $0 is FusedConvolutionMaxPool })
        let x = Seeded.uniform([6] + fused.inputShape, seed: seed)
        let labels: [Int32] = [0, 1, 2, 3, 1, 2]
        let separate = try make()
        expectStepMatchesLayerByLayer(fused, twin: separate, inputs: x, labels: labels)
        var logits = x
        for layer in separate.layers { logits = layer.forward(logits, training: false) }
        expectClose(fused.predict(x), Softmax().forward(logits, training: false), absolute: 1e-6, relative: 1e-5)
    }

    @Test("Over several channels, the output, parameter and input gradients equal the two layers'",
          arguments: [Activation.relu, .linear])
    func severalChannelsMatchTheLayers(_ activation: Activation) throws {
        // 13 × 13 → 11 × 11, pooled to 5 × 5: the last row and column are in no window.
        let convolution = try ConvolutionCase(input: [3, 13, 13, 16], filters: 32, kernelSize: (3, 3),
                                              activation: activation).makeLayer(seed: 9)
        let pool = MaxPool2D(poolSize: 2)
        var generator = Seeded.generator(11)
        _ = try pool.build(inputShape: [11, 11, 32], generator: &generator)
        let fused = try #require(FusedConvolutionMaxPool(convolution, pool, needsInputGradient: true))
        func copy(_ tensor: Tensor) -> Tensor { Tensor(shape: tensor.shape, scalars: tensor.scalars) }

        let x = Seeded.uniform([3, 13, 13, 16], in: -1...1, seed: 12)
        let expected = copy(pool.forward(convolution.forward(x, training: true), training: true))
        let dpooled = Seeded.uniform(expected.shape, in: -1...1, seed: 13)
        let pooledGradient = try #require(pool.backward(dpooled, needsInputGradient: true))
        let expectedInputGradient = copy(try #require(convolution.backward(pooledGradient, needsInputGradient: true)))
        let expectedKernelGradient = copy(convolution.kernel.gradient), expectedBiasGradient = copy(convolution.bias!.gradient)

        expectClose(fused.forward(x, training: true), expected, absolute: 1e-5, relative: 1e-5)
        let inputGradient = try #require(fused.backward(dpooled, needsInputGradient: true))
        expectClose(inputGradient, expectedInputGradient, absolute: 1e-5, relative: 1e-4)
        expectClose(convolution.kernel.gradient, expectedKernelGradient, absolute: 1e-5, relative: 1e-4)
        expectClose(convolution.bias!.gradient, expectedBiasGradient, absolute: 1e-5, relative: 1e-4)
        #expect(inputGradient.scalars.contains { $0 != 0 })
    }

    @Test("A model fuses every convolution the direct kernels run with the pooling after it, and trains as its layers do")
    func sequentialFusesEveryPair() throws {
        func model() throws -> Sequential {
            try Sequential(inputShape: [16, 16, 1], seed: 14) {
                Conv2D(filters: 16, kernelSize: 3, activation: .relu)
                MaxPool2D(poolSize: 2)
                Conv2D(filters: 32, kernelSize: 3, activation: .relu)
                MaxPool2D(poolSize: 2)
                Flatten()
                Dense(units: 4)
            }
        }
        try expectFusedModelMatchesItsLayers(fusedPairs: 2, model, seed: 15)
    }

    @Test("Convolutions the direct kernels do not run, and other activations, run one by one")
    func otherModelsDoNotFuse() throws {
        for (activation, algorithm) in [(Activation.relu, Conv2D.Algorithm.matrixProduct), (.tanh, .automatic)] {
            let model = try Sequential(inputShape: [12, 12, 3], seed: 7) {
                Conv2D(filters: 16, kernelSize: 3, activation: activation, algorithm: algorithm)
                MaxPool2D(poolSize: 2)
                Flatten()
                Dense(units: 4)
            }
            #expect(model.plan.layers.count == model.layers.count)
            #expect(!model.plan.layers.contains { $0 is FusedConvolutionMaxPool })
        }
    }
}
