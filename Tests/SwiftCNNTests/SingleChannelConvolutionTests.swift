@testable import SwiftCNN
import Foundation
import TestSupport
import Testing

/// A single-channel convolution, the first layer of a grey-image model, and the batch it is tried on.
private struct SingleChannelCase: Sendable, CustomTestStringConvertible {
    var input: [Int]            // [N, H, W, 1]
    var filters: Int
    var kernelSize: (Int, Int)
    var strides: (Int, Int) = (1, 1)
    var padding: Padding = .valid
    var useBias = true
    var activation: Activation = .relu

    var testDescription: String {
        "x \(input) → \(filters) filters \(kernelSize.0)×\(kernelSize.1), strides \(strides.0)×\(strides.1), "
            + "\(padding), \(useBias ? "bias" : "no bias"), \(activation)"
    }

    func geometry() throws -> WindowGeometry {
        try WindowGeometry(layer: "test", inputShape: Array(input.dropFirst()), window: kernelSize,
                           strides: strides, padding: padding)
    }

    /// The layer, built with a seeded kernel and, when it has one, a random bias.
    func makeLayer() throws -> Conv2D {
        let layer = Conv2D(filters: filters, kernelSize: kernelSize, strides: strides, padding: padding,
                           useBias: useBias, activation: activation)
        var generator = Seeded.generator(11)
        _ = try layer.build(inputShape: Array(input.dropFirst()), generator: &generator)
        layer.bias?.value = Seeded.uniform([filters], in: -0.3...0.3, seed: 12)
        return layer
    }
}

private let cases: [SingleChannelCase] = [
    SingleChannelCase(input: [3, 8, 7, 1], filters: 32, kernelSize: (3, 3)),
    SingleChannelCase(input: [2, 7, 8, 1], filters: 16, kernelSize: (3, 3), padding: .same, activation: .linear),
    SingleChannelCase(input: [2, 9, 9, 1], filters: 48, kernelSize: (3, 2), strides: (2, 3), padding: .same),
    SingleChannelCase(input: [2, 6, 6, 1], filters: 32, kernelSize: (5, 5), strides: (2, 2), padding: .same,
                      useBias: false, activation: .tanh),
    SingleChannelCase(input: [1, 5, 6, 1], filters: 16, kernelSize: (1, 1), activation: .leakyReLU(slope: 0.1)),
]

/// The activation and its derivative at the output, written out independently of the library.
private func activate(_ x: Float, _ activation: Activation) -> Float {
    switch activation {
    case .linear: return x
    case .relu: return max(x, 0)
    case let .leakyReLU(slope): return x > 0 ? x : slope * x
    case .sigmoid: return 1 / (1 + exp(-x))
    case .tanh: return tanh(x)
    }
}

private func derivative(atOutput y: Float, _ activation: Activation) -> Float {
    switch activation {
    case .linear: return 1
    case .relu: return y > 0 ? 1 : 0
    case let .leakyReLU(slope): return y > 0 ? 1 : slope
    case .sigmoid: return y * (1 - y)
    case .tanh: return 1 - y * y
    }
}

@Suite("Single-channel convolution")
struct SingleChannelConvolutionTests {
    @Test("Applies to one input channel and whole groups of 16 filters only")
    func applicability() throws {
        let image = try WindowGeometry(layer: "test", inputShape: [28, 28, 1], window: (3, 3), strides: (1, 1),
                                       padding: .valid)
        let colour = try WindowGeometry(layer: "test", inputShape: [28, 28, 3], window: (3, 3), strides: (1, 1),
                                        padding: .valid)
        #expect(singleChannelConvolutionApplies(image, filters: 32))
        #expect(singleChannelConvolutionApplies(image, filters: 16))
        #expect(!singleChannelConvolutionApplies(image, filters: 8))
        #expect(!singleChannelConvolutionApplies(colour, filters: 32))
    }

    @Test("Forward matches a direct convolution", arguments: cases)
    fileprivate func forwardMatchesReference(_ testCase: SingleChannelCase) throws {
        let layer = try testCase.makeLayer()
        let x = Seeded.uniform(testCase.input, seed: 13)
        let expected = convolutionReference(x, kernel: layer.kernel.value, bias: layer.bias?.value,
                                            geometry: try testCase.geometry())
            .map { activate($0, testCase.activation) }
        expectClose(layer.forward(x, training: false), expected, absolute: 1e-5, relative: 1e-4)
    }

    @Test("Parameter gradients match their definition, with the activation's derivative", arguments: cases)
    fileprivate func gradientsMatchReference(_ testCase: SingleChannelCase) throws {
        let layer = try testCase.makeLayer()
        let x = Seeded.uniform(testCase.input, seed: 14)
        let y = layer.forward(x, training: true)
        let dy = Seeded.uniform(y.shape, seed: 15)
        #expect(layer.backward(dy, needsInputGradient: false) == nil)
        let dz = Tensor(shape: y.shape, scalars: zip(dy.scalars, y.scalars).map { $0 * derivative(atOutput: $1, testCase.activation) })
        let expected = convolutionParameterGradientsReference(x, outputGradient: dz, geometry: try testCase.geometry())
        expectClose(layer.kernel.gradient, expected.kernel, absolute: 1e-4, relative: 1e-4)
        if let bias = layer.bias {
            expectClose(bias.gradient, expected.bias, absolute: 1e-4, relative: 1e-4)
        }
    }

    @Test("The kernel gradient agrees with the im2col path's, which also computes the input gradient")
    func agreesWithTheMatrixProductPath() throws {
        let testCase = SingleChannelCase(input: [4, 10, 9, 1], filters: 32, kernelSize: (3, 3), padding: .same)
        let layer = try testCase.makeLayer()
        let x = Seeded.uniform(testCase.input, seed: 16)
        let dy = Seeded.uniform(layer.forward(x, training: true).shape, seed: 17)
        _ = layer.backward(dy, needsInputGradient: false)
        let direct = (layer.kernel.gradient, layer.bias!.gradient)
        _ = layer.forward(x, training: true)
        _ = layer.backward(dy, needsInputGradient: true)
        expectClose(direct.0, layer.kernel.gradient, absolute: 1e-5, relative: 1e-4)
        expectClose(direct.1, layer.bias!.gradient, absolute: 1e-5, relative: 1e-4)
    }

    @Test("The kernels split rows and samples without changing a result")
    func rangesCompose() throws {
        let testCase = SingleChannelCase(input: [3, 7, 7, 1], filters: 16, kernelSize: (3, 3), padding: .same)
        let layer = try testCase.makeLayer()
        let g = try testCase.geometry()
        let x = Seeded.uniform(testCase.input, seed: 18)
        let whole = Tensor(shape: [3, 7, 7, 16]), pieces = Tensor(shape: [3, 7, 7, 16])
        let w = layer.kernel.value.storage.pointer, b = layer.bias!.value.storage.pointer
        convolveSingleChannel(x.storage.pointer, kernel: w, bias: b, activation: .relu, geometry: g, filters: 16,
                              outputRows: 0..<21, into: whole.storage.pointer)
        for rows in [0..<5, 5..<6, 6..<21] {
            convolveSingleChannel(x.storage.pointer, kernel: w, bias: b, activation: .relu, geometry: g, filters: 16,
                                  outputRows: rows, into: pieces.storage.pointer)
        }
        #expect(whole == pieces)
        #expect(whole.scalars.contains { $0 > 0 })
    }
}
