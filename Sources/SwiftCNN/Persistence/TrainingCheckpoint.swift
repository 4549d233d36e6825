import Foundation

/// Everything needed to resume training exactly where it stopped: the model (architecture, weights, batch
/// normalisation statistics), the optimizer (type, hyperparameters, step count, moment or momentum
/// tensors), the number of epochs completed, the seed of the epoch shuffles, and the state of each
/// ``Dropout`` layer's generator.
///
/// Training stopped after some epochs and resumed from a checkpoint gives exactly the numbers — losses,
/// weights, predictions — of a run that never stopped, provided it is resumed with the same data, batch
/// size, loss, schedule and total number of epochs:
///
/// ```swift
/// let optimizer = Adam()
/// try model.fit(data, epochs: 2, optimizer: optimizer)
/// try TrainingCheckpoint(model: model, optimizer: optimizer, completedEpochs: 2).write(to: url)
///
/// let checkpoint = try TrainingCheckpoint(contentsOf: url)
/// try checkpoint.model.fit(data, epochs: 4, optimizer: checkpoint.optimizer,
///                          shuffleSeed: checkpoint.shuffleSeed, initialEpoch: checkpoint.completedEpochs)
/// ```
///
/// The file is a model file (``Model/init(contentsOf:customLayers:)`` reads it as one) with the
/// training state added: JSON under the metadata key `swiftcnn.checkpoint`, and the optimizer's tensors named
/// `optimizer.<slot>.<parameter>`, such as `optimizer.firstMoment.layers.0.kernel`. ``ModelCheckpoint``
/// writes one after every epoch.
public struct TrainingCheckpoint {
    static let metadataKey = "swiftcnn.checkpoint"
    static let format = "swiftcnn.checkpoint"
    static let version = 1
    static let optimizerPrefix = "optimizer."

    /// The model, with its weights at the end of the last completed epoch.
    public let model: Model
    /// The optimizer, with its state at the end of the last completed epoch.
    public let optimizer: Optimizer
    /// The number of epochs trained: pass it to `fit` as `initialEpoch`.
    public let completedEpochs: Int
    /// The seed of the epoch shuffles: pass it to `fit` as `shuffleSeed`.
    public let shuffleSeed: UInt64

    /// A checkpoint of `model` and `optimizer` after `completedEpochs` epochs, trained with epoch shuffles
    /// seeded by `shuffleSeed` (by default the model's seed, as `fit` uses).
    public init(model: Model, optimizer: Optimizer, completedEpochs: Int, shuffleSeed: UInt64? = nil) {
        precondition(completedEpochs >= 0, "completedEpochs must not be negative, got \(completedEpochs)")
        self.model = model
        self.optimizer = optimizer
        self.completedEpochs = completedEpochs
        self.shuffleSeed = shuffleSeed ?? model.seed
    }

    /// The training state besides the tensors, as JSON.
    private struct Record: Codable {
        var format: String
        var version: Int
        var completedEpochs: Int
        var shuffleSeed: UInt64
        var optimizer: OptimizerRecord
        /// The state of each layer's ``Layer/generators``, by layer index and generator name.
        var generators: [String: Xoshiro256]
    }

    /// Writes the checkpoint to `url` atomically: a failed write leaves any previous checkpoint intact.
    ///
    /// - Throws: ``ModelFileError/unsupportedOptimizer(type:)`` for an optimizer other than ``SGD``,
    ///   ``Adam`` or ``AdamW``, alone or in a ``MovingAverage``; ``ModelFileError/unsavableLayer(layer:type:)``; ``SafeTensorsError/unwritable(file:reason:)``.
    public func write(to url: URL) throws {
        var file = try model.modelFile()
        var generators: [String: Xoshiro256] = [:]
        for (index, layer) in model.layers.enumerated() {
            for (name, generator) in layer.generators { generators[Self.generatorKey(layer: index, name)] = generator }
        }
        let record = Record(format: Self.format, version: Self.version, completedEpochs: completedEpochs,
                            shuffleSeed: shuffleSeed, optimizer: try OptimizerRecord(optimizer), generators: generators)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        file.metadata[Self.metadataKey] = String(decoding: try encoder.encode(record), as: UTF8.self)

        let names = Self.parameterNames(of: model)
        let state = optimizer.state
        for slot in state.slots.keys.sorted() {
            guard let tensors = state.slots[slot], !tensors.isEmpty else { continue }
            precondition(tensors.count == names.count,
                         "The optimizer holds \(slot) state for \(tensors.count) parameters; the model has \(names.count)")
            for (name, tensor) in zip(names, tensors) {
                file.setTensor(tensor, named: "\(Self.optimizerPrefix)\(slot).\(name)")
            }
        }
        try file.write(to: url)
    }

    /// Reads a checkpoint written by ``write(to:)``, rebuilding the model and the optimizer.
    ///
    /// - Parameters:
    ///   - url: The checkpoint file.
    ///   - customLayers: Your own ``SavableLayer`` types that the model may use.
    /// - Throws: ``SafeTensorsError`` for a damaged file; ``ModelFileError`` when the model cannot be rebuilt
    ///   (see ``Model/init(contentsOf:customLayers:)``), when the file is a model without training state
    ///   (``ModelFileError/notACheckpoint(file:)``), or when the training state is malformed, lacks an optimizer
    ///   tensor, or holds one of the wrong shape or an unexpected one.
    public init(contentsOf url: URL, customLayers: [any SavableLayer.Type] = []) throws {
        try self.init(file: SafeTensorsFile(contentsOf: url), customLayers: customLayers)
    }

    /// The checkpoint that `file` holds, as ``init(contentsOf:customLayers:)`` reads it.
    init(file: SafeTensorsFile, customLayers: [any SavableLayer.Type] = []) throws {
        let source = file.source
        guard let json = file.metadata[Self.metadataKey] else {
            throw file.metadata[ModelArchitecture.metadataKey] == nil
                ? ModelFileError.notAModelFile(file: source) : ModelFileError.notACheckpoint(file: source)
        }
        let record: Record
        do {
            record = try JSONDecoder().decode(Record.self, from: Data(json.utf8))
        } catch {
            throw ModelFileError.malformedCheckpoint(file: source, reason: ModelArchitecture.describe(error))
        }
        guard record.format == Self.format, record.version == Self.version else {
            throw ModelFileError.unsupportedFormat(file: source, format: record.format, version: record.version)
        }
        guard record.completedEpochs >= 0 else {
            throw ModelFileError.malformedCheckpoint(
                file: source, reason: "completedEpochs is \(record.completedEpochs), which is negative")
        }
        let model = try Model.load(modelFile: file, customLayers: customLayers, ignoring: Self.optimizerPrefix)
        let optimizer = try record.optimizer.makeOptimizer(file: source)
        optimizer.state = try Self.optimizerState(record.optimizer, for: model, in: file)
        try Self.restoreGenerators(record.generators, of: model, file: source)
        self.init(model: model, optimizer: optimizer, completedEpochs: record.completedEpochs,
                  shuffleSeed: record.shuffleSeed)
    }

    /// The model-file names of the model's parameters, in the order of ``Model/parameters``.
    private static func parameterNames(of model: Model) -> [String] {
        model.layers.enumerated().flatMap { index, layer in layer.parameters.map { model.tensorName(ofLayer: index, $0.name) } }
    }

    /// The optimizer state stored in `file`: every slot tensor for every parameter once the optimizer has
    /// taken a step, none before, and nothing else under the optimizer prefix.
    private static func optimizerState(_ record: OptimizerRecord, for model: Model,
                                       in file: SafeTensorsFile) throws -> OptimizerState {
        let names = parameterNames(of: model)
        let slotNames = record.stepCount > 0 ? record.slotNames : []
        var slots: [String: [Tensor]] = [:]
        for slot in slotNames {
            slots[slot] = try zip(names, model.parameters).map { name, parameter in
                let fileName = "\(optimizerPrefix)\(slot).\(name)"
                let tensor = try file.tensor(named: fileName, checkedShape: parameter.value.shape)
                try record.valueDomain(ofSlot: slot).check(tensor, named: fileName, file: file.source)
                return tensor
            }
        }
        let expected = Set(slotNames.flatMap { slot in names.map { "\(optimizerPrefix)\(slot).\($0)" } })
        for name in file.names where name.hasPrefix(optimizerPrefix) && !expected.contains(name) {
            throw ModelFileError.unexpectedTensor(file: file.source, tensor: name)
        }
        return OptimizerState(stepCount: record.stepCount, slots: slots)
    }

    /// The record's key of generator `name` of layer `index`: the index alone for `mask`, as files written
    /// when only ``Dropout`` had a generator name it.
    private static func generatorKey(layer index: Int, _ name: String) -> String {
        name == "mask" ? String(index) : "\(index).\(name)"
    }

    /// Sets every layer generator to its saved state; each must have one, and nothing else may be saved.
    private static func restoreGenerators(_ generators: [String: Xoshiro256], of model: Model, file: String) throws {
        var remaining = generators
        for (index, layer) in model.layers.enumerated() {
            var states = layer.generators
            guard !states.isEmpty else { continue }
            for name in states.keys {
                guard let generator = remaining.removeValue(forKey: generatorKey(layer: index, name)) else {
                    throw ModelFileError.malformedCheckpoint(
                        file: file, reason: "no state for generator '\(name)' of layer \(index) (\(layer.name))")
                }
                states[name] = generator
            }
            layer.generators = states
        }
        if let extra = remaining.keys.sorted().first {
            throw ModelFileError.malformedCheckpoint(file: file, reason: "generator state '\(extra)' for a layer that has no such generator")
        }
    }
}
