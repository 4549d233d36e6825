import SwiftCNN

/// Times a convolution's training passes as a model's training step runs them: the forward pass in
/// training mode, and the backward pass (kernel gradient, bias gradient if any, and the input gradient
/// only where training asks for it) right after an untimed forward pass, since a layer's backward pass
/// consumes what its forward pass kept. The layer keeps its workspaces from one pass to the next, as in
/// training, so warmed-up passes allocate nothing.
public struct ConvolutionTiming {
    public let shape: ConvolutionShape
    private let input: Tensor
    private let outputGradient: Tensor

    /// Random inputs and output gradients of `batch` samples for `shape`'s layer.
    public init(_ shape: ConvolutionShape, batch: Int) {
        self.shape = shape
        var generator = Xoshiro256(seed: 2)
        input = Tensor(randomUniform: [batch] + shape.inputShape, in: 0...1, using: &generator)
        outputGradient = Tensor(randomNormal: [batch] + shape.outputShape, standardDeviation: 0.01, using: &generator)
    }

    /// The median seconds of `repetitions` forward passes after `warmup` untimed ones.
    public func forwardSeconds(warmup: Int, repetitions: Int) -> Double {
        for _ in 0..<warmup { forward() }
        return Timing.median((0..<repetitions).map { _ in Timing.seconds(forward) })
    }

    /// The median seconds of `repetitions` backward passes after `warmup` untimed forward and backward
    /// pairs.
    public func backwardSeconds(warmup: Int, repetitions: Int) -> Double {
        for _ in 0..<warmup {
            forward()
            backward()
        }
        return Timing.median((0..<repetitions).map { _ in
            forward()
            return Timing.seconds(backward)
        })
    }

    private func forward() {
        _ = shape.layer.forward(input, training: true)
    }

    private func backward() {
        _ = shape.layer.backward(outputGradient, needsInputGradient: shape.needsInputGradient)
    }
}
