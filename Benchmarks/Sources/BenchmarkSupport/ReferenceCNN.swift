import SwiftCNN

/// The reference job's network, the classic Keras MNIST CNN that the peer benchmarks build too:
/// 28×28×1 inputs, two 3×3 ReLU convolutions of 32 and 64 filters each followed by 2×2 max pooling,
/// then Dense(64, ReLU) and Dense(10); 121,930 parameters. As in `mnist-train`, a `Normalization` layer
/// standardises the images first (the peers take them as they are: it costs a few microseconds a step).
///
/// The last layer gives logits: training uses ``SoftmaxCrossEntropy`` and inference `predict`, which
/// applies the softmax, so the job is the peers' model with its softmax in the same place.
public enum ReferenceCNN {
    /// One sample's shape.
    public static let inputShape = [28, 28, 1]
    /// The parameter count every implementation of the job must reach.
    public static let parameterCount = 121_930
    /// The training batch size.
    public static let batchSize = 64
    /// The batch size of the inference throughput measurement.
    public static let inferenceBatchSize = 1000

    /// A freshly initialised model (Glorot-uniform kernels, zero biases) whose weights follow `seed`, after
    /// a `Normalization` layer adapted to `images`: the model `mnist-train` trains by default, its
    /// convolutions computed by `algorithm`.
    public static func model(seed: UInt64 = 1, adaptingTo images: Tensor,
                             algorithm: Conv2D.Algorithm = .automatic) throws -> Sequential {
        let model = try Sequential.referenceCNN(inputShape: inputShape, seed: seed,
                                                inputNormalization: Normalization(adaptingTo: images),
                                                algorithm: algorithm)
        precondition(model.parameterCount == parameterCount,
                     "The reference CNN has \(model.parameterCount) parameters instead of \(parameterCount)")
        return model
    }
}
