extension SafeTensorsFile {
    /// Checks that the file holds a tensor `name` of shape `expected`.
    ///
    /// - Throws: ``ModelFileError/missingTensor(file:tensor:)`` or
    ///   ``ModelFileError/shapeMismatch(file:tensor:expected:found:)``, naming the file and the tensor.
    func checkTensor(_ name: String, hasShape expected: [Int]) throws {
        guard let found = shape(of: name) else {
            throw ModelFileError.missingTensor(file: source, tensor: name)
        }
        guard found == expected else {
            throw ModelFileError.shapeMismatch(file: source, tensor: name, expected: expected, found: found)
        }
    }

    /// The tensor `name`, after ``checkTensor(_:hasShape:)``.
    func tensor(named name: String, checkedShape expected: [Int]) throws -> Tensor {
        try checkTensor(name, hasShape: expected)
        return try tensor(named: name)
    }
}

extension Model {
    /// The name under which this model's file stores tensor `name` (a parameter or buffer) of layer
    /// `index`: `layers.<index>.<name>` for a ``Sequential`` model, `<layer name>.<name>` for another.
    func tensorName(ofLayer index: Int, _ name: String) -> String {
        isSequential ? "layers.\(index).\(name)" : "\(layerNames[index]).\(name)"
    }

    /// Whether this model is saved in the sequential format: whether it is a ``Sequential`` model.
    var isSequential: Bool { type(of: self).kindName == "sequential" }
}
