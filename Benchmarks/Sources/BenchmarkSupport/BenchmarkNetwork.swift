import SwiftCNN

/// The networks that the epoch benchmark times beside the peer frameworks (the same networks as
/// `Peers/networks.py`): batch 64, Adam 1e-3, 'valid' padding unless said.
public enum BenchmarkNetwork: String, CaseIterable, Sendable {
    /// The classic Keras MNIST CNN (``ReferenceCNN``), on MNIST.
    case reference
    /// pytorch/examples' MNIST net: Conv 3×3 32 ReLU → Conv 3×3 64 ReLU → MaxPool 2 → Dropout 0.25 →
    /// Flatten → Dense 128 ReLU → Dropout 0.5 → Dense 10, on MNIST.
    case pytorchExamples = "pytorch-examples"
    /// Conv 3×3 32 same → BN → ReLU → Conv 3×3 32 same → BN → ReLU → MaxPool 2 → Dropout 0.25 →
    /// Conv 3×3 64 same → BN → ReLU → MaxPool 2 → Flatten → Dense 128 ReLU → Dropout 0.5 → Dense 10,
    /// on Fashion-MNIST.
    case batchnorm
    /// ``Model/resNet8(inputShape:classCount:seed:preprocessing:momentum:epsilon:)``, on Fashion-MNIST.
    case resnet8

    /// Whether the network trains on Fashion-MNIST rather than MNIST.
    public var usesFashionMNIST: Bool { self == .batchnorm || self == .resnet8 }

    /// A freshly initialised model whose weights follow `seed`, after a `Normalization` layer adapted to
    /// `images` (as `mnist-train` builds its models), its convolutions computed by `algorithm`.
    public func model(seed: UInt64, adaptingTo images: Tensor, algorithm: Conv2D.Algorithm = .automatic) throws -> Model {
        let normalization = Normalization(adaptingTo: images)
        let shape = ReferenceCNN.inputShape
        switch self {
        case .reference:
            return try ReferenceCNN.model(seed: seed, adaptingTo: images, algorithm: algorithm)
        case .pytorchExamples:
            return try Sequential(inputShape: shape, seed: seed) {
                normalization
                Conv2D(filters: 32, kernelSize: 3, activation: .relu, algorithm: algorithm)
                Conv2D(filters: 64, kernelSize: 3, activation: .relu, algorithm: algorithm)
                MaxPool2D(poolSize: 2)
                Dropout(rate: 0.25, seed: seed &+ 1)
                Flatten()
                Dense(units: 128, activation: .relu)
                Dropout(rate: 0.5, seed: seed &+ 2)
                Dense(units: 10)
            }
        case .batchnorm:
            return try Sequential(inputShape: shape, seed: seed) {
                normalization
                Conv2D(filters: 32, kernelSize: 3, padding: .same, useBias: false, algorithm: algorithm)
                BatchNormalization()
                ReLU()
                Conv2D(filters: 32, kernelSize: 3, padding: .same, useBias: false, algorithm: algorithm)
                BatchNormalization()
                ReLU()
                MaxPool2D(poolSize: 2)
                Dropout(rate: 0.25, seed: seed &+ 1)
                Conv2D(filters: 64, kernelSize: 3, padding: .same, useBias: false, algorithm: algorithm)
                BatchNormalization()
                ReLU()
                MaxPool2D(poolSize: 2)
                Flatten()
                Dense(units: 128, activation: .relu)
                Dropout(rate: 0.5, seed: seed &+ 2)
                Dense(units: 10)
            }
        case .resnet8:
            return try Model.resNet8(inputShape: shape, seed: seed, preprocessing: [normalization], algorithm: algorithm)
        }
    }
}
