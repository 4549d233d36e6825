import Foundation

/// Reading weights trained in PyTorch or Keras into an equivalent model.
///
/// The weight file is a safetensors file whose tensors are named `<layer>.<weight>`. Tensors are grouped by
/// `<layer>` (everything before the last dot), the groups are put in natural order (`2` before `10`,
/// `conv2` before `fc1`) unless an explicit order is given, and matched one to one with the model's layers
/// that have parameters. Each group must hold exactly the weights the layer needs, with the right shapes;
/// nothing is changed unless all of them fit. Layers other than ``Conv2D``, ``DepthwiseConv2D``, ``Dense`` and
/// ``BatchNormalization`` take the tensors named after their parameters, as they are.
extension Model {
    /// The framework whose names and layouts a weight file uses.
    private enum Framework {
        case pyTorch, keras
    }

    /// Sets the weights from a PyTorch `state_dict` saved with safetensors:
    ///
    /// ```python
    /// from safetensors.torch import save_file
    /// save_file({k: v.contiguous() for k, v in model.state_dict().items()}, "weights.safetensors")
    /// ```
    ///
    /// The PyTorch model must compute what this one does — for example `Conv2d` → `ReLU` → `MaxPool2d` for a
    /// ``Conv2D`` with `activation: .relu` and a ``MaxPool2D``; `BatchNorm` with the same epsilon. Layouts
    /// are converted: `Conv2d` weights from `[out, in, height, width]` to ``Conv2D``'s
    /// `[height, width, in, out]`; depthwise `Conv2d` weights (`groups` equal to the `C` input channels,
    /// `C·M` outputs) from `[C·M, 1, height, width]` to ``DepthwiseConv2D``'s `[height, width, C, M]`;
    /// `Linear` weights from `[out, in]` to ``Dense``'s `[in, out]`; and, after a
    /// ``Flatten`` of images, the feature order from PyTorch's channels-first flattening `(c, h, w)` to this
    /// model's channels-last `(h, w, c)`, so the first ``Dense`` (and any ``BatchNormalization``) after it
    /// sees each feature where PyTorch did. `BatchNorm`'s `weight`, `bias`, `running_mean` and `running_var`
    /// become `gamma`, `beta` and the running statistics; `num_batches_tracked` is ignored.
    ///
    /// - Parameters:
    ///   - url: The safetensors file.
    ///   - moduleOrder: The module names (such as `["conv1", "conv2", "fc1", "fc2"]`) in the order of this
    ///     model's layers with parameters; by default the natural order of the names, which is right for
    ///     `nn.Sequential` (`0`, `3`, `7`, …).
    /// - Throws: ``SafeTensorsError`` for a damaged file; ``ModelFileError/layerCountMismatch(file:expected:found:)``,
    ///   ``ModelFileError/missingTensor(file:tensor:)``, ``ModelFileError/unexpectedTensor(file:tensor:)`` or
    ///   ``ModelFileError/shapeMismatch(file:tensor:expected:found:)`` (shapes in PyTorch's layout).
    public func loadWeights(fromPyTorch url: URL, moduleOrder: [String]? = nil) throws {
        try importWeights(from: SafeTensorsFile(contentsOf: url), framework: .pyTorch, order: moduleOrder)
    }

    /// Sets the weights from a Keras 3 model's weights saved with safetensors. Keras's own `.weights.h5`
    /// is HDF5, which SwiftCNN does not read; export the weights instead, each named by its layer's index:
    ///
    /// ```python
    /// from safetensors.numpy import save_file
    /// save_file({f"{i}.{w.name}": w.numpy() for i, layer in enumerate(model.layers) for w in layer.weights},
    ///           "weights.safetensors")
    /// ```
    ///
    /// Keras's layouts are this library's (kernels `[height, width, in, out]`, depthwise kernels
    /// `[height, width, in, multiplier]`, dense `[in, out]`, channels-last flattening), so the weights are used as they are; `BatchNormalization`'s `gamma`, `beta`,
    /// `moving_mean` and `moving_variance` become ``BatchNormalization``'s parameters and running statistics.
    ///
    /// - Parameters:
    ///   - url: The safetensors file.
    ///   - layerOrder: The layer names in the order of this model's layers with parameters; by default the
    ///     natural order of the names, which is right for the index names above. A functional model
    ///     matches by name instead: export it with `f"{layer.name}.{w.name}"` and its layers' Keras names
    ///     (`conv2d`, `conv2d_1`, …, given in the same order) are this model's ``Model/layerNames``.
    /// - Throws: As ``loadWeights(fromPyTorch:moduleOrder:)``.
    public func loadWeights(fromKeras url: URL, layerOrder: [String]? = nil) throws {
        try importWeights(from: SafeTensorsFile(contentsOf: url), framework: .keras, order: layerOrder)
    }

    private func importWeights(from file: SafeTensorsFile, framework: Framework, order: [String]?) throws {
        var groups: [String: [String: String]] = [:]
        for name in file.names {
            let (group, weight) = name.lastIndex(of: ".").map { (String(name[..<$0]), String(name[name.index(after: $0)...])) }
                ?? ("", name)
            if framework == .pyTorch, weight == "num_batches_tracked" { continue }
            groups[group, default: [:]][weight] = name
        }
        let targets = layers.indices.filter { !layers[$0].parameters.isEmpty }
        let byName = framework == .keras && !isSequential
        let groupOrder = order ?? (byName ? targets.map { layerNames[$0] } : groups.keys.sorted(by: Model.naturallyPrecedes))
        guard groupOrder.count == targets.count, Set(groupOrder) == Set(groups.keys) else {
            throw ModelFileError.layerCountMismatch(file: file.source, expected: targets.count,
                                                    found: groups.keys.sorted(by: Model.naturallyPrecedes))
        }

        var assignments: [(assign: (Tensor) -> Void, value: Tensor)] = []
        var pendingFeatureOrder: [Int]?
        var targetIndex = 0
        for (index, layer) in layers.enumerated() {
            if layer is Flatten {
                let shape = index == 0 ? inputShape : layerOutputShapes[index - 1]
                pendingFeatureOrder = framework == .pyTorch && shape.count == 3 ? channelsFirstOrder(ofImage: shape) : nil
            }
            guard !layer.parameters.isEmpty else { continue }
            let group = groupOrder[targetIndex]
            targetIndex += 1
            var importer = WeightGroup(file: file, group: group, names: groups[group] ?? [:])
            var consumesFeatureOrder = false
            switch (layer, framework) {
            case let (layer as PyTorchWeightLayout, .pyTorch):
                for weight in layer.pyTorchWeights {
                    let parameter = weight.parameter
                    var value = weight.convert(try importer.take(weight.name, shape: weight.shape))
                    if weight.rowsAreInputFeatures, let order = pendingFeatureOrder {
                        value = value.gatheringRows(order)
                        consumesFeatureOrder = true
                    }
                    assignments.append(({ parameter.value = $0 }, value))
                }
            case let (normalization as BatchNormalization, _):
                let names = framework == .pyTorch
                    ? ["weight", "bias", "running_mean", "running_var"] : ["gamma", "beta", "moving_mean", "moving_variance"]
                let shape = normalization.gamma.value.shape
                var values = try names.map { try importer.take($0, shape: shape) }
                if let order = pendingFeatureOrder { values = values.map { $0.gatheringRows(order) } }
                assignments.append(({ normalization.gamma.value = $0 }, values[0]))
                assignments.append(({ normalization.beta.value = $0 }, values[1]))
                assignments.append(({ normalization.runningMean = $0 }, values[2]))
                assignments.append(({ normalization.runningVariance = $0 }, values[3]))
            default:
                for parameter in layer.parameters {
                    assignments.append(({ parameter.value = $0 }, try importer.take(parameter.name, shape: parameter.value.shape)))
                }
            }
            try importer.checkAllTaken()
            if consumesFeatureOrder { pendingFeatureOrder = nil }
        }
        for (assign, value) in assignments { assign(value) }
    }

    /// One layer's tensors in a weight file, taken one by one with their shapes checked.
    private struct WeightGroup {
        let file: SafeTensorsFile
        let group: String
        var names: [String: String]

        mutating func take(_ weight: String, shape expected: [Int]) throws -> Tensor {
            let name = group.isEmpty ? weight : "\(group).\(weight)"
            names[weight] = nil
            return try file.tensor(named: name, checkedShape: expected)
        }

        func checkAllTaken() throws {
            if let extra = names.values.sorted().first {
                throw ModelFileError.unexpectedTensor(file: file.source, tensor: extra)
            }
        }
    }

    /// Whether `a` sorts before `b` when runs of digits compare as numbers: `2` before `10`, `layer2` before
    /// `layer10`.
    static func naturallyPrecedes(_ a: String, _ b: String) -> Bool {
        func runs(_ string: String) -> [(isNumber: Bool, text: Substring)] {
            var result: [(Bool, Substring)] = []
            var start = string.startIndex
            while start < string.endIndex {
                let isNumber = string[start].isASCII && string[start].isNumber
                let end = string[start...].firstIndex { ($0.isASCII && $0.isNumber) != isNumber } ?? string.endIndex
                result.append((isNumber, string[start..<end]))
                start = end
            }
            return result
        }
        for (x, y) in zip(runs(a), runs(b)) where x.text != y.text {
            if x.isNumber && y.isNumber {
                let (p, q) = (x.text.drop { $0 == "0" }, y.text.drop { $0 == "0" })
                return p.count != q.count ? p.count < q.count : p < q
            }
            return x.text < y.text
        }
        return runs(a).count < runs(b).count
    }
}
