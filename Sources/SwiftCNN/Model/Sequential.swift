/// A model made of layers applied one after another, built once for a given input shape: Keras's
/// `Sequential`, the chain case of ``Model``.
///
/// The input shape is given once; every other shape is inferred by building each layer in turn, and
/// the initial weights are drawn from a generator seeded with `seed`, so the same seed gives the same
/// model. Classifiers end in logits (a linear ``Dense``) and train with ``SoftmaxCrossEntropy``;
/// ``Model/predict(_:batchSize:)`` turns the logits into probabilities.
///
/// ```swift
/// let model = try Sequential(inputShape: [28, 28, 1], seed: 1) {
///     Conv2D(filters: 32, kernelSize: 3, activation: .relu)
///     MaxPool2D(poolSize: 2)
///     Conv2D(filters: 64, kernelSize: 3, activation: .relu)
///     MaxPool2D(poolSize: 2)
///     Flatten()
///     Dense(units: 64, activation: .relu)
///     Dense(units: 10)
/// }
/// print(model.summary())
/// let history = try model.fit(mnist.train, epochs: 5, optimizer: Adam(learningRate: 1e-3),
///                             validationData: mnist.test)
/// let (loss, accuracy) = model.evaluate(mnist.test)
/// ```
public final class Sequential: Model {
    /// Builds a model from the layers listed in `layers`, for inputs of `inputShape` (one sample).
    ///
    /// - Throws: ``LayerError`` when a layer cannot take the output of the layer before it;
    ///   ``ModelError`` for an invalid input shape or a layer instance listed twice.
    public convenience init(inputShape: [Int], seed: UInt64 = 0, @LayerBuilder _ layers: () -> [Layer]) throws {
        try self.init(inputShape: inputShape, seed: seed, layers: layers())
    }

    /// Builds a model from `layers`, for inputs of `inputShape` (one sample).
    ///
    /// - Throws: ``LayerError`` when a layer cannot take the output of the layer before it;
    ///   ``ModelError`` for an invalid input shape or a layer instance listed twice.
    public convenience init(inputShape: [Int], seed: UInt64 = 0, layers: [Layer]) throws {
        precondition(!layers.isEmpty, "A Sequential model needs at least one layer")
        try self.init(nodes: layers.enumerated().map { ModelGraph.Node(layer: $1, inputs: [$0]) },
                      inputShape: inputShape, seed: seed)
    }

    /// The model of `nodes`, which must form a chain.
    ///
    /// - Throws: ``ModelError/notAChain`` when a layer takes anything but the output of the one before.
    override init(nodes: [ModelGraph.Node], inputShape: [Int], seed: UInt64) throws {
        guard nodes.enumerated().allSatisfy({ index, node in node.inputs == [index] }) else {
            throw ModelError.notAChain
        }
        try super.init(nodes: nodes, inputShape: inputShape, seed: seed)
    }

    override class var kindName: String { "sequential" }
}
