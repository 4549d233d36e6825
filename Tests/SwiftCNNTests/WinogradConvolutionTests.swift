import Foundation
@testable import SwiftCNN
import TestSupport
import Testing

// Winograd's F(4×4, 3×3), in every instruction set this CPU runs, against the naive reference.
//
// Its tolerance: inputs in [-1, 1] and Glorot kernels give outputs of about 1; the transforms' additions
// round at up to 8× the magnitude of the values they add (Aᵀ's last row), so the error is a few times
// the direct kernel's 1e-6. Measured on these cases: at most 8.5e-6. A wrong transform
// point or a misplaced tile is off by the size of an output.
private let absoluteError: Float = 3e-5

/// Whole tiles and partial ones (11 = 4 + 4 + 3 columns), 'same' padding read as zeros, filter groups of
/// 64, 32 and 16 (48 = 32 + 16, 80 = 64 + 16), more tiles than one block (3 × 5 tiles of the last case).
private let cases: [ConvolutionCase] = [
    ConvolutionCase(input: [1, 13, 13, 32], filters: 64, kernelSize: (3, 3), activation: .relu),
    ConvolutionCase(input: [2, 7, 9, 16], filters: 16, kernelSize: (3, 3), padding: .same),
    ConvolutionCase(input: [2, 9, 8, 32], filters: 48, kernelSize: (3, 3), padding: .same, activation: .relu),
    ConvolutionCase(input: [1, 6, 6, 16], filters: 80, kernelSize: (3, 3), useBias: false, activation: .tanh),
    ConvolutionCase(input: [2, 10, 17, 16], filters: 32, kernelSize: (3, 3), padding: .same, activation: .relu),
]

/// Convolutions that 2×2 max pooling follows: the reference CNN's second one (11 × 11 pooled to 5 × 5,
/// its last row and column in no window), an even 'same' one, and one whose rows of tiles outnumber a block.
private let poolingCases: [ConvolutionCase] = [
    ConvolutionCase(input: [2, 13, 13, 32], filters: 64, kernelSize: (3, 3), activation: .relu),
    ConvolutionCase(input: [2, 8, 10, 16], filters: 48, kernelSize: (3, 3), padding: .same),
    ConvolutionCase(input: [1, 18, 19, 16], filters: 32, kernelSize: (3, 3), padding: .same, activation: .relu),
]

private let instructionSets = VectorInstructions.allCases.filter(\.isSupported)

private struct Setup {
    let layer: Conv2D
    let geometry: WindowGeometry
    let transformed: Tensor
    let kernel: WinogradConvolution
    let scratch: Tensor

    init(_ testCase: ConvolutionCase, instructions: VectorInstructions) throws {
        layer = try testCase.makeLayer(seed: 51)
        geometry = try testCase.geometry()
        transformed = Tensor(shape: [WinogradConvolution.transformedKernelCount(channels: geometry.channels,
                                                                                filters: layer.filters)])
        WinogradConvolution.transform(layer.kernel.value.storage.pointer, channels: geometry.channels,
                                      filters: layer.filters, into: transformed.storage.pointer, instructions: instructions)
        kernel = WinogradConvolution(geometry: geometry, filters: layer.filters, kernel: transformed.storage.pointer,
                                     bias: layer.bias?.value.storage.pointer, activation: layer.activation,
                                     instructions: instructions)
        scratch = Tensor(shape: [kernel.scratchFloats])
        scratch.storage.pointer.update(repeating: .nan, count: scratch.count)
    }

    /// The output of `x`, its rows computed in the pieces `split` (all at once by default).
    func output(_ x: Tensor, split: [Range<Int>]? = nil) -> Tensor {
        convolve(kernel, x, scratch: scratch, split: split)
    }

    /// The pooled output and winners of `x` by the fused kernel, its rows computed in the pieces `split`.
    func pooled(_ x: Tensor, split: [Range<Int>]? = nil) throws -> (Tensor, [UInt8]) {
        convolveAndMaxPool(kernel, x, pooling: try layer.poolingGeometry, scratch: scratch, split: split)
    }
}

@Suite("Winograd convolution")
struct WinogradConvolutionTests {
    @Test("Applies to 3×3 windows with stride 1 over whole groups of 16 channels and filters")
    func applicability() throws {
        func geometry(_ shape: [Int], window: Int = 3, stride: Int = 1) throws -> WindowGeometry {
            try WindowGeometry(layer: "test", inputShape: shape, window: (window, window), strides: (stride, stride),
                               padding: .same)
        }
        #expect(WinogradConvolution.applies(to: try geometry([13, 13, 32]), filters: 64))
        #expect(!WinogradConvolution.applies(to: try geometry([13, 13, 8]), filters: 64))
        #expect(!WinogradConvolution.applies(to: try geometry([13, 13, 32]), filters: 24))
        #expect(!WinogradConvolution.applies(to: try geometry([13, 13, 32], window: 5), filters: 64))
        #expect(!WinogradConvolution.applies(to: try geometry([13, 13, 32], stride: 2), filters: 64))
    }

    @Test("The output is the convolution's", arguments: cases, instructionSets)
    fileprivate func forwardMatchesReference(_ testCase: ConvolutionCase, _ instructions: VectorInstructions) throws {
        let setup = try Setup(testCase, instructions: instructions)
        let x = Seeded.uniform(testCase.input, in: -1...1, seed: 52)
        expectClose(setup.output(x), setup.layer.referenceOutput(x), absolute: absoluteError, relative: 0)
    }

    @Test("The kernel gradient adds the sums of its definition to the gradient", arguments: cases, instructionSets)
    fileprivate func kernelGradientMatchesReference(_ testCase: ConvolutionCase, _ instructions: VectorInstructions) throws {
        let setup = try Setup(testCase, instructions: instructions)
        let g = setup.geometry, batch = testCase.input[0], filters = setup.layer.filters
        let x = Seeded.uniform(testCase.input, in: -1...1, seed: 60)
        let dz = Seeded.uniform([batch, g.outputHeight, g.outputWidth, filters], in: -1...1, seed: 61)
        let before = Seeded.uniform([3, 3, g.channels, filters], in: -1...1, seed: 62)
        let dw = Tensor(shape: before.shape)
        dw.storage.pointer.update(from: before.storage.pointer, count: before.count)
        let scratch = Tensor(shape: [setup.kernel.kernelGradientScratchFloats])
        scratch.storage.pointer.update(repeating: .nan, count: scratch.count)
        setup.kernel.addKernelGradient(of: x.storage.pointer, samples: 0..<batch, outputGradient: dz.storage.pointer,
                                       to: dw.storage.pointer, scratch: scratch.storage.pointer)
        let sums = convolutionParameterGradientsReference(x, outputGradient: dz, geometry: g).kernel
        // Sums over every output pixel (up to 2 × 10 × 17 here) of products of size 1, so of size 10 or so:
        // measured at most 5.2e-5 off on these cases.
        expectClose(dw.scalars, zip(before.scalars, sums.scalars).map { $0 + $1 }, absolute: 3e-4, relative: 0)
    }

    @Test("Rows computed in any pieces give the same bits, whatever tile the pieces start in")
    func piecesGiveTheSameBits() throws {
        let testCase = ConvolutionCase(input: [3, 10, 9, 16], filters: 32, kernelSize: (3, 3), padding: .same,
                                       activation: .relu)
        let setup = try Setup(testCase, instructions: .best)
        let x = Seeded.uniform(testCase.input, in: -1...1, seed: 53)
        let whole = setup.output(x)
        #expect(setup.output(x, split: [0..<3, 3..<9, 9..<10, 10..<25, 25..<30]) == whole)
        #expect(whole.scalars.contains { $0 > 0 } && whole.scalars.contains { $0 == 0 })
    }

    @Test("With max pooling fused, the pooled output is the pooled convolution", arguments: poolingCases, instructionSets)
    fileprivate func pooledForwardMatchesReference(_ testCase: ConvolutionCase, _ instructions: VectorInstructions) throws {
        let setup = try Setup(testCase, instructions: instructions)
        let x = Seeded.uniform(testCase.input, in: -1...1, seed: 54)
        let (pooled, winners) = try setup.pooled(x)
        expectClose(pooled, maxPoolReference(setup.layer.referenceOutput(x), geometry: try setup.layer.poolingGeometry),
                    absolute: absoluteError, relative: 0)
        #expect(Set(winners) == [0, 1, 2, 3])
        let rows = testCase.input[0] * (try setup.layer.poolingGeometry).outputHeight
        let (pieces, piecesWinners) = try setup.pooled(x, split: [0..<1, 1..<(rows - 1), (rows - 1)..<rows])
        #expect(pieces == pooled && piecesWinners == winners)
    }

    @Test("Conv2D's Winograd algorithm: the matrix product's outputs and the automatic algorithm's gradients",
          arguments: [Padding.same, .valid])
    func layerAlgorithm(_ padding: Padding) throws {
        func layer(_ algorithm: Conv2D.Algorithm) throws -> Conv2D {
            let layer = Conv2D(filters: 32, kernelSize: 3, padding: padding, activation: .relu, algorithm: algorithm)
            var generator = Seeded.generator(55)
            _ = try layer.build(inputShape: [9, 10, 16], generator: &generator)
            layer.bias!.value = Seeded.uniform([32], in: -0.5...0.5, seed: 56)
            return layer
        }
        let winograd = try layer(.winograd), product = try layer(.matrixProduct), automatic = try layer(.automatic)
        let x = Seeded.uniform([2, 9, 10, 16], in: -1...1, seed: 57)
        let y = winograd.forward(x, training: true)
        expectClose(y, product.forward(x, training: false), absolute: absoluteError, relative: 0)
        let automaticOutput = automatic.forward(x, training: true)
        #expect(y != automaticOutput, "the Winograd kernel ran forward")
        let dy = Seeded.uniform(y.shape, in: -1...1, seed: 58)
        let dx = try #require(winograd.backward(dy, needsInputGradient: true))
        let automaticInputGradient = try #require(automatic.backward(dy, needsInputGradient: true))
        expectClose(dx, automaticInputGradient, absolute: absoluteError, relative: 0)
        #expect(dx != automaticInputGradient, "the Winograd kernel ran backward")
        expectClose(winograd.kernel.gradient, automatic.kernel.gradient, absolute: 1e-4, relative: 1e-4)

        // Weights changed in place, as an optimizer changes them, are transformed again; one weight is enough.
        for layer in [winograd, product] { layer.kernel.value.storage.pointer[5] += 0.25 }
        let changed = product.forward(x, training: false)
        #expect(changed != y)
        expectClose(winograd.forward(x, training: false), changed, absolute: absoluteError, relative: 0)
    }

    @Test("The reference CNN with Winograd's second convolution predicts what the automatic algorithm's does")
    func referenceCNNPredictions() throws {
        let winograd = try Sequential.referenceCNN(seed: 3, algorithm: .winograd)
        let automatic = try Sequential.referenceCNN(seed: 3)
        let x = Seeded.uniform([5, 28, 28, 1], in: 0...1, seed: 59)
        let expected = automatic.predict(x, batchSize: 5)
        let predicted = winograd.predict(x, batchSize: 5)
        expectClose(predicted, expected, absolute: 1e-5, relative: 1e-4)
        #expect(predicted != expected, "the Winograd kernel ran")
    }
}
