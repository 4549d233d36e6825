/// A model made of layers applied one after another, built once for a given input shape.
///
/// The input shape is given once; every other shape is inferred by building each layer in turn, and
/// the initial weights are drawn from a generator seeded with `seed`, so the same seed gives the same
/// model. Classifiers end in logits (a linear ``Dense``) and train with ``SoftmaxCrossEntropy``;
/// ``predict(_:batchSize:)`` turns the logits into probabilities.
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
public final class Sequential {
    /// The layers, in the order they are applied.
    public let layers: [Layer]
    /// The shape of one input sample, without the batch dimension.
    public let inputShape: [Int]
    /// The shape of each layer's output for one sample, one entry per layer.
    public let layerOutputShapes: [[Int]]
    /// The seed the initial weights were drawn with; also the default seed for shuffling in
    /// ``fit(_:epochs:batchSize:optimizer:loss:schedule:validationData:validationSplit:shuffleSeed:initialEpoch:verbosity:callbacks:)``.
    public let seed: UInt64
    /// Every trainable parameter of every layer, layer by layer in each layer's own order: the list the
    /// optimizer updates and checkpoints store.
    public let parameters: [Parameter]
    /// The layers as the passes run them: ``layers``, except that a leading single-channel convolution
    /// and 2×2 max pooling (as in most CNNs on grey images) run as one fused layer, and so do adjacent
    /// affine augmentation layers (one resampling pass).
    let plan: [Layer]
    /// The index in ``plan`` of the first layer with parameters: the backward pass stops there, since no
    /// layer before it has a gradient to receive.
    let firstTrainedStep: Int

    // Training workspaces, reused from one batch to the next so that a warmed-up step allocates nothing.
    var batchInputs = Tensor(shape: [0])
    var batchLabels: [Int32] = []
    var lossGradient = Tensor(shape: [0])
    /// Turns logits into probabilities for ``predict(_:batchSize:)``.
    let outputSoftmax = Softmax()
    // Inference workspaces for ``forwardInSlices(_:)``.
    var sliceInputs = Tensor(shape: [0])
    var slicedOutputs = Tensor(shape: [0])

    /// Builds a model from the layers listed in `layers`, for inputs of `inputShape` (one sample).
    ///
    /// - Throws: ``LayerError`` when a layer cannot take the output of the layer before it.
    public convenience init(inputShape: [Int], seed: UInt64 = 0, @LayerBuilder _ layers: () -> [Layer]) throws {
        try self.init(inputShape: inputShape, seed: seed, layers: layers())
    }

    /// Builds a model from `layers`, for inputs of `inputShape` (one sample).
    ///
    /// - Throws: ``LayerError`` when a layer cannot take the output of the layer before it.
    public init(inputShape: [Int], seed: UInt64 = 0, layers: [Layer]) throws {
        precondition(!layers.isEmpty, "A Sequential model needs at least one layer")
        precondition(!inputShape.isEmpty && inputShape.allSatisfy { $0 > 0 },
                     "A Sequential model needs a non-empty input shape of positive sizes, got \(inputShape)")
        precondition(Set(layers.map(ObjectIdentifier.init)).count == layers.count,
                     "A Sequential model cannot hold the same layer instance twice")
        var generator = Xoshiro256(seed: seed)
        var shape = inputShape
        var shapes: [[Int]] = []
        for layer in layers {
            shape = try layer.build(inputShape: shape, generator: &generator)
            shapes.append(shape)
        }
        self.layers = layers
        self.inputShape = inputShape
        self.seed = seed
        layerOutputShapes = shapes
        parameters = layers.flatMap(\.parameters)
        let firstTrained = layers.firstIndex { !$0.parameters.isEmpty } ?? layers.count
        plan = FusedAffineAugmentation.fused(FusedConvolutionMaxPool.fused(layers, from: firstTrained))
        firstTrainedStep = plan.firstIndex { !$0.parameters.isEmpty } ?? plan.count
    }

    /// The shape of the model's output for one sample.
    public var outputShape: [Int] { layerOutputShapes[layerOutputShapes.count - 1] }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}
