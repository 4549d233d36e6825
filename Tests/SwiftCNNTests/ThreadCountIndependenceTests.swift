import SwiftCNN
import Testing
import TestSupport

/// Training gives the same bits on any number of threads: the passes that sum over the batch, and the
/// matrix products, split their work into chunks that depend on the batch alone. Distributed training
/// relies on it: a process training its slice on one thread must compute what one process accumulating
/// the same slices computes on all cores.
@Suite struct ThreadCountIndependenceTests {
    /// Every parameter and buffer after two epochs of `makeModel()` on `threads` threads, as bit patterns.
    private func trainedBits(threads: Int, _ makeModel: () throws -> Model, data: LabeledDataset,
                             precision: Precision) throws -> [UInt32] {
        try withThreadCount(threads) {
            let model = try makeModel()
            try Backend.withPrecision(precision) {
                try model.fit(data, epochs: 2, batchSize: 32, optimizer: Adam(learningRate: 1e-3), verbosity: .quiet)
            }
            let buffers = model.layers.flatMap { layer in layer.buffers.sorted { $0.key < $1.key }.map(\.value) }
            return (model.parameters.map(\.value) + buffers).flatMap { $0.scalars.map(\.bitPattern) }
        }
    }

    /// Expects `makeModel()` trained on 1, 2 and 3 threads to end with the same bits; 100 samples make the
    /// last batch of each epoch a short one.
    private func expectSameBitsOnAnyThreadCount(_ makeModel: () throws -> Model, sampleShape: [Int], classes: Int,
                                                precision: Precision = .float32,
                                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        let data = tinyDataset(count: 100, sampleShape: sampleShape, classes: classes, seed: 5)
        let bits = try [1, 2, 3].map { try trainedBits(threads: $0, makeModel, data: data, precision: precision) }
        #expect(!bits[0].isEmpty)
        #expect(bits[0] == bits[1], "1 and 2 threads", sourceLocation: sourceLocation)
        #expect(bits[0] == bits[2], "1 and 3 threads", sourceLocation: sourceLocation)
    }

    @Test("The reference CNN (its fused first convolution and pooling, its dense layers) trains to the same bits on 1, 2 and 3 threads")
    func referenceCNN() throws {
        try expectSameBitsOnAnyThreadCount({ try Sequential.referenceCNN(seed: 2) }, sampleShape: [28, 28, 1], classes: 10)
    }

    @Test("A BatchNorm block with pooling and Dropout (the normalisation's fused passes, masks drawn in chunks) trains to the same bits on 1, 2 and 3 threads")
    func batchNormalizationWithPoolingAndDropout() throws {
        // Dropout sees 32 × 14 × 14 × 16 = 100,352 values a full batch: six chunks of its mask.
        try expectSameBitsOnAnyThreadCount({
            try Sequential(inputShape: [28, 28, 1], seed: 6) {
                Conv2D(filters: 16, kernelSize: 3, padding: .same, useBias: false)
                BatchNormalization()
                ReLU()
                MaxPool2D(poolSize: 2)
                Dropout(rate: 0.25, seed: 7)
                Flatten()
                Dense(units: 10)
            }
        }, sampleShape: [28, 28, 1], classes: 10)
    }

    @Test("ResNet-8 (strided and 1×1 convolutions, batch normalisation, additions, global pooling) trains to the same bits on 1, 2 and 3 threads")
    func resNet8() throws {
        try expectSameBitsOnAnyThreadCount({ try Model.resNet8(seed: 4) }, sampleShape: [28, 28, 1], classes: 10)
    }

    @Test("ResNet-8 with BF16 products (their forward, input-gradient and kernel-gradient kernels) trains to the same bits on 1, 2 and 3 threads",
          .enabled(if: Precision.bfloat16.isSupported, "needs AVX512_BF16"))
    func resNet8InBFloat16() throws {
        try expectSameBitsOnAnyThreadCount({ try Model.resNet8(seed: 4) }, sampleShape: [28, 28, 1], classes: 10,
                                           precision: .bfloat16)
    }

    @Test("A depthwise convolution and batch normalisation train to the same bits on 1, 2 and 3 threads")
    func depthwiseNetwork() throws {
        func model() throws -> Model {
            try Sequential(inputShape: [12, 12, 3], seed: 3) {
                Conv2D(filters: 8, kernelSize: 3, padding: .same, useBias: false)
                BatchNormalization()
                ReLU()
                DepthwiseConv2D(kernelSize: 3, depthMultiplier: 2, activation: .relu)
                GlobalAveragePooling2D()
                Dense(units: 4)
            }
        }
        try expectSameBitsOnAnyThreadCount(model, sampleShape: [12, 12, 3], classes: 4)
    }

    @Test("A large matrix product gives the same bits on 1, 2 and 3 threads")
    func matrixProduct() {
        let lhs = Seeded.uniform([301, 257], seed: 7), rhs = Seeded.uniform([257, 129], seed: 8)
        let products = [1, 2, 3].map { threads in
            withThreadCount(threads) { Tensor.matmul(lhs, rhs).scalars.map(\.bitPattern) }
        }
        #expect(products[0] == products[1] && products[0] == products[2])
    }
}
