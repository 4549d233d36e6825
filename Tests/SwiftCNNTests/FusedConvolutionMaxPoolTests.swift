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
        let fused = try model()
        #expect(fused.plan.layers.count == 3 && fused.plan.layers[0] is FusedConvolutionMaxPool)
        let x = Seeded.uniform([6, 12, 12, 1], seed: 8)
        let labels: [Int32] = [0, 1, 2, 3, 1, 2]
        let separate = try model()
        expectStepMatchesLayerByLayer(fused, twin: separate, inputs: x, labels: labels)
        var logits = x
        for layer in separate.layers { logits = layer.forward(logits, training: false) }
        expectClose(fused.predict(x), Softmax().forward(logits, training: false), absolute: 1e-6, relative: 1e-5)
    }

    @Test("Other first layers run one by one")
    func otherModelsDoNotFuse() throws {
        let model = try Sequential(inputShape: [12, 12, 3], seed: 7) {
            Conv2D(filters: 16, kernelSize: 3, activation: .relu)
            MaxPool2D(poolSize: 2)
            Flatten()
            Dense(units: 4)
        }
        #expect(model.plan.layers.count == model.layers.count)
        #expect(!model.plan.layers.contains { $0 is FusedConvolutionMaxPool })
    }
}
