import SwiftCNN

/// One distinct convolution of the benchmark set's networks — its sample shapes, window, strides,
/// padding, bias, activation, and whether training asks it for its input gradient — with the layers
/// that have it.
public struct ConvolutionShape {
    /// A network's own layer, built for ``inputShape``: timing it runs the kernels that training runs,
    /// the single-channel direct kernels of a first convolution included (`Conv2D` picks them when it is
    /// built).
    public let layer: Conv2D
    /// One sample's input, `[height, width, channels]`.
    public let inputShape: [Int]
    /// One sample's output, `[outputHeight, outputWidth, filters]`.
    public let outputShape: [Int]
    /// Whether training computes the input gradient; not for a first convolution (see
    /// `FLOPCount.needsInputGradient(_:)`).
    public let needsInputGradient: Bool
    /// The layers that have this shape, as `network/layer`.
    public var uses: [String]

    /// Every distinct convolution of `networks`, in the order they first appear.
    public static func all(in networks: [BenchmarkNetwork]) throws -> [ConvolutionShape] {
        // Normalization adapts to these; its statistics change no shape.
        var generator = Xoshiro256(seed: 1)
        let images = Tensor(randomUniform: [16] + ReferenceCNN.inputShape, using: &generator)
        var shapes: [ConvolutionShape] = []
        for network in networks {
            let model = try network.model(seed: 1, adaptingTo: images)
            let values = [model.inputShape] + model.layerOutputShapes
            let needsInputGradient = FLOPCount.needsInputGradient(model)
            for (index, layer) in model.layers.enumerated() {
                guard let convolution = layer as? Conv2D else { continue }
                let shape = ConvolutionShape(layer: convolution, inputShape: values[model.layerInputs[index][0]],
                                             outputShape: model.layerOutputShapes[index],
                                             needsInputGradient: needsInputGradient[index],
                                             uses: ["\(network.rawValue)/\(model.layerNames[index])"])
                if let known = shapes.firstIndex(where: { $0.description == shape.description }) {
                    shapes[known].uses += shape.uses
                } else {
                    shapes.append(shape)
                }
            }
        }
        return shapes
    }

    /// The im2col product of the forward pass for `batch` samples: patches `[m, k]` times kernel `[k, n]`,
    /// with m = batch·outputHeight·outputWidth, k = kernelHeight·kernelWidth·channels, n = filters. The
    /// backward pass multiplies the same sizes: the kernel gradient `patchesᵀ · dY` (`[k, m] · [m, n]`),
    /// and the input gradient's columns `dY · kernelᵀ` (`[m, n] · [n, k]`).
    public func productSize(batch: Int) -> (m: Int, k: Int, n: Int) {
        (batch * outputShape[0] * outputShape[1],
         layer.kernelSize.height * layer.kernelSize.width * inputShape[2], layer.filters)
    }

    /// Floating-point operations of the forward pass over `batch` samples.
    public func forwardFLOPs(batch: Int) -> Double {
        Double(batch) * FLOPCount.forward(layer, inputShape: inputShape, outputShape: outputShape)
    }

    /// Floating-point operations of the backward pass over `batch` samples: the kernel gradient's
    /// product, and the input gradient's when training computes it.
    public func backwardFLOPs(batch: Int) -> Double {
        Double(batch) * FLOPCount.backward(layer, inputShape: inputShape, outputShape: outputShape,
                                           needsInputGradient: needsInputGradient)
    }
}

extension ConvolutionShape: CustomStringConvertible {
    /// For example `[28,28,16] → 32, 3×3 stride 2 same, no bias, linear`, then `, no dX` for a convolution
    /// whose input gradient training does not compute.
    public var description: String {
        let (kernelHeight, kernelWidth) = layer.kernelSize, (strideHeight, strideWidth) = layer.strides
        let input = "[\(inputShape.map(String.init).joined(separator: ","))]"
        let strides = strideHeight == strideWidth ? "\(strideHeight)" : "\(strideHeight)×\(strideWidth)"
        let window = "\(kernelHeight)×\(kernelWidth)" + (strideHeight == 1 && strideWidth == 1 ? "" : " stride \(strides)")
        return "\(input) → \(layer.filters), \(window) \(layer.padding.rawValue), \(layer.useBias ? "bias" : "no bias"), "
            + "\(layer.activation)\(needsInputGradient ? "" : ", no dX")"
    }
}
