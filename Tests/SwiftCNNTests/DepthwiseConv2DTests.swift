@testable import SwiftCNN
import Foundation
import TestSupport
import Testing

/// A ``DepthwiseConv2D`` configuration and the shape of the batch it is tried on.
private struct DepthwiseCase: Sendable, CustomTestStringConvertible {
    var input: [Int]            // [N, H, W, C]
    var kernelSize: (Int, Int)
    var strides: (Int, Int) = (1, 1)
    var padding: Padding = .valid
    var depthMultiplier = 1
    var useBias = true
    var activation: Activation = .linear

    var testDescription: String {
        "x \(input), \(kernelSize.0)×\(kernelSize.1) ×\(depthMultiplier), strides \(strides.0)×\(strides.1), "
            + "\(padding), \(useBias ? "bias" : "no bias"), \(activation)"
    }

    var window: WindowCase { WindowCase(input: input, window: kernelSize, strides: strides, padding: padding) }

    /// The layer, built with a kernel drawn from `seed` and, when it has one, a non-zero bias.
    func makeLayer(seed: UInt64 = 1) throws -> DepthwiseConv2D {
        let layer = try window.build(DepthwiseConv2D(kernelSize: kernelSize, strides: strides, padding: padding,
                                                     depthMultiplier: depthMultiplier, useBias: useBias,
                                                     activation: activation))
        var generator = Seeded.generator(seed)
        layer.kernel.value = Tensor(randomUniform: layer.kernel.value.shape, in: -1...1, using: &generator)
        layer.bias?.value = Seeded.uniform([input[3] * depthMultiplier], in: -0.5...0.5, seed: seed + 100)
        return layer
    }
}

private let forwardCases: [DepthwiseCase] = [
    DepthwiseCase(input: [2, 6, 6, 3], kernelSize: (3, 3)),
    DepthwiseCase(input: [2, 6, 6, 3], kernelSize: (3, 3), depthMultiplier: 2, useBias: false),
    DepthwiseCase(input: [2, 7, 6, 2], kernelSize: (3, 3), strides: (2, 2), padding: .same, depthMultiplier: 3,
                  activation: .relu),
    DepthwiseCase(input: [1, 5, 8, 4], kernelSize: (2, 3), strides: (1, 2), padding: .same, activation: .tanh),
    DepthwiseCase(input: [3, 4, 4, 5], kernelSize: (1, 1), depthMultiplier: 2, activation: .sigmoid),
    DepthwiseCase(input: [1, 9, 9, 2], kernelSize: (4, 4), strides: (3, 3), padding: .same,
                  activation: .leakyReLU(slope: 0.2)),
    DepthwiseCase(input: [4, 5, 5, 16], kernelSize: (3, 3), padding: .same),
]

private let gradientCases: [DepthwiseCase] = [
    DepthwiseCase(input: [2, 5, 5, 2], kernelSize: (3, 3)),
    DepthwiseCase(input: [2, 5, 5, 2], kernelSize: (3, 3), depthMultiplier: 2, useBias: false),
    DepthwiseCase(input: [2, 6, 5, 2], kernelSize: (3, 3), strides: (2, 2), padding: .same, depthMultiplier: 2,
                  activation: .tanh),
    DepthwiseCase(input: [1, 5, 6, 3], kernelSize: (2, 3), strides: (1, 2), padding: .same, activation: .sigmoid),
    DepthwiseCase(input: [2, 3, 3, 3], kernelSize: (1, 1), depthMultiplier: 3, activation: .tanh),
]

@Suite("DepthwiseConv2D")
struct DepthwiseConv2DTests {
    // x = channel 0:  1 2 3   channel 1: ten times channel 0
    //                 4 5 6
    //                 7 8 9
    private let image = Tensor(shape: [1, 3, 3, 2], scalars: (1...9).flatMap { [Float($0), Float(10 * $0)] })

    @Test("A 3×3 image of two channels through 2×2 kernels, two per channel, worked by hand")
    func handWorked() throws {
        // Kernels, [kh, kw, c, m]: channel 0 m 0 = 1 0 (top-left), m 1 = 0 0 (bottom-right),
        //                                          0 0                0 1
        //                          channel 1 m 0 = 1 1 (window sum), m 1 = 0 -1 (minus top-right).
        //                                          1 1                     0  0
        // Bias [0, 0.5, 0, -1]; output channel c·2 + m.
        // Window (0,0) = cells 1 2 4 5: [1, 5 + 0.5, 10+20+40+50, -20 - 1] = [1, 5.5, 120, -21]
        // Window (0,1) = cells 2 3 5 6: [2, 6.5, 20+30+50+60 = 160, -30 - 1 = -31]
        // Window (1,0) = cells 4 5 7 8: [4, 8.5, 40+50+70+80 = 240, -50 - 1 = -51]
        // Window (1,1) = cells 5 6 8 9: [5, 9.5, 50+60+80+90 = 280, -60 - 1 = -61]
        let layer = try DepthwiseCase(input: [1, 3, 3, 2], kernelSize: (2, 2), depthMultiplier: 2).makeLayer()
        layer.kernel.value = Tensor(shape: [2, 2, 2, 2], scalars: [1, 0, 1, 0,  0, 0, 1, -1,  0, 0, 1, 0,  0, 1, 1, 0])
        layer.bias!.value = Tensor([0, 0.5, 0, -1])
        #expect(layer.forward(image, training: true) == Tensor(shape: [1, 2, 2, 4], scalars: [
            1, 5.5, 120, -21,  2, 6.5, 160, -31,  4, 8.5, 240, -51,  5, 9.5, 280, -61,
        ]))

        // The gradient of the sum of output channel 2 (channel 1's window sums): each cell of channel 1 gets
        // the number of windows covering it (corners 1, edges 2, centre 4), channel 0 nothing; the kernel
        // cell (kh, kw) of channel 1, m 0 gets the sum of the cells it saw, the four sums above:
        // (0,0) 1+2+4+5 = 12 → ×10 = 120, (0,1) 160, (1,0) 240, (1,1) 280; bias 2 gets one per window, 4.
        let outputGradient = Tensor(shape: [1, 2, 2, 4], scalars: (0..<16).map { $0 % 4 == 2 ? 1 : 0 })
        let inputGradient = layer.backward(outputGradient)
        #expect(inputGradient == Tensor(shape: [1, 3, 3, 2], scalars: [0, 1, 0, 2, 0, 1,  0, 2, 0, 4, 0, 2,  0, 1, 0, 2, 0, 1]))
        #expect(layer.kernel.gradient == Tensor(shape: [2, 2, 2, 2], scalars: [0, 0, 120, 0,  0, 0, 160, 0,
                                                                                0, 0, 240, 0,  0, 0, 280, 0]))
        #expect(layer.bias!.gradient == Tensor([0, 0, 4, 0]))
    }

    @Test("Forward matches the definition", arguments: forwardCases)
    fileprivate func forwardMatchesReference(_ testCase: DepthwiseCase) throws {
        let layer = try testCase.makeLayer()
        let x = Seeded.uniform(testCase.input, seed: 2)
        let expected = depthwiseConvolutionReference(x, kernel: layer.kernel.value, bias: layer.bias?.value,
                                                     geometry: try testCase.window.geometry())
            .map { activate($0, testCase.activation) }
        expectClose(layer.forward(x, training: false), expected)
        expectClose(layer.forward(x, training: true), expected)
    }

    @Test("Backward matches the definition: input, kernel and bias gradients", arguments: forwardCases)
    fileprivate func backwardMatchesReference(_ testCase: DepthwiseCase) throws {
        let layer = try testCase.makeLayer()
        let x = Seeded.uniform(testCase.input, seed: 3)
        let output = layer.forward(x, training: true)
        let outputGradient = Seeded.uniform(output.shape, seed: 4)
        // The gradient before the activation, from the activation's derivative at each pre-activation.
        let preActivation = depthwiseConvolutionReference(x, kernel: layer.kernel.value, bias: layer.bias?.value,
                                                          geometry: try testCase.window.geometry())
        let h: Float = 1e-3
        let slopes = preActivation.map { (activate($0 + h, testCase.activation) - activate($0 - h, testCase.activation)) / (2 * h) }
        let dz = outputGradient * slopes
        let expected = depthwiseConvolutionGradientsReference(x, kernel: layer.kernel.value, outputGradient: dz,
                                                              geometry: try testCase.window.geometry())
        let inputGradient = layer.backward(outputGradient)
        expectClose(inputGradient, expected.input, absolute: 1e-4, relative: 2e-3)
        expectClose(layer.kernel.gradient, expected.kernel, absolute: 1e-4, relative: 2e-3)
        if let bias = layer.bias { expectClose(bias.gradient, expected.bias, absolute: 1e-4, relative: 2e-3) }
    }

    @Test("Backward matches finite differences", arguments: gradientCases)
    fileprivate func gradients(_ testCase: DepthwiseCase) throws {
        checkGradients(of: try testCase.makeLayer(), input: Seeded.uniform(testCase.input, seed: 5))
    }

    @Test("Backward through a fused ReLU matches finite differences away from its kink")
    func reluGradients() throws {
        let testCase = DepthwiseCase(input: [1, 5, 5, 2], kernelSize: (3, 3), padding: .same, depthMultiplier: 2,
                                     activation: .relu)
        // Finite differences straddle the kink when a pre-activation is within about ε·(|w| + |x|) of 0: take
        // the first seed whose pre-activations all keep 0.01 away from it, with both signs present.
        func preActivations(_ seed: UInt64) throws -> [Float] {
            let layer = try testCase.makeLayer(seed: seed)
            return depthwiseConvolutionReference(Seeded.uniform(testCase.input, seed: seed), kernel: layer.kernel.value,
                                                 bias: layer.bias?.value, geometry: try testCase.window.geometry()).scalars
        }
        let seed = try #require(try (UInt64(20)..<220).first { seed in
            let values = try preActivations(seed)
            return values.map(abs).min()! > 0.01 && values.contains { $0 < 0 } && values.contains { $0 > 0 }
        })
        let layer = try testCase.makeLayer(seed: seed)
        let x = Seeded.uniform(testCase.input, seed: seed)
        checkGradients(of: layer, input: x)
    }

    @Test("A batch split across threads gives the reference's gradients, the same bits every run")
    func largeBatchIsDeterministic() throws {
        let testCase = DepthwiseCase(input: [9, 6, 6, 4], kernelSize: (3, 3), padding: .same, depthMultiplier: 2,
                                     activation: .tanh)
        let layer = try testCase.makeLayer()
        let x = Seeded.uniform(testCase.input, seed: 7), outputGradient = Seeded.uniform([9, 6, 6, 8], seed: 8)
        func gradients() -> [[UInt32]] {
            _ = layer.forward(x, training: true)
            let inputGradient = layer.backward(outputGradient)
            return [inputGradient, layer.kernel.gradient, layer.bias!.gradient].map { $0.scalars.map(\.bitPattern) }
        }
        let first = gradients()
        #expect(gradients() == first)
        let output = layer.forward(x, training: false)
        let dz = outputGradient * output.map { 1 - $0 * $0 }
        let expected = depthwiseConvolutionGradientsReference(x, kernel: layer.kernel.value, outputGradient: dz,
                                                              geometry: try testCase.window.geometry())
        expectClose(Tensor(shape: [3, 3, 4, 2], scalars: first[1].map(Float.init(bitPattern:))), expected.kernel,
                    absolute: 1e-4, relative: 1e-3)
        expectClose(Tensor(first[2].map(Float.init(bitPattern:))), expected.bias, absolute: 1e-4, relative: 1e-3)
    }

    @Test("Without an input gradient, parameter gradients are unchanged and nil is returned")
    func parameterGradientsOnly() throws {
        let layer = try DepthwiseCase(input: [2, 6, 6, 2], kernelSize: (3, 3), strides: (2, 2), padding: .same,
                                      depthMultiplier: 2, activation: .tanh).makeLayer()
        let x = Seeded.uniform([2, 6, 6, 2], seed: 9), outputGradient = Seeded.uniform([2, 3, 3, 4], seed: 10)
        _ = layer.forward(x, training: true)
        #expect(layer.backward(outputGradient, needsInputGradient: true) != nil)
        let kernelGradient = layer.kernel.gradient, biasGradient = layer.bias!.gradient
        _ = layer.forward(x, training: true)
        #expect(layer.backward(outputGradient, needsInputGradient: false) == nil)
        #expect(layer.kernel.gradient == kernelGradient)
        #expect(layer.bias!.gradient == biasGradient)
    }

    @Test("Output shapes follow the padding, strides and depth multiplier; bad inputs are rejected")
    func shapes() throws {
        func outputShape(_ layer: DepthwiseConv2D, _ input: [Int]) throws -> [Int] {
            var generator = Seeded.generator()
            return try layer.build(inputShape: input, generator: &generator)
        }
        #expect(try outputShape(DepthwiseConv2D(kernelSize: 3), [28, 28, 32]) == [26, 26, 32])
        #expect(try outputShape(DepthwiseConv2D(kernelSize: 3, padding: .same, activation: .relu), [28, 28, 32]) == [28, 28, 32])
        #expect(try outputShape(DepthwiseConv2D(kernelSize: (5, 3), strides: (2, 2), depthMultiplier: 2), [28, 28, 8])
                == [12, 13, 16])
        #expect(try outputShape(DepthwiseConv2D(kernelSize: 3, strides: 2, padding: .same, depthMultiplier: 4), [7, 7, 3])
                == [4, 4, 12])
        #expect(throws: LayerError.self) { try outputShape(DepthwiseConv2D(kernelSize: 3), [28, 28]) }
        #expect(throws: LayerError.self) { try outputShape(DepthwiseConv2D(kernelSize: 5), [4, 6, 1]) }
        #expect(throws: LayerError.self) {
            try outputShape(DepthwiseConv2D(kernelSize: 1, depthMultiplier: 1 << 20), [1, 1, 1 << 12])
        }
    }

    @Test("Parameters: [kh, kw, C, M] kernel with Keras's Glorot-uniform limit, zero bias, options kept")
    func parameters() throws {
        let layer = DepthwiseConv2D(kernelSize: (3, 5), strides: (2, 1), padding: .same, depthMultiplier: 4,
                                    activation: .relu)
        var generator = Seeded.generator()
        _ = try layer.build(inputShape: [10, 10, 6], generator: &generator)
        #expect(layer.parameters.map(\.name) == ["kernel", "bias"])
        #expect(layer.kernel.value.shape == [3, 5, 6, 4])
        #expect(layer.bias!.value == Tensor(shape: [24]))
        // Keras's fans for a [3, 5, 6, 4] kernel: fanIn = 3·5·6 = 90, fanOut = 3·5·4 = 60, limit = √(6 / 150) = 0.2.
        let limit: Float = 0.2
        #expect(layer.kernel.value.scalars.allSatisfy { abs($0) <= limit })
        #expect(layer.kernel.value.scalars.map(abs).max()! > 0.9 * limit)
        #expect(layer.kernelSize == (3, 5) && layer.strides == (2, 1) && layer.padding == .same)
        #expect(layer.depthMultiplier == 4 && layer.useBias && layer.activation == .relu)
        #expect(layer.parameterCount == 3 * 5 * 6 * 4 + 24)
        #expect(DepthwiseConv2D(kernelSize: 1, useBias: false).parameters.map(\.name) == ["kernel"])
    }

    @Test("A warmed-up training step reuses every buffer it hands out; kept outputs stay intact")
    func workspacesAreReused() throws {
        let testCase = DepthwiseCase(input: [4, 8, 8, 3], kernelSize: (3, 3), depthMultiplier: 2, activation: .relu)
        let layer = try testCase.makeLayer()
        let x = Seeded.uniform(testCase.input, seed: 11), outputGradient = Seeded.uniform([4, 6, 6, 6], seed: 12)
        func step() -> [UnsafeMutablePointer<Float>] {
            let output = layer.forward(x, training: true)
            let inputGradient = layer.backward(outputGradient)
            return [output.storage.pointer, inputGradient.storage.pointer,
                    layer.kernel.gradient.storage.pointer, layer.bias!.gradient.storage.pointer]
        }
        let first = step()
        #expect(step() == first)

        let kept = layer.forward(x, training: true)
        let values = kept.scalars
        _ = layer.forward(Seeded.uniform(testCase.input, seed: 13), training: true)
        #expect(kept.scalars == values)
    }
}

@Suite("DepthwiseConv2D saving and importing")
struct DepthwiseConv2DPersistenceTests {
    private func model() throws -> Sequential {
        try Sequential(inputShape: [7, 7, 3], seed: 4) {
            DepthwiseConv2D(kernelSize: (3, 2), strides: (2, 1), padding: .same, depthMultiplier: 2,
                            activation: .leakyReLU(slope: 0.1))
            DepthwiseConv2D(kernelSize: 3, useBias: false)
            GlobalAveragePooling2D()
            Dense(units: 2)
        }
    }

    @Test("A model with it survives saving and loading, bit for bit, with its options")
    func saveAndLoad() throws {
        let model = try model()
        #expect(model.layerOutputShapes == [[4, 7, 6], [2, 5, 6], [6], [2]])
        try model.fit(tinyDataset(count: 8, sampleShape: [7, 7, 3], classes: 2), epochs: 1, batchSize: 4,
                      optimizer: Adam(learningRate: 0.01), verbosity: .quiet)
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            try model.save(to: url)
            let loaded = try Sequential(contentsOf: url)
            let layer = try #require(loaded.layers[0] as? DepthwiseConv2D)
            #expect(layer.configuration == DepthwiseConv2D.Configuration(
                kernelSize: [3, 2], strides: [2, 1], padding: .same, depthMultiplier: 2, useBias: true,
                activation: .leakyReLU(slope: 0.1)))
            #expect((loaded.layers[1] as? DepthwiseConv2D)?.bias == nil)
            #expect(tensorBits(of: loaded) == tensorBits(of: model))
            let x = Seeded.uniform([3, 7, 7, 3], seed: 14)
            #expect(loaded(x).scalars.map(\.bitPattern) == model(x).scalars.map(\.bitPattern))
        }
        let file = try model.modelFile()
        #expect(file.names == ["layers.0.kernel", "layers.0.bias", "layers.1.kernel", "layers.3.kernel", "layers.3.bias"])
        #expect(file.shape(of: "layers.0.kernel") == [3, 2, 3, 2] && file.shape(of: "layers.0.bias") == [6])
    }

    @Test("Configurations from a file are checked, and tensor shapes are known before the layer exists")
    func configurationChecks() throws {
        let good = DepthwiseConv2D.Configuration(kernelSize: [3, 3], strides: [1, 1], padding: .valid,
                                                 depthMultiplier: 2, useBias: true, activation: .relu)
        #expect(DepthwiseConv2D.expectedTensorShapes(for: good, inputShape: [8, 8, 5])
                == ["kernel": [3, 3, 5, 2], "bias": [10]])
        var withoutBias = good
        withoutBias.useBias = false
        #expect(DepthwiseConv2D.expectedTensorShapes(for: withoutBias, inputShape: [8, 8, 5]) == ["kernel": [3, 3, 5, 2]])
        #expect(DepthwiseConv2D.expectedTensorShapes(for: good, inputShape: [8, 5]) == nil)
        for (edit, reason) in [
            ({ (c: inout DepthwiseConv2D.Configuration) in c.depthMultiplier = 0 }, "depthMultiplier must be in 1...2147483647, got 0"),
            ({ $0.depthMultiplier = Int(Int32.max) + 1 }, "depthMultiplier must be in 1...2147483647, got 2147483648"),
            ({ $0.kernelSize = [3] }, "kernelSize must hold two sizes (height, width), got [3]"),
            ({ $0.strides = [1, -2] }, "strides must be in 1...2147483647, got -2"),
            ({ $0.activation = .leakyReLU(slope: .nan) }, "the leaky ReLU slope must be positive and finite, got nan"),
        ] as [((inout DepthwiseConv2D.Configuration) -> Void, String)] {
            var configuration = good
            edit(&configuration)
            #expect(throws: LayerConfigurationError(reason)) { _ = try DepthwiseConv2D(configuration: configuration) }
        }
        var noMultiplier = good, flatKernel = good
        noMultiplier.depthMultiplier = 0
        flatKernel.kernelSize = [3]
        #expect(DepthwiseConv2D.expectedTensorShapes(for: noMultiplier, inputShape: [8, 8, 5]) == nil)
        #expect(DepthwiseConv2D.expectedTensorShapes(for: flatKernel, inputShape: [8, 8, 5]) == nil)
    }

    @Test("PyTorch's depthwise weights [C·M, 1, kh, kw] become [kh, kw, C, M]; Keras's are taken as they are")
    func weightImport() throws {
        // A 2×3 depthwise kernel over 2 channels with multiplier 3: PyTorch's nn.Conv2d(2, 6, (2, 3), groups=2)
        // weight[o, 0, kh, kw] for output channel o = c·3 + m, filled with 1000·o + 10·kh + kw so every
        // value names its place.
        let model = try Sequential(inputShape: [4, 5, 2]) {
            DepthwiseConv2D(kernelSize: (2, 3), depthMultiplier: 3)
        }
        var file = SafeTensorsFile(metadata: ["format": "pt"])
        var pyTorchWeight: [Float] = []
        for o in 0..<6 {
            for kh in 0..<2 {
                for kw in 0..<3 { pyTorchWeight.append(Float(1000 * o + 10 * kh + kw)) }
            }
        }
        file.setTensor(Tensor(shape: [6, 1, 2, 3], scalars: pyTorchWeight), named: "0.weight")
        file.setTensor(Tensor([1, 2, 3, 4, 5, 6]), named: "0.bias")
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("weights.safetensors")
            try file.write(to: url)
            try model.loadWeights(fromPyTorch: url)
        }
        let layer = try #require(model.layers[0] as? DepthwiseConv2D)
        for kh in 0..<2 {
            for kw in 0..<3 {
                for c in 0..<2 {
                    for m in 0..<3 { #expect(layer.kernel.value[kh, kw, c, m] == Float(1000 * (c * 3 + m) + 10 * kh + kw)) }
                }
            }
        }
        #expect(layer.bias!.value == Tensor([1, 2, 3, 4, 5, 6]))

        // A weight in our own layout is rejected, naming PyTorch's shape, and nothing changes.
        var wrong = SafeTensorsFile(metadata: ["format": "pt"])
        wrong.setTensor(Tensor(shape: [2, 3, 2, 3]), named: "0.weight")
        wrong.setTensor(Tensor(shape: [6]), named: "0.bias")
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("wrong.safetensors")
            try wrong.write(to: url)
            do {
                try model.loadWeights(fromPyTorch: url)
                Issue.record("a kernel in the wrong layout was accepted")
            } catch let ModelFileError.shapeMismatch(_, tensor, expected, found) {
                #expect(tensor == "0.weight" && expected == [6, 1, 2, 3] && found == [2, 3, 2, 3])
            }
        }
        #expect(layer.bias!.value == Tensor([1, 2, 3, 4, 5, 6]))

        var keras = SafeTensorsFile(metadata: ["format": "keras"])
        let kerasKernel = Seeded.uniform([2, 3, 2, 3], seed: 15)
        keras.setTensor(kerasKernel, named: "0.kernel")
        keras.setTensor(Tensor([6, 5, 4, 3, 2, 1]), named: "0.bias")
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("keras.safetensors")
            try keras.write(to: url)
            try model.loadWeights(fromKeras: url)
        }
        #expect(layer.kernel.value == kerasKernel && layer.bias!.value == Tensor([6, 5, 4, 3, 2, 1]))
    }
}
