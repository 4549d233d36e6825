import Foundation

/// A network of layers, built once for a given input shape: a chain (``Sequential``) or any directed
/// acyclic graph described with the functional API, as in Keras.
///
/// ```swift
/// let input = Input(shape: [28, 28, 1])
/// let x = Conv2D(filters: 16, kernelSize: 3, padding: .same, activation: .relu)(input)
/// let shortcut = x
/// let y = Conv2D(filters: 16, kernelSize: 3, padding: .same)(ReLU()(Conv2D(filters: 16, kernelSize: 3, padding: .same)(x)))
/// let merged = ReLU()(Add()([shortcut, y]))
/// let logits = Dense(units: 10)(GlobalAveragePooling2D()(merged))
/// let model = try Model(inputs: input, outputs: logits, seed: 1)
/// try model.fit(mnist.train, epochs: 5)
/// ```
///
/// Every shape is inferred from the input shape by building each layer in turn, and initial weights are
/// drawn from a generator seeded with `seed`, so the same seed gives the same model. A layer that already
/// holds weights (trained, or loaded) keeps them. Classifiers end in logits and train with
/// ``SoftmaxCrossEntropy``; ``predict(_:batchSize:)`` turns the logits into probabilities.
///
/// Inference (``predict(_:batchSize:)``, ``evaluate(_:batchSize:loss:)``, calling the model) may be called
/// on one model from any number of threads at once, with the results one thread would get; training
/// (`fit`, ``TrainingStep``) must not run at the same time as anything else on the same model.
///
/// The model runs its layers through one execution plan compiled when it is built: the layers in
/// topological order, which of them need an input gradient, gradients summed where an output feeds
/// several layers, and pairs of layers fused into one pass where a fusion rule applies.
open class Model {
    /// The layers in the order they run (a topological order of the graph).
    public let layers: [Layer]
    /// Each layer's unique name, as Keras gives them: the layer's kind, then `_1`, `_2`… for repeats.
    public let layerNames: [String]
    /// The shape of one input sample, without the batch dimension.
    public let inputShape: [Int]
    /// The shape of each layer's output for one sample, one entry per layer.
    public let layerOutputShapes: [[Int]]
    /// The seed the initial weights were drawn with; also the default seed for shuffling in `fit`.
    public let seed: UInt64
    /// Every trainable parameter of every layer, layer by layer in each layer's own order: the list the
    /// optimizer updates and checkpoints store.
    public let parameters: [Parameter]
    /// Which tensors each layer takes: `0` is the model's input, `k + 1` the output of layer `k`.
    public let layerInputs: [[Int]]
    /// The passes, compiled once.
    let plan: ExecutionPlan

    // Training workspaces, reused from one batch to the next so that a warmed-up step allocates nothing.
    var batchInputs = Tensor(shape: [0])
    var batchLabels: [Int32] = []
    var batchTargets = Tensor(shape: [0])
    /// The step that ``train(onBatch:labels:optimizer:loss:)`` reuses while it is given the same optimizer.
    var batchStep: TrainingStep?
    /// Turns logits into probabilities for ``predict(_:batchSize:)``.
    let outputSoftmax = Softmax()
    /// Serialises inference passes from several threads over the workspaces they share.
    let inferenceLock = NSLock()
    // Inference workspaces for ``forwardInSlices(_:samples:)``.
    var sliceInputs = Tensor(shape: [0])
    var slicedOutputs = Tensor(shape: [0])

    /// Builds the model that computes `outputs` from `inputs`, as Keras's `keras.Model(inputs, outputs)`.
    ///
    /// - Throws: ``ModelError`` when the graph is not a model: an output that depends on another input, an
    ///   input that reaches no output, a layer instance applied twice; ``LayerError`` when a layer cannot
    ///   take the shapes it is given.
    public convenience init(inputs: SymbolicTensor, outputs: SymbolicTensor, seed: UInt64 = 0) throws {
        guard case let .input(shape) = inputs.source else {
            throw ModelError.unusedInput
        }
        try self.init(nodes: try ModelGraph.nodes(from: inputs, to: outputs), inputShape: shape, seed: seed)
    }

    /// Builds the layers of `nodes`, in order, for inputs of `inputShape`, and compiles the plan.
    init(nodes: [ModelGraph.Node], inputShape: [Int], seed: UInt64) throws {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw ModelError.invalidInputShape(inputShape)
        }
        let names = ModelGraph.uniqueNames(of: nodes.map(\.layer))
        var seen = Set<ObjectIdentifier>()
        for (node, name) in zip(nodes, names) where !seen.insert(ObjectIdentifier(node.layer)).inserted {
            throw ModelError.layerAppliedTwice(layer: name)
        }
        var generator = Xoshiro256(seed: seed)
        var shapes: [[Int]] = []
        for (node, name) in zip(nodes, names) {
            let inputShapes = node.inputs.map { $0 == 0 ? inputShape : shapes[$0 - 1] }
            if let merge = node.layer as? MergeLayer {
                guard inputShapes.count >= 2 else {
                    throw ModelError.wrongInputCount(layer: name, count: inputShapes.count, expected: "two or more")
                }
                shapes.append(try merge.build(inputShapes: inputShapes, generator: &generator))
            } else {
                guard inputShapes.count == 1 else {
                    throw ModelError.wrongInputCount(layer: name, count: inputShapes.count, expected: "one")
                }
                shapes.append(try node.layer.build(inputShape: inputShapes[0], generator: &generator))
            }
        }
        layers = nodes.map(\.layer)
        layerNames = names
        layerInputs = nodes.map(\.inputs)
        self.inputShape = inputShape
        self.seed = seed
        layerOutputShapes = shapes
        parameters = layers.flatMap(\.parameters)
        plan = ExecutionPlan(nodes: nodes, inputShape: inputShape, outputShapes: shapes)
    }

    /// What Keras calls this kind of model in summaries: `functional`, or `sequential` for ``Sequential``.
    class var kindName: String { "functional" }

    /// The shape of the model's output for one sample.
    public var outputShape: [Int] { layerOutputShapes[layerOutputShapes.count - 1] }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Whether training runs the augmentation layers (``Layer/isAugmentation``); true unless set.
    ///
    /// When false, training feeds the layers after them the images as they are, as inference does. The
    /// setting is not saved; ``StopAugmentation`` sets it for the last epochs of a run.
    public var augmentsTrainingData: Bool {
        get { plan.augments }
        set { plan.augments = newValue }
    }

    /// Whether the layers form one chain, each taking the output of the one before: what a
    /// ``Sequential`` model is, and what its file format records.
    public var isChain: Bool {
        layerInputs.enumerated().allSatisfy { index, inputs in inputs == [index] }
    }
}
