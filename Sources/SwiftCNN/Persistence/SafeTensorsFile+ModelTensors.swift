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

extension Sequential {
    /// The name under which model files store tensor `name` (a parameter or buffer) of layer `index`.
    static func fileName(ofLayer index: Int, _ name: String) -> String {
        "layers.\(index).\(name)"
    }
}
