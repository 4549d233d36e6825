extension Sequential {
    /// Checks each tensor in `values` (by file name) against the domain its layer gives it: parameters
    /// finite, buffers as ``SavableLayer/valueDomain(ofTensorNamed:)`` says.
    ///
    /// - Throws: ``ModelFileError/invalidValue(file:tensor:index:value:requirement:)`` naming the first
    ///   tensor with a value outside its domain.
    func checkValueDomains(of values: [String: Tensor], file: String) throws {
        for (index, layer) in layers.enumerated() {
            for parameter in layer.parameters {
                let name = Sequential.fileName(ofLayer: index, parameter.name)
                if let value = values[name] { try TensorValueDomain.finite.check(value, named: name, file: file) }
            }
            guard let savable = layer as? any SavableLayer else { continue }
            for bufferName in savable.buffers.keys.sorted() {
                let name = Sequential.fileName(ofLayer: index, bufferName)
                let domain = type(of: savable).valueDomain(ofTensorNamed: bufferName)
                if let value = values[name] { try domain.check(value, named: name, file: file) }
            }
        }
    }
}
