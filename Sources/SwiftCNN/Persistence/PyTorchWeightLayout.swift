/// A layer whose PyTorch counterpart stores its weights in another layout than this library, and that
/// says itself how to convert them, both ways: for ``Model/loadWeights(fromPyTorch:moduleOrder:)`` and for
/// ONNX, whose operators take weights in PyTorch's layouts.
protocol PyTorchWeightLayout: Layer {
    /// For each of the layer's parameters, the PyTorch tensor it is made from.
    var pyTorchWeights: [PyTorchWeight] { get }
}

/// A tensor of a PyTorch module and the parameter it becomes.
struct PyTorchWeight {
    var parameter: Parameter
    /// The tensor's name within its module, such as `weight`.
    var name: String
    /// The tensor's shape in PyTorch's layout, for the layer as built.
    var shape: [Int]
    /// Whether the parameter's rows (its first axis, in this library's layout) stand for the layer's input
    /// features, which a `Flatten` of images before the layer orders differently in PyTorch.
    var rowsAreInputFeatures = false
    /// The parameter's value made from the tensor, which has ``shape``.
    var convert: (Tensor) -> Tensor
    /// The tensor made from the parameter's value: the inverse of ``convert``.
    var export: (Tensor) -> Tensor

    /// A bias, or any vector that both layouts store alike.
    init(vector parameter: Parameter, name: String) {
        self.init(parameter: parameter, name: name, shape: parameter.value.shape, convert: { $0 }, export: { $0 })
    }

    init(parameter: Parameter, name: String, shape: [Int], rowsAreInputFeatures: Bool = false,
         convert: @escaping (Tensor) -> Tensor, export: @escaping (Tensor) -> Tensor) {
        self.parameter = parameter
        self.name = name
        self.shape = shape
        self.rowsAreInputFeatures = rowsAreInputFeatures
        self.convert = convert
        self.export = export
    }
}

extension Conv2D: PyTorchWeightLayout {
    /// `Conv2d`'s weight is `[out, in, height, width]`, this layer's kernel `[height, width, in, out]`.
    var pyTorchWeights: [PyTorchWeight] {
        let shape = kernel.value.shape
        let weight = PyTorchWeight(parameter: kernel, name: "weight", shape: [shape[3], shape[2], shape[0], shape[1]],
                                   convert: { $0.permuted(axes: [2, 3, 1, 0]) }, export: { $0.permuted(axes: [3, 2, 0, 1]) })
        return [weight] + (bias.map { [PyTorchWeight(vector: $0, name: "bias")] } ?? [])
    }
}

extension DepthwiseConv2D: PyTorchWeightLayout {
    /// PyTorch's depthwise convolution is `nn.Conv2d(C, C·M, (height, width), groups=C)`: its weight,
    /// `[C·M, 1, height, width]`, numbers output channels `c·M + m` as this layer does, so it is viewed as
    /// `[C, M, height, width]` and its axes moved to `[height, width, C, M]`. The bias, `[C·M]`, is taken as it is.
    var pyTorchWeights: [PyTorchWeight] {
        let shape = kernel.value.shape
        let (height, width, channels, multiplier) = (shape[0], shape[1], shape[2], shape[3])
        let weight = PyTorchWeight(
            parameter: kernel, name: "weight", shape: [channels * multiplier, 1, height, width],
            convert: { $0.reshaped(to: [channels, multiplier, height, width]).permuted(axes: [2, 3, 0, 1]) },
            export: { $0.permuted(axes: [2, 3, 0, 1]).reshaped(to: [channels * multiplier, 1, height, width]) })
        return [weight] + (bias.map { [PyTorchWeight(vector: $0, name: "bias")] } ?? [])
    }
}

extension Dense: PyTorchWeightLayout {
    /// `Linear`'s weight is `[out, in]`, this layer's kernel `[in, out]`.
    var pyTorchWeights: [PyTorchWeight] {
        let shape = kernel.value.shape
        let weight = PyTorchWeight(parameter: kernel, name: "weight", shape: [shape[1], shape[0]], rowsAreInputFeatures: true,
                                   convert: { $0.transposed() }, export: { $0.transposed() })
        return [weight] + (bias.map { [PyTorchWeight(vector: $0, name: "bias")] } ?? [])
    }
}
