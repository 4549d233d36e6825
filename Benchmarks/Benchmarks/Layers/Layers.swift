// The layers of the reference CNN one at a time, at the training batch size (64), forward and
// backward, with their activations: where a training step's time goes. Each backward iteration
// first runs an untimed training-mode forward pass (a layer's backward consumes what its forward
// kept), and asks for the input gradient only where the model does (not for conv1, the first layer).
import Benchmark
import BenchmarkSupport
import SuiteSupport
import SwiftCNN

/// A built layer with an input and an output gradient of the right shapes, at the training batch size.
struct LayerCase {
    let layer: Layer
    let input: Tensor
    let outputGradient: Tensor
    /// Floating-point operations of one forward pass over the batch.
    let forwardFLOPs: Double
    let backwardFLOPs: Double
    let needsInputGradient: Bool

    init(_ layer: Layer, sampleShape: [Int], needsInputGradient: Bool = true) {
        let batch = ReferenceCNN.batchSize
        var generator = Xoshiro256(seed: 1)
        let outputShape: [Int]
        do {
            outputShape = try layer.build(inputShape: sampleShape, generator: &generator)
        } catch {
            preconditionFailure("\(layer.name) cannot take inputs \(sampleShape): \(error)")
        }
        self.layer = layer
        input = Tensor(randomUniform: [batch] + sampleShape, in: 0...1, using: &generator)
        outputGradient = Tensor(randomNormal: [batch] + outputShape, standardDeviation: 0.01, using: &generator)
        forwardFLOPs = Double(batch) * FLOPCount.forward(layer, inputShape: sampleShape, outputShape: outputShape)
        backwardFLOPs = Double(batch) * FLOPCount.backward(layer, inputShape: sampleShape, outputShape: outputShape,
                                                           needsInputGradient: needsInputGradient)
        self.needsInputGradient = needsInputGradient
    }

    /// One forward pass whose output is dropped at once, so the layer reuses its output workspace as it
    /// does in training.
    func forward() {
        blackHole(layer.forward(input, training: true))
    }

    func backward() {
        blackHole(layer.backward(outputGradient, needsInputGradient: needsInputGradient))
    }
}

let benchmarks: @Sendable () -> Void = {
    let cases: [(name: String, make: () -> LayerCase)] = [
        ("Conv2D conv1 [64,28,28,1] → 32 × 3×3, direct", {
            LayerCase(Conv2D(filters: 32, kernelSize: 3, activation: .relu), sampleShape: [28, 28, 1],
                      needsInputGradient: false)
        }),
        ("Conv2D conv1 [64,28,28,1] → 32 × 3×3, im2col + GEMM", {
            LayerCase(Conv2D(filters: 32, kernelSize: 3, activation: .relu, algorithm: .matrixProduct),
                      sampleShape: [28, 28, 1], needsInputGradient: false)
        }),
        ("Conv2D conv2 [64,13,13,32] → 64 × 3×3", {
            LayerCase(Conv2D(filters: 64, kernelSize: 3, activation: .relu), sampleShape: [13, 13, 32])
        }),
        ("MaxPool2D 2×2 [64,26,26,32]", {
            LayerCase(MaxPool2D(poolSize: 2), sampleShape: [26, 26, 32])
        }),
        ("Dense [64,1600] → 64", {
            LayerCase(Dense(units: 64, activation: .relu), sampleShape: [1600])
        }),
    ]

    for (name, make) in cases {
        let forwardCase = make()
        // Pooling has no matrix product, hence no FLOP rate.
        let configuration = Benchmark.Configuration.swiftCNN(seconds: 3, countsFLOPs: forwardCase.forwardFLOPs > 0)
        Benchmark("\(name) forward", configuration: configuration) { benchmark in
            benchmark.measuringFLOPs(forwardCase.forwardFLOPs) { forwardCase.forward() }
        }

        let backwardCase = make()
        let gradientKind = backwardCase.needsInputGradient ? "" : " (no input gradient)"
        Benchmark("\(name) backward\(gradientKind)", configuration: configuration) { benchmark in
            backwardCase.forward()
            benchmark.startMeasurement()
            benchmark.measuringFLOPs(backwardCase.backwardFLOPs) { backwardCase.backward() }
        }
    }
}
