extension Model {
    /// Checks each tensor in `values` (by its name in the file, as `fileName` gives it) against the domain its layer gives it: parameters
    /// finite, buffers as ``SavableLayer/valueDomain(ofTensorNamed:)`` says.
    ///
    /// - Throws: ``ModelFileError/invalidValue(file:tensor:index:value:requirement:)`` naming the first
    ///   tensor with a value outside its domain.
    func checkValueDomains(of values: [String: Tensor], naming fileName: (_ layer: Int, _ name: String) -> String,
                           file: String) throws {
        for (index, layer) in layers.enumerated() {
            for parameter in layer.parameters {
                let name = fileName(index, parameter.name)
                if let value = values[name] { try TensorValueDomain.finite.check(value, named: name, file: file) }
            }
            guard let savable = layer as? any SavableLayer else { continue }
            for bufferName in savable.buffers.keys.sorted() {
                let name = fileName(index, bufferName)
                let domain = type(of: savable).valueDomain(ofTensorNamed: bufferName)
                if let value = values[name] { try domain.check(value, named: name, file: file) }
            }
        }
    }
}
