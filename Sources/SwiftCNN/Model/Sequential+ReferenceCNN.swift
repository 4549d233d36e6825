extension Sequential {
    /// The classic Keras MNIST CNN, the network `mnist-train` trains and the benchmarks time:
    ///
    /// ```swift
    /// Conv2D(filters: 32, kernelSize: 3, activation: .relu)
    /// MaxPool2D(poolSize: 2)
    /// Conv2D(filters: 64, kernelSize: 3, activation: .relu)
    /// MaxPool2D(poolSize: 2)
    /// Flatten()
    /// Dense(units: 64, activation: .relu)
    /// Dense(units: classCount)
    /// ```
    ///
    /// For 28×28 grey images and 10 classes it has 121,930 parameters. It ends in logits: train it with
    /// ``SoftmaxCrossEntropy``; ``predict(_:batchSize:)`` applies the softmax.
    ///
    /// - Parameters:
    ///   - inputShape: One image, `[height, width, channels]`; MNIST's by default.
    ///   - classCount: The number of classes.
    ///   - seed: The seed of the initial weights (Glorot-uniform kernels, zero biases, as in Keras).
    /// - Throws: ``LayerError`` when the images are too small for two convolutions and poolings.
    public static func referenceCNN(inputShape: [Int] = [28, 28, 1], classCount: Int = 10,
                                    seed: UInt64 = 0) throws -> Sequential {
        try Sequential(inputShape: inputShape, seed: seed) {
            Conv2D(filters: 32, kernelSize: 3, activation: .relu)
            MaxPool2D(poolSize: 2)
            Conv2D(filters: 64, kernelSize: 3, activation: .relu)
            MaxPool2D(poolSize: 2)
            Flatten()
            Dense(units: 64, activation: .relu)
            Dense(units: classCount)
        }
    }
}
