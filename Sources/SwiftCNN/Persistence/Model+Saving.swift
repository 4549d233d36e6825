import Foundation

/// A model file is a safetensors file: the architecture as JSON in its metadata (see ``SavableLayer``) and
/// one tensor per parameter or buffer, named `layers.<index>.<name>` in a ``Sequential`` model's file —
/// `layers.0.kernel`, `layers.3.running_mean` — and `<layer name>.<name>` in another model's —
/// `conv2d_1.kernel`. Python's `safetensors` reads it as it is.
extension Model {
    /// Saves the architecture and all weights to `url`, so that ``init(contentsOf:customLayers:)`` rebuilds an
    /// equal model, bit for bit, without the code that defined this one.
    ///
    /// The file is replaced atomically: a failed save leaves any previous file at `url` as it was.
    ///
    /// - Throws: ``ModelFileError/unsavableLayer(layer:type:)`` when a layer is not a ``SavableLayer``,
    ///   ``SafeTensorsError/unwritable(file:reason:)`` when the file cannot be written.
    public func save(to url: URL) throws {
        try modelFile().write(to: url)
    }

    /// Loads any model saved by ``save(to:)`` (or a ``TrainingCheckpoint``), sequential or functional,
    /// rebuilding its layers from the architecture in the file and setting every parameter and buffer from
    /// the file's tensors.
    ///
    /// - Parameters:
    ///   - url: The model file.
    ///   - customLayers: Your own ``SavableLayer`` types that the file may name, besides the built-in ones.
    /// - Throws: ``SafeTensorsError`` when the file is not a valid safetensors file, ``ModelFileError`` when
    ///   it does not describe a model: no or bad architecture, an unknown layer type, a missing or
    ///   unexpected tensor, or a tensor of the wrong shape.
    public convenience init(contentsOf url: URL, customLayers: [any SavableLayer.Type] = []) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        let architecture = try ModelArchitecture(modelFile: file, customLayers: customLayers)
        try self.init(nodes: try architecture.createNodes(checkedAgainst: file), architecture: architecture, file: file)
        try loadTensors(from: file, architecture: architecture, ignoring: file.foreignPrefix)
    }

    /// Loads any model saved by ``save(to:)`` (or a ``TrainingCheckpoint``), as Keras's `load_model` does:
    /// a ``Sequential`` model when the file holds one, a functional ``Model`` otherwise.
    ///
    /// - Parameters:
    ///   - url: The model file.
    ///   - customLayers: Your own ``SavableLayer`` types that the file may name, besides the built-in ones.
    /// - Throws: As ``init(contentsOf:customLayers:)``.
    public static func load(contentsOf url: URL, customLayers: [any SavableLayer.Type] = []) throws -> Model {
        let file = try SafeTensorsFile(contentsOf: url)
        return try load(modelFile: file, customLayers: customLayers, ignoring: file.foreignPrefix)
    }

    /// The model that `file` describes, a ``Sequential`` one when the file records one; tensors under
    /// `ignoring` are left for the caller (a checkpoint's optimizer state).
    static func load(modelFile file: SafeTensorsFile, customLayers: [any SavableLayer.Type],
                     ignoring foreignPrefix: String?) throws -> Model {
        let architecture = try ModelArchitecture(modelFile: file, customLayers: customLayers)
        let nodes = try architecture.createNodes(checkedAgainst: file)
        let model = architecture.names == nil
            ? try Sequential(nodes: nodes, architecture: architecture, file: file)
            : try Model(nodes: nodes, architecture: architecture, file: file)
        try model.loadTensors(from: file, architecture: architecture, ignoring: foreignPrefix)
        return model
    }

    /// The model of `nodes`, created from `architecture` read from `file`.
    ///
    /// - Throws: ``ModelFileError/incompatibleArchitecture(file:reason:)`` when the layers do not build, or
    ///   when a ``Sequential`` model is loaded from the file of a functional one.
    convenience init(nodes: [ModelGraph.Node], architecture: ModelArchitecture, file: SafeTensorsFile) throws {
        do {
            try self.init(nodes: nodes, inputShape: architecture.inputShape, seed: architecture.seed)
        } catch {
            throw ModelFileError.incompatibleArchitecture(file: file.source, reason: "\(error)")
        }
        guard !isSequential || architecture.names == nil else {
            throw ModelFileError.incompatibleArchitecture(
                file: file.source, reason: "the file holds a functional model, not a sequential one: load it as a Model")
        }
    }

    /// The model as a safetensors file, not yet written.
    func modelFile() throws -> SafeTensorsFile {
        var file = SafeTensorsFile(metadata: [
            "format": "swiftcnn", ModelArchitecture.metadataKey: try ModelArchitecture.json(for: self),
        ])
        for (name, tensor) in namedTensors() {
            file.setTensor(tensor, named: name)
        }
        return file
    }

    /// The file name of each parameter and buffer, in layer order.
    func namedTensors(naming: ((_ layer: Int, _ name: String) -> String)? = nil) -> [(name: String, tensor: Tensor)] {
        let fileName = naming ?? tensorName(ofLayer:_:)
        var result: [(String, Tensor)] = []
        for (index, layer) in layers.enumerated() {
            var seen = Set<String>()
            for parameter in layer.parameters {
                precondition(seen.insert(parameter.name).inserted,
                             "Layer \(index) (\(layer.name)) has two parameters named '\(parameter.name)'")
                result.append((fileName(index, parameter.name), parameter.value))
            }
            for (name, tensor) in layer.buffers.sorted(by: { $0.key < $1.key }) {
                precondition(seen.insert(name).inserted,
                             "Layer \(index) (\(layer.name)) has a parameter and a buffer both named '\(name)'")
                result.append((fileName(index, name), tensor))
            }
        }
        return result
    }

    /// Sets every parameter and buffer from `file`, after checking that the file has each one with the right
    /// shape, with values in its domain, and nothing else (apart from tensors under `foreignPrefix`), each named as `architecture`, the
    /// file's own, names it. On error the model is unchanged.
    func loadTensors(from file: SafeTensorsFile, architecture: ModelArchitecture, ignoring foreignPrefix: String?) throws {
        let fileName = architecture.tensorName(ofLayer:_:)
        var values: [String: Tensor] = [:]
        for (name, current) in namedTensors(naming: fileName) {
            values[name] = try file.tensor(named: name, checkedShape: current.shape)
        }
        for name in file.names where values[name] == nil && !(foreignPrefix.map { name.hasPrefix($0) } ?? false) {
            throw ModelFileError.unexpectedTensor(file: file.source, tensor: name)
        }
        try checkValueDomains(of: values, naming: fileName, file: file.source)
        for (index, layer) in layers.enumerated() {
            for parameter in layer.parameters {
                if let value = values[fileName(index, parameter.name)] { parameter.value = value }
            }
            var buffers = layer.buffers
            for name in buffers.keys {
                buffers[name] = values[fileName(index, name)]
            }
            layer.buffers = buffers
        }
    }

}

extension SafeTensorsFile {
    /// The prefix of the tensors that are not the model's: a checkpoint's optimizer state.
    var foreignPrefix: String? {
        metadata[TrainingCheckpoint.metadataKey] != nil ? TrainingCheckpoint.optimizerPrefix : nil
    }
}

extension ModelArchitecture {
    /// The architecture that `file` records.
    ///
    /// - Throws: ``ModelFileError/notAModelFile(file:)`` when it records none.
    init(modelFile file: SafeTensorsFile, customLayers: [any SavableLayer.Type]) throws {
        guard let json = file.metadata[ModelArchitecture.metadataKey] else {
            throw ModelFileError.notAModelFile(file: file.source)
        }
        try self.init(json: json, file: file.source, customLayers: customLayers)
    }

    /// The name under which the file stores tensor `name` of layer `index`.
    func tensorName(ofLayer index: Int, _ name: String) -> String {
        names.map { "\($0[index]).\(name)" } ?? "layers.\(index).\(name)"
    }

    /// Creates the layers one by one, each only after checking that the file's tensors have the shapes the
    /// layer will give its parameters, so that a file describing enormous layers is rejected before they are
    /// allocated: the memory a model file makes us allocate stays bounded by the file's size. Each layer is
    /// built to learn the next one's input shape.
    func createNodes(checkedAgainst file: SafeTensorsFile) throws -> [ModelGraph.Node] {
        let source = file.source
        var elementCount = 1
        for dimension in inputShape {
            guard dimension > 0, dimension <= Int(Int32.max) else {
                throw ModelFileError.incompatibleArchitecture(
                    file: source, reason: "input shape \(inputShape) must have sizes in 1...\(Int32.max)")
            }
            elementCount *= dimension
            guard elementCount <= Int(Int32.max) else {
                throw ModelFileError.incompatibleArchitecture(
                    file: source, reason: "input shape \(inputShape) has more than \(Int32.max) elements")
            }
        }
        guard !inputShape.isEmpty, !layers.isEmpty else {
            throw ModelFileError.incompatibleArchitecture(
                file: source, reason: "a model needs an input shape and at least one layer")
        }
        var generator = Xoshiro256(seed: seed)
        var shapes = [inputShape]
        var nodes: [ModelGraph.Node] = []
        for (index, pending) in layers.enumerated() {
            let inputShapes = inputs[index].map { shapes[$0] }
            if let expected = pending.type.expectedTensorShapes(forDecoded: pending.configuration, inputShape: inputShapes[0]) {
                for (name, expectedShape) in expected.sorted(by: { $0.key < $1.key }) {
                    try file.checkTensor(tensorName(ofLayer: index, name), hasShape: expectedShape)
                }
            }
            let layer: Layer
            do {
                layer = try pending.type.make(fromDecoded: pending.configuration)
            } catch {
                throw ModelFileError.invalidLayerConfiguration(file: source, layer: index, type: pending.type.typeName,
                                                               reason: "\(error)")
            }
            do {
                if let merge = layer as? MergeLayer, inputShapes.count > 1 {
                    shapes.append(try merge.build(inputShapes: inputShapes, generator: &generator))
                } else if inputShapes.count == 1 {
                    shapes.append(try layer.build(inputShape: inputShapes[0], generator: &generator))
                } else {
                    throw ModelError.wrongInputCount(layer: layer.name, count: inputShapes.count, expected: "one")
                }
            } catch {
                throw ModelFileError.incompatibleArchitecture(file: source, reason: "layer \(index): \(error)")
            }
            nodes.append(ModelGraph.Node(layer: layer, inputs: inputs[index]))
        }
        return nodes
    }
}
