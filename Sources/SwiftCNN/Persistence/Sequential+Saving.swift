import Foundation

/// A model file is a safetensors file: the architecture as JSON in its metadata (see ``SavableLayer``) and
/// one tensor per parameter or buffer, named `layers.<index>.<name>` — `layers.0.kernel`, `layers.0.bias`,
/// `layers.3.running_mean`. Python's `safetensors` reads it as it is.
extension Sequential {
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

    /// Loads a model saved by ``save(to:)`` (or a ``TrainingCheckpoint``), rebuilding its layers from the
    /// architecture in the file and setting every parameter and buffer from the file's tensors.
    ///
    /// - Parameters:
    ///   - url: The model file.
    ///   - customLayers: Your own ``SavableLayer`` types that the file may name, besides the built-in ones.
    /// - Throws: ``SafeTensorsError`` when the file is not a valid safetensors file, ``ModelFileError`` when
    ///   it does not describe a model: no or bad architecture, an unknown layer type, a missing or
    ///   unexpected tensor, or a tensor of the wrong shape.
    public convenience init(contentsOf url: URL, customLayers: [any SavableLayer.Type] = []) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        let isCheckpoint = file.metadata[TrainingCheckpoint.metadataKey] != nil
        try self.init(modelFile: file, customLayers: customLayers,
                      ignoring: isCheckpoint ? TrainingCheckpoint.optimizerPrefix : nil)
    }

    /// The model that `file` describes; tensors under `ignoring` are left for the caller (a checkpoint's
    /// optimizer state).
    convenience init(modelFile file: SafeTensorsFile, customLayers: [any SavableLayer.Type],
                     ignoring foreignPrefix: String? = nil) throws {
        let source = file.source
        guard let json = file.metadata[ModelArchitecture.metadataKey] else {
            throw ModelFileError.notAModelFile(file: source)
        }
        let architecture = try ModelArchitecture(json: json, file: source, customLayers: customLayers)
        let layers = try Sequential.createLayers(of: architecture, checkedAgainst: file)
        do {
            try self.init(inputShape: architecture.inputShape, seed: architecture.seed, layers: layers)
        } catch {
            throw ModelFileError.incompatibleArchitecture(file: source, reason: "\(error)")
        }
        try loadTensors(from: file, ignoring: foreignPrefix)
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
    func namedTensors() -> [(name: String, tensor: Tensor)] {
        var result: [(String, Tensor)] = []
        for (index, layer) in layers.enumerated() {
            var seen = Set<String>()
            for parameter in layer.parameters {
                precondition(seen.insert(parameter.name).inserted,
                             "Layer \(index) (\(layer.name)) has two parameters named '\(parameter.name)'")
                result.append((Sequential.fileName(ofLayer: index, parameter.name), parameter.value))
            }
            if let savable = layer as? any SavableLayer {
                for (name, tensor) in savable.buffers.sorted(by: { $0.key < $1.key }) {
                    precondition(seen.insert(name).inserted,
                                 "Layer \(index) (\(layer.name)) has a parameter and a buffer both named '\(name)'")
                    result.append((Sequential.fileName(ofLayer: index, name), tensor))
                }
            }
        }
        return result
    }

    /// Sets every parameter and buffer from `file`, after checking that the file has each one with the right
    /// shape, with values in its domain, and nothing else (apart from tensors under `foreignPrefix`). On error
    /// the model is unchanged.
    private func loadTensors(from file: SafeTensorsFile, ignoring foreignPrefix: String?) throws {
        var values: [String: Tensor] = [:]
        for (name, current) in namedTensors() {
            values[name] = try file.tensor(named: name, checkedShape: current.shape)
        }
        for name in file.names where values[name] == nil && !(foreignPrefix.map { name.hasPrefix($0) } ?? false) {
            throw ModelFileError.unexpectedTensor(file: file.source, tensor: name)
        }
        try checkValueDomains(of: values, file: file.source)
        for (index, layer) in layers.enumerated() {
            for parameter in layer.parameters {
                if let value = values[Sequential.fileName(ofLayer: index, parameter.name)] { parameter.value = value }
            }
            if let savable = layer as? any SavableLayer {
                var buffers = savable.buffers
                for name in buffers.keys {
                    buffers[name] = values[Sequential.fileName(ofLayer: index, name)]
                }
                savable.buffers = buffers
            }
        }
    }

    /// Creates the layers one by one, each only after checking that the file's tensors have the shapes the
    /// layer will give its parameters, so that a file describing enormous layers is rejected before they are
    /// allocated: the memory a model file makes us allocate stays bounded by the file's size. Each layer is
    /// built to learn the next one's input shape.
    private static func createLayers(of architecture: ModelArchitecture,
                                     checkedAgainst file: SafeTensorsFile) throws -> [Layer] {
        let source = file.source
        let inputShape = architecture.inputShape
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
        guard !inputShape.isEmpty, !architecture.layers.isEmpty else {
            throw ModelFileError.incompatibleArchitecture(
                file: source, reason: "a model needs an input shape and at least one layer")
        }
        var generator = Xoshiro256(seed: architecture.seed)
        var shape = inputShape
        var layers: [Layer] = []
        for (index, pending) in architecture.layers.enumerated() {
            if let expected = pending.type.expectedTensorShapes(forDecoded: pending.configuration, inputShape: shape) {
                for (name, expectedShape) in expected.sorted(by: { $0.key < $1.key }) {
                    try file.checkTensor(Sequential.fileName(ofLayer: index, name), hasShape: expectedShape)
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
                shape = try layer.build(inputShape: shape, generator: &generator)
            } catch {
                throw ModelFileError.incompatibleArchitecture(file: source, reason: "layer \(index): \(error)")
            }
            layers.append(layer)
        }
        return layers
    }
}
