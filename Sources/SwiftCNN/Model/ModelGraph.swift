/// The graph of a model as the functional API describes it, flattened into layers in topological order.
enum ModelGraph {
    /// One layer and the tensors it takes: `0` is the model's input, `k + 1` the output of node `k`.
    struct Node {
        var layer: Layer
        var inputs: [Int]
    }

    /// The nodes that compute `output` from `input`, in topological order: a depth-first walk from the
    /// output that lists each layer after the layers it takes, its inputs in the order they were given,
    /// so the same description always gives the same order.
    static func nodes(from input: SymbolicTensor, to output: SymbolicTensor) throws -> [Node] {
        var nodes: [Node] = []
        var indices: [ObjectIdentifier: Int] = [:]
        var inProgress = Set<ObjectIdentifier>()
        var layersSeen = Set<ObjectIdentifier>()
        var reachesInput = false

        func visit(_ tensor: SymbolicTensor) throws -> Int {
            let id = ObjectIdentifier(tensor)
            if let index = indices[id] { return index }
            switch tensor.source {
            case .input:
                guard tensor === input else { throw ModelError.disconnectedInput(layer: "a layer") }
                reachesInput = true
                return 0
            case let .layer(layer, inputs):
                guard inProgress.insert(id).inserted else { throw ModelError.cycle(layer: layer.name) }
                var inputIndices: [Int] = []
                for source in inputs {
                    do {
                        inputIndices.append(try visit(source))
                    } catch ModelError.disconnectedInput(layer: "a layer") {
                        throw ModelError.disconnectedInput(layer: layer.name)
                    }
                }
                inProgress.remove(id)
                guard layersSeen.insert(ObjectIdentifier(layer)).inserted else {
                    throw ModelError.layerAppliedTwice(layer: layer.name)
                }
                nodes.append(Node(layer: layer, inputs: inputIndices))
                indices[id] = nodes.count
                return nodes.count
            }
        }

        guard case .layer = output.source else { throw ModelError.unusedInput }
        _ = try visit(output)
        guard reachesInput else { throw ModelError.unusedInput }
        return nodes
    }

    /// Keras's names for `layers`: each layer's kind, then `_1`, `_2`… for the repeats of a kind.
    static func uniqueNames(of layers: [Layer]) -> [String] {
        var seen: [String: Int] = [:]
        return layers.map { layer in
            let repeats = seen[layer.name, default: 0]
            seen[layer.name] = repeats + 1
            return repeats == 0 ? layer.name : "\(layer.name)_\(repeats)"
        }
    }
}
