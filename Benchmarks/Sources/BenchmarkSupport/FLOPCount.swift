import SwiftCNN

/// Floating-point operations of the layers whose work is matrix products, a multiply-add counting as
/// two. Bias, activation and pooling work is left out: it is a few percent of a convolution's, and
/// leaving it out keeps the figures comparable with GEMM's 2·m·n·k.
public enum FLOPCount {
    /// The operations of one sample's forward pass through `layer`, whose sample input and output
    /// shapes are given; zero for layers without a matrix product.
    public static func forward(_ layer: Layer, inputShape: [Int], outputShape: [Int]) -> Double {
        switch layer {
        case let convolution as Conv2D:
            // Each output value is a dot product over one window of the input: kh·kw·channels terms.
            let window = convolution.kernelSize.height * convolution.kernelSize.width * inputShape[inputShape.count - 1]
            return 2 * Double(outputShape.reduce(1, *)) * Double(window)
        case let dense as Dense:
            return 2 * Double(inputShape.reduce(1, *)) * Double(dense.units)
        default:
            return 0
        }
    }

    /// The operations of one sample's backward pass: the parameter gradient costs one more forward
    /// pass, and the input gradient, when it is asked for, another.
    public static func backward(_ layer: Layer, inputShape: [Int], outputShape: [Int], needsInputGradient: Bool) -> Double {
        forward(layer, inputShape: inputShape, outputShape: outputShape) * (needsInputGradient ? 2 : 1)
    }

    /// The operations of one sample's inference pass through `model`.
    public static func forward(_ model: Model) -> Double {
        layerShapes(of: model).reduce(0) { total, entry in
            total + forward(entry.layer, inputShape: entry.input, outputShape: entry.output)
        }
    }

    /// The operations of one sample's training step through `model`: the forward pass, then the backward
    /// pass, with input gradients where ``needsInputGradient(_:)`` says training computes them.
    public static func trainingStep(_ model: Model) -> Double {
        zip(layerShapes(of: model), needsInputGradient(model)).reduce(0) { total, item in
            let (entry, needsInputGradient) = item
            return total + forward(entry.layer, inputShape: entry.input, outputShape: entry.output)
                + backward(entry.layer, inputShape: entry.input, outputShape: entry.output,
                           needsInputGradient: needsInputGradient)
        }
    }

    /// Per layer of `model`, whether training asks it for the gradient of its (first) input. The model's
    /// execution plan decides it so: a value needs a gradient when a layer with parameters computed it,
    /// directly or not. The first layer with parameters is asked for none, and neither is anything before
    /// it, such as a `Normalization` in front of the first convolution; the plan is internal, so the rule
    /// is repeated here.
    public static func needsInputGradient(_ model: Model) -> [Bool] {
        var valueNeedsGradient = [false]
        for (layer, inputs) in zip(model.layers, model.layerInputs) {
            valueNeedsGradient.append(!layer.parameters.isEmpty || inputs.contains { valueNeedsGradient[$0] })
        }
        return model.layerInputs.map { valueNeedsGradient[$0[0]] }
    }

    private static func layerShapes(of model: Model) -> [(layer: Layer, input: [Int], output: [Int])] {
        let values = [model.inputShape] + model.layerOutputShapes
        return model.layers.indices.map { (model.layers[$0], values[model.layerInputs[$0][0]], model.layerOutputShapes[$0]) }
    }
}
