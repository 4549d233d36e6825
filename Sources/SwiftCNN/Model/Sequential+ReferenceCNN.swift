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
    /// ``SoftmaxCrossEntropy``; ``Model/predict(_:batchSize:)`` applies the softmax.
    ///
    /// With `inputNormalization`, that layer comes first and standardises the inputs, which the
    /// convolutions then see centred on zero; its statistics are constants, not parameters. `mnist-train`
    /// adds one adapted to the training images:
    ///
    /// ```swift
    /// let model = try Sequential.referenceCNN(seed: 1, inputNormalization: Normalization(adaptingTo: mnist.train.inputs))
    /// ```
    ///
    /// - Parameters:
    ///   - inputShape: One image, `[height, width, channels]`; MNIST's by default.
    ///   - classCount: The number of classes.
    ///   - seed: The seed of the initial weights (Glorot-uniform kernels, zero biases, as in Keras).
    ///   - inputNormalization: A layer to standardise the inputs with; by default none, as in Keras's model.
    ///   - algorithm: How the convolutions are computed; ``Conv2D/Algorithm/winograd`` runs the second one's
    ///     forward pass by Winograd's F(4×4, 3×3).
    /// - Throws: ``LayerError`` when the images are too small for two convolutions and poolings, or have
    ///   other channels than `inputNormalization` has statistics for.
    public static func referenceCNN(inputShape: [Int] = [28, 28, 1], classCount: Int = 10, seed: UInt64 = 0,
                                    inputNormalization: Normalization? = nil,
                                    algorithm: Conv2D.Algorithm = .automatic) throws -> Sequential {
        let network: [Layer] = [
            Conv2D(filters: 32, kernelSize: 3, activation: .relu, algorithm: algorithm),
            MaxPool2D(poolSize: 2),
            Conv2D(filters: 64, kernelSize: 3, activation: .relu, algorithm: algorithm),
            MaxPool2D(poolSize: 2),
            Flatten(),
            Dense(units: 64, activation: .relu),
            Dense(units: classCount),
        ]
        return try Sequential(inputShape: inputShape, seed: seed,
                              layers: (inputNormalization.map { [$0] } ?? []) + network)
    }
}
