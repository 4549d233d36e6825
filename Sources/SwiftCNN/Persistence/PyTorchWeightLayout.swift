/// A layer whose PyTorch counterpart stores its weights in another layout than this library, and that
/// says itself how to convert them, for ``Sequential/loadWeights(fromPyTorch:moduleOrder:)``.
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
    /// The parameter's value made from the tensor, which has ``shape``.
    var convert: (Tensor) -> Tensor
}

extension DepthwiseConv2D: PyTorchWeightLayout {
    /// PyTorch's depthwise convolution is `nn.Conv2d(C, C·M, (height, width), groups=C)`: its weight,
    /// `[C·M, 1, height, width]`, numbers output channels `c·M + m` as this layer does, so it is viewed as
    /// `[C, M, height, width]` and its axes moved to `[height, width, C, M]`. The bias, `[C·M]`, is taken as it is.
    var pyTorchWeights: [PyTorchWeight] {
        let shape = kernel.value.shape
        let (height, width, channels, multiplier) = (shape[0], shape[1], shape[2], shape[3])
        var weights = [PyTorchWeight(parameter: kernel, name: "weight", shape: [channels * multiplier, 1, height, width]) {
            $0.reshaped(to: [channels, multiplier, height, width]).permuted(axes: [2, 3, 0, 1])
        }]
        if let bias {
            weights.append(PyTorchWeight(parameter: bias, name: "bias", shape: bias.value.shape) { $0 })
        }
        return weights
    }
}
