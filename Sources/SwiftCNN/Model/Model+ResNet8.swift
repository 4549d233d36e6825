extension Model {
    /// ResNet-8, the small residual network of the examples, tests and benchmarks: channels-last, 'same'
    /// padding, no bias before a ``BatchNormalization``.
    ///
    /// - a stem: Conv 3×3 16 → BatchNormalization → ReLU;
    /// - three stages of one basic block each, with 16, 32 and 64 channels, the second and third starting
    ///   with stride 2. A basic block is Conv 3×3 → BatchNormalization → ReLU → Conv 3×3 →
    ///   BatchNormalization, added to the shortcut (the block's input, or Conv 1×1 stride 2 →
    ///   BatchNormalization when the shape changes), then ReLU;
    /// - GlobalAveragePooling2D → Dense `classCount` (logits).
    ///
    /// For 28×28 grey images and 10 classes it has 77,754 trainable parameters. The layers run in this
    /// order (the order of ``Model/layers``, which weight import follows): the stem, then per block its
    /// two convolutions and normalisations, then the shortcut's, then the classifier.
    ///
    /// ```swift
    /// let model = try Model.resNet8(seed: 1)
    /// try model.fit(fashion.train, epochs: 10)
    /// ```
    ///
    /// - Parameters:
    ///   - inputShape: One image, `[height, width, channels]`; MNIST's by default.
    ///   - classCount: The number of classes.
    ///   - seed: The seed of the initial weights.
    ///   - preprocessing: Layers applied to the input first, in order, such as augmentation layers and a
    ///     ``Normalization``; by default none.
    ///   - momentum: The batch normalisations' momentum: 0.9 by default, PyTorch's (its `momentum=0.1`
    ///     counts the other way), rather than Keras's 0.99. Over 10 epochs of Adam at 1e-3 on Fashion-MNIST,
    ///     0.99 left running statistics so far behind the weights that test accuracy fell from 91.3% (the
    ///     same weights with statistics recomputed) to 86.7%.
    ///   - epsilon: The batch normalisations' epsilon: PyTorch's 1e-5 by default rather than Keras's 0.001,
    ///     with which the same 10-epoch run (seed 1) reached 88.7% against 89.8%.
    ///   - kernelInitializer: How the kernels of the convolutions and of the classifier start: Glorot-uniform,
    ///     Keras's default. PyTorch's default (`.varianceScaling(scale: 1 / 3, mode: .fanIn, distribution:
    ///     .uniform)`, a smaller scale) measured worse: 10 epochs on Fashion-MNIST, seeds 1 / 2 / 3, on one
    ///     machine (an AMD EPYC, family 25 model 1, Zen 3), reached 88.45 / 90.41 / 91.72% against
    ///     89.82 / 91.49 / 91.37% with Glorot-uniform (see the README).
    ///   - biasInitializer: How the classifier's bias starts: zeros, as in Keras.
    ///   - algorithm: How the convolutions are computed; ``Conv2D/Algorithm/winograd`` runs the forward pass
    ///     of the 3×3 stride-1 ones by Winograd's F(4×4, 3×3).
    /// - Throws: ``LayerError`` when the images are too small for two stride-2 stages.
    public static func resNet8(inputShape: [Int] = [28, 28, 1], classCount: Int = 10, seed: UInt64 = 0,
                               preprocessing: [Layer] = [], momentum: Float = 0.9,
                               epsilon: Float = 1e-5,
                               kernelInitializer: Initializer = .glorotUniform,
                               biasInitializer: Initializer = .zeros,
                               algorithm: Conv2D.Algorithm = .automatic) throws -> Model {
        func normalized(_ x: SymbolicTensor) -> SymbolicTensor {
            BatchNormalization(momentum: momentum, epsilon: epsilon)(x)
        }
        func convolution(_ x: SymbolicTensor, _ filters: Int, kernelSize: Int = 3, strides: Int = 1) -> SymbolicTensor {
            Conv2D(filters: filters, kernelSize: kernelSize, strides: strides, padding: .same, useBias: false,
                   algorithm: algorithm, kernelInitializer: kernelInitializer)(x)
        }
        func block(_ x: SymbolicTensor, _ filters: Int, strides: Int) -> SymbolicTensor {
            let residual = normalized(convolution(ReLU()(normalized(convolution(x, filters, strides: strides))), filters))
            let shortcut = strides == 1 ? x : normalized(convolution(x, filters, kernelSize: 1, strides: strides))
            return ReLU()(Add()([residual, shortcut]))
        }
        let input = Input(shape: inputShape)
        var x = preprocessing.reduce(input) { $1($0) }
        x = ReLU()(normalized(convolution(x, 16)))
        x = block(x, 16, strides: 1)
        x = block(x, 32, strides: 2)
        x = block(x, 64, strides: 2)
        let logits = Dense(units: classCount, kernelInitializer: kernelInitializer,
                           biasInitializer: biasInitializer)(GlobalAveragePooling2D()(x))
        return try Model(inputs: input, outputs: logits, seed: seed)
    }
}
