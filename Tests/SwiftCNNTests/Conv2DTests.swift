@testable import SwiftCNN
import Foundation
import TestSupport
import Testing

private let forwardCases: [ConvolutionCase] = [
    ConvolutionCase(input: [2, 6, 6, 1], filters: 4, kernelSize: (3, 3)),
    ConvolutionCase(input: [2, 6, 6, 1], filters: 4, kernelSize: (3, 3), useBias: false),
    ConvolutionCase(input: [2, 7, 6, 3], filters: 5, kernelSize: (3, 3), strides: (2, 2), activation: .relu),
    ConvolutionCase(input: [2, 7, 6, 3], filters: 5, kernelSize: (3, 3), strides: (2, 2), padding: .same,
                    activation: .tanh),
    ConvolutionCase(input: [1, 5, 8, 2], filters: 3, kernelSize: (2, 3), strides: (1, 2), padding: .same,
                    activation: .sigmoid),
    ConvolutionCase(input: [3, 4, 4, 6], filters: 7, kernelSize: (1, 1), activation: .relu),
    ConvolutionCase(input: [2, 4, 5, 3], filters: 2, kernelSize: (1, 1), strides: (2, 2),
                    activation: .leakyReLU(slope: 0.2)),
    ConvolutionCase(input: [1, 9, 9, 2], filters: 3, kernelSize: (4, 4), strides: (3, 3), padding: .same),
]

private let gradientCases: [ConvolutionCase] = [
    ConvolutionCase(input: [2, 5, 5, 2], filters: 3, kernelSize: (3, 3)),
    ConvolutionCase(input: [2, 5, 5, 2], filters: 3, kernelSize: (3, 3), useBias: false),
    ConvolutionCase(input: [2, 6, 5, 2], filters: 3, kernelSize: (3, 3), strides: (2, 2), padding: .same,
                    activation: .tanh),
    ConvolutionCase(input: [1, 5, 6, 3], filters: 2, kernelSize: (2, 3), strides: (1, 2), padding: .same),
    ConvolutionCase(input: [2, 3, 3, 4], filters: 3, kernelSize: (1, 1), activation: .tanh),
    ConvolutionCase(input: [1, 4, 4, 2], filters: 2, kernelSize: (3, 3), padding: .same, activation: .sigmoid),
]

@Suite("Conv2D")
struct Conv2DTests {
    @Test("A 3×3 image through two 2×2 filters, worked by hand")
    func handWorked() throws {
        // x = 1 2 3    filter 0 = 1 2  bias  1: y(0,0) = 1·1 + 2·2 + 4·3 + 5·4 + 1 = 38, y(0,1) = 2 + 6 + 15 + 24 + 1 = 48,
        //     4 5 6               3 4            y(1,0) = 4 + 10 + 21 + 32 + 1 = 68, y(1,1) = 5 + 12 + 24 + 36 + 1 = 78
        //     7 8 9    filter 1 = -1 0 bias −5: y = −x(i,j) + x(i+1,j+1) − 5 = 4 − 5 = −1 everywhere, 0 after ReLU
        //                          0 1
        let layer = Conv2D(filters: 2, kernelSize: 2, activation: .relu)
        var generator = Seeded.generator()
        #expect(try layer.build(inputShape: [3, 3, 1], generator: &generator) == [2, 2, 2])
        // HWIO: for each (kh, kw, c) the two filters' weights.
        layer.kernel.value = Tensor(shape: [2, 2, 1, 2], scalars: [1, -1, 2, 0, 3, 0, 4, 1])
        layer.bias!.value = Tensor([1, -5])
        let x = Tensor(shape: [1, 3, 3, 1], scalars: (1...9).map(Float.init))
        #expect(layer.forward(x, training: false) == Tensor(shape: [1, 2, 2, 2], scalars: [38, 0, 48, 0, 68, 0, 78, 0]))
    }

    @Test("Forward matches a direct convolution", arguments: forwardCases)
    fileprivate func forwardMatchesReference(_ testCase: ConvolutionCase) throws {
        let layer = try testCase.makeLayer()
        let x = Seeded.uniform(testCase.input, seed: 2)
        let expected = convolutionReference(x, kernel: layer.kernel.value, bias: layer.bias?.value,
                                            geometry: try testCase.geometry())
            .map { activate($0, testCase.activation) }
        expectClose(layer.forward(x, training: false), expected, absolute: 1e-5, relative: 1e-4)
        expectClose(layer.forward(x, training: true), expected, absolute: 1e-5, relative: 1e-4)
    }

    @Test("Backward matches finite differences", arguments: gradientCases)
    fileprivate func gradients(_ testCase: ConvolutionCase) throws {
        let layer = try testCase.makeLayer()
        checkGradients(of: layer, input: Seeded.uniform(testCase.input, seed: 3))
    }

    @Test("Backward through a fused ReLU matches finite differences away from its kink")
    func reluGradients() throws {
        let testCase = ConvolutionCase(input: [2, 5, 5, 2], filters: 3, kernelSize: (3, 3), padding: .same,
                                       activation: .relu)
        let layer = try testCase.makeLayer(seed: 26)
        let x = Seeded.uniform(testCase.input, seed: 26)
        // Finite differences straddle the kink when a pre-activation is within about ε·(|w| + |x|) of 0;
        // this seed keeps every one of them much farther away, with both signs present.
        let preActivation = convolutionReference(x, kernel: layer.kernel.value, bias: layer.bias?.value,
                                                 geometry: try testCase.geometry()).scalars
        #expect(preActivation.map(abs).min()! > 0.01)
        #expect(preActivation.contains { $0 < 0 } && preActivation.contains { $0 > 0 })
        checkGradients(of: layer, input: x)
    }

    @Test("Without an input gradient, parameter gradients are unchanged and nil is returned")
    func parameterGradientsOnly() throws {
        let layer = try ConvolutionCase(input: [2, 6, 6, 2], filters: 3, kernelSize: (3, 3), strides: (2, 2),
                                        padding: .same, activation: .tanh).makeLayer()
        let x = Seeded.uniform([2, 6, 6, 2], seed: 4)
        let outputGradient = Seeded.uniform([2, 3, 3, 3], seed: 5)
        _ = layer.forward(x, training: true)
        #expect(layer.backward(outputGradient, needsInputGradient: true) != nil)
        let kernelGradient = layer.kernel.gradient, biasGradient = layer.bias!.gradient
        _ = layer.forward(x, training: true)
        #expect(layer.backward(outputGradient, needsInputGradient: false) == nil)
        #expect(layer.kernel.gradient == kernelGradient)
        #expect(layer.bias!.gradient == biasGradient)
    }

    @Test("Output shapes follow the padding and strides")
    func outputShapes() throws {
        func outputShape(_ layer: Conv2D, _ input: [Int]) throws -> [Int] {
            var generator = Seeded.generator()
            return try layer.build(inputShape: input, generator: &generator)
        }
        #expect(try outputShape(Conv2D(filters: 32, kernelSize: 3), [28, 28, 1]) == [26, 26, 32])
        #expect(try outputShape(Conv2D(filters: 64, kernelSize: 3), [13, 13, 32]) == [11, 11, 64])
        #expect(try outputShape(Conv2D(filters: 8, kernelSize: 3, padding: .same), [28, 28, 1]) == [28, 28, 8])
        #expect(try outputShape(Conv2D(filters: 8, kernelSize: 3, strides: 2), [28, 28, 1]) == [13, 13, 8])
        #expect(try outputShape(Conv2D(filters: 8, kernelSize: 3, strides: 2, padding: .same), [28, 28, 1])
                == [14, 14, 8])
        #expect(try outputShape(Conv2D(filters: 4, kernelSize: (5, 3), strides: (1, 2)), [9, 9, 2]) == [5, 4, 4])
        #expect(try outputShape(Conv2D(filters: 4, kernelSize: 5), [5, 5, 2]) == [1, 1, 4])
    }

    @Test("Building rejects inputs that are not images or too small for the kernel")
    func buildRejectsIncompatibleInput() {
        var generator = Seeded.generator()
        #expect(throws: LayerError.self) { _ = try Conv2D(filters: 4, kernelSize: 3).build(inputShape: [28, 28], generator: &generator) }
        #expect(throws: LayerError.self) { _ = try Conv2D(filters: 4, kernelSize: 3).build(inputShape: [1, 28, 28, 1], generator: &generator) }
        #expect(throws: LayerError.self) { _ = try Conv2D(filters: 4, kernelSize: 5).build(inputShape: [4, 6, 1], generator: &generator) }
        #expect(throws: LayerError.self) { _ = try Conv2D(filters: 4, kernelSize: (2, 7)).build(inputShape: [6, 6, 1], generator: &generator) }
        #expect(throws: Never.self) { try Conv2D(filters: 4, kernelSize: 5, padding: .same).build(inputShape: [4, 6, 1], generator: &generator) }
    }

    @Test("Parameters: HWIO kernel with Keras's Glorot-uniform limit, zero bias, configuration kept")
    func parameters() throws {
        let layer = Conv2D(filters: 16, kernelSize: (3, 5), strides: (2, 1), padding: .same, useBias: true,
                           activation: .relu)
        var generator = Seeded.generator()
        _ = try layer.build(inputShape: [10, 10, 4], generator: &generator)
        #expect(layer.parameters.map(\.name) == ["kernel", "bias"])
        #expect(layer.kernel.value.shape == [3, 5, 4, 16])
        #expect(layer.bias!.value == Tensor(shape: [16]))
        // Keras: fanIn = 3·5·4 = 60, fanOut = 3·5·16 = 240, limit = √(6 / 300) ≈ 0.1414.
        let limit = Float(6.0 / 300.0).squareRoot()
        #expect(layer.kernel.value.scalars.allSatisfy { abs($0) <= limit })
        #expect(layer.kernel.value.scalars.map(abs).max()! > 0.9 * limit)
        #expect(layer.filters == 16 && layer.kernelSize == (3, 5) && layer.strides == (2, 1))
        #expect(layer.padding == .same && layer.useBias && layer.activation == .relu)
        #expect(layer.parameterCount == 3 * 5 * 4 * 16 + 16)
        #expect(Conv2D(filters: 2, kernelSize: 1, useBias: false).parameters.map(\.name) == ["kernel"])
    }

    @Test("A caller that keeps an output keeps its values when the layer runs again")
    func keptOutputsAreValues() throws {
        let testCase = ConvolutionCase(input: [2, 5, 5, 2], filters: 3, kernelSize: (3, 3), activation: .relu)
        let layer = try testCase.makeLayer()
        let x1 = Seeded.uniform(testCase.input, seed: 6), x2 = Seeded.uniform(testCase.input, seed: 7)
        let y1 = layer.forward(x1, training: true)
        let expected = y1.scalars
        let y2 = layer.forward(x2, training: true)
        #expect(y1.scalars == expected)
        #expect(y2 != y1)
    }

    @Test("A warmed-up training step reuses every buffer it hands out", arguments: [
        ConvolutionCase(input: [4, 8, 8, 3], filters: 5, kernelSize: (3, 3), activation: .relu),
        ConvolutionCase(input: [4, 8, 8, 3], filters: 5, kernelSize: (1, 1), activation: .tanh),
    ])
    fileprivate func workspacesAreReused(_ testCase: ConvolutionCase) throws {
        let layer = try testCase.makeLayer()
        let x = Seeded.uniform(testCase.input, seed: 8)
        let geometry = try testCase.geometry()
        let outputGradient = Seeded.uniform([4, geometry.outputHeight, geometry.outputWidth, 5], seed: 9)

        // The addresses of the output, input gradient and parameter gradients of one step; the tensors
        // themselves are dropped on return, as a training loop drops them between batches.
        func step() -> [UnsafeMutablePointer<Float>] {
            let output = layer.forward(x, training: true)
            let inputGradient = layer.backward(outputGradient)
            return [output.storage.pointer, inputGradient.storage.pointer,
                    layer.kernel.gradient.storage.pointer, layer.bias!.gradient.storage.pointer]
        }
        let first = step()
        #expect(step() == first)
        #expect(step() == first)
    }
}
