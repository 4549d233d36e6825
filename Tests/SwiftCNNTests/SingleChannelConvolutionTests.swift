@testable import SwiftCNN
import Foundation
import TestSupport
import Testing

// The single-channel kernels, in every instruction set this CPU runs, against the naive references:
// the convolution and its parameter gradients, alone and with 2×2 max pooling fused.

private let cases: [ConvolutionCase] = [
    ConvolutionCase(input: [3, 8, 7, 1], filters: 32, kernelSize: (3, 3), activation: .relu),
    ConvolutionCase(input: [2, 7, 8, 1], filters: 16, kernelSize: (3, 3), padding: .same),
    ConvolutionCase(input: [2, 9, 9, 1], filters: 48, kernelSize: (3, 3), strides: (2, 3), padding: .same,
                    activation: .relu),
    ConvolutionCase(input: [2, 6, 6, 1], filters: 32, kernelSize: (5, 5), strides: (2, 2), padding: .same,
                    useBias: false, activation: .tanh),
    ConvolutionCase(input: [2, 11, 10, 1], filters: 16, kernelSize: (5, 5), activation: .leakyReLU(slope: 0.1)),
]

/// Cases whose output 2×2 max pooling can be fused into (odd output sizes drop their last row or column).
private let poolingCases: [ConvolutionCase] = [
    ConvolutionCase(input: [3, 9, 8, 1], filters: 32, kernelSize: (3, 3), activation: .relu),
    ConvolutionCase(input: [2, 8, 8, 1], filters: 16, kernelSize: (3, 3), padding: .same),
    ConvolutionCase(input: [2, 12, 13, 1], filters: 48, kernelSize: (5, 5), activation: .relu),
    ConvolutionCase(input: [2, 11, 11, 1], filters: 32, kernelSize: (3, 3), strides: (2, 2), padding: .same,
                    useBias: false, activation: .relu),
]

private let instructionSets = VectorInstructions.allCases.filter(\.isSupported)

/// The activation's derivative from its output, written out independently of the library.
private func derivative(atOutput y: Float, _ activation: Activation) -> Float {
    switch activation {
    case .linear: return 1
    case .relu: return y > 0 ? 1 : 0
    case let .leakyReLU(slope): return y > 0 ? 1 : slope
    case .sigmoid: return y * (1 - y)
    case .tanh: return 1 - y * y
    }
}

/// A case's layer, geometry and kernels, with the scratch the kernels need for one thread.
private struct Setup {
    let layer: Conv2D
    let geometry: WindowGeometry
    let kernels: SingleChannelConvolution
    let scratch: Tensor

    init(_ testCase: ConvolutionCase, instructions: VectorInstructions) throws {
        layer = try testCase.makeLayer(seed: 11)
        geometry = try testCase.geometry()
        var kernels = layer.directPass(geometry: geometry)
        kernels.instructions = instructions
        self.kernels = kernels
        scratch = Tensor(shape: [max(1, kernels.scratchFloats)])
    }
}

@Suite("Single-channel convolution")
struct SingleChannelConvolutionTests {
    @Test("Applies to one input channel, 3×3 or 5×5 windows and whole groups of 16 filters")
    func applicability() throws {
        func geometry(_ shape: [Int], _ window: (Int, Int)) throws -> WindowGeometry {
            try WindowGeometry(layer: "test", inputShape: shape, window: window, strides: (1, 1), padding: .valid)
        }
        #expect(SingleChannelConvolution.applies(to: try geometry([28, 28, 1], (3, 3)), filters: 32))
        #expect(SingleChannelConvolution.applies(to: try geometry([28, 28, 1], (5, 5)), filters: 16))
        #expect(!SingleChannelConvolution.applies(to: try geometry([28, 28, 1], (3, 3)), filters: 8))
        #expect(!SingleChannelConvolution.applies(to: try geometry([28, 28, 1], (3, 2)), filters: 32))
        #expect(!SingleChannelConvolution.applies(to: try geometry([28, 28, 1], (7, 7)), filters: 32))
        #expect(!SingleChannelConvolution.applies(to: try geometry([28, 28, 3], (3, 3)), filters: 32))
        #expect(SingleChannelConvolution.fusesMaxPool(poolSize: (2, 2), strides: (2, 2), padding: .valid, after: .relu))
        #expect(!SingleChannelConvolution.fusesMaxPool(poolSize: (2, 2), strides: (1, 1), padding: .valid, after: .relu))
        #expect(!SingleChannelConvolution.fusesMaxPool(poolSize: (2, 2), strides: (2, 2), padding: .same, after: .relu))
        #expect(!SingleChannelConvolution.fusesMaxPool(poolSize: (3, 3), strides: (3, 3), padding: .valid, after: .relu))
        #expect(!SingleChannelConvolution.fusesMaxPool(poolSize: (2, 2), strides: (2, 2), padding: .valid, after: .tanh))
    }

    @Test("Forward matches a direct convolution", arguments: cases, instructionSets)
    fileprivate func forwardMatchesReference(_ testCase: ConvolutionCase, _ instructions: VectorInstructions) throws {
        let setup = try Setup(testCase, instructions: instructions)
        let x = Seeded.uniform(testCase.input, seed: 13)
        let y = Tensor(shape: [testCase.input[0], setup.geometry.outputHeight, setup.geometry.outputWidth, testCase.filters])
        setup.kernels.convolve(x.storage.pointer, outputRows: 0..<(y.shape[0] * y.shape[1]), into: y.storage.pointer,
                               scratch: setup.scratch.storage.pointer)
        expectClose(y, setup.layer.referenceOutput(x), absolute: 1e-5, relative: 1e-4)
    }

    @Test("Parameter gradients match their definition, with the activation's derivative", arguments: cases, instructionSets)
    fileprivate func gradientsMatchReference(_ testCase: ConvolutionCase, _ instructions: VectorInstructions) throws {
        let setup = try Setup(testCase, instructions: instructions)
        let x = Seeded.uniform(testCase.input, seed: 14)
        let y = setup.layer.referenceOutput(x)
        let dy = Seeded.uniform(y.shape, seed: 15)
        let dw = Tensor(shape: setup.layer.kernel.value.shape), db = Tensor(shape: [testCase.filters])
        dw.storage.pointer.update(repeating: .nan, count: dw.count)
        setup.kernels.parameterGradients(x.storage.pointer, outputGradient: dy.storage.pointer, output: y.storage.pointer,
                                         samples: 0..<testCase.input[0], kernelGradient: dw.storage.pointer,
                                         biasGradient: db.storage.pointer, scratch: setup.scratch.storage.pointer)
        let dz = Tensor(shape: y.shape, scalars: zip(dy.scalars, y.scalars).map { $0 * derivative(atOutput: $1, testCase.activation) })
        let expected = convolutionParameterGradientsReference(x, outputGradient: dz, geometry: setup.geometry)
        expectClose(dw, expected.kernel, absolute: 1e-4, relative: 1e-4)
        expectClose(db, expected.bias, absolute: 1e-4, relative: 1e-4)
    }

    @Test("With max pooling fused, the pooled output is the pooled convolution", arguments: poolingCases, instructionSets)
    fileprivate func pooledForwardMatchesReference(_ testCase: ConvolutionCase, _ instructions: VectorInstructions) throws {
        let setup = try Setup(testCase, instructions: instructions)
        let pool = try setup.layer.poolingGeometry
        let x = Seeded.uniform(testCase.input, seed: 16)
        let pooled = Tensor(shape: [testCase.input[0]] + pool.pooledSampleShape)
        let winners = [UInt8](unsafeUninitializedCapacity: pooled.count) { buffer, count in
            setup.kernels.convolveAndMaxPool(x.storage.pointer, pooledRows: 0..<(pooled.shape[0] * pooled.shape[1]),
                                             into: pooled.storage.pointer, winners: buffer.baseAddress!,
                                             scratch: setup.scratch.storage.pointer)
            count = pooled.count
        }
        expectClose(pooled, maxPoolReference(setup.layer.referenceOutput(x), geometry: pool), absolute: 1e-5, relative: 1e-4)
        #expect(winners.allSatisfy { $0 < 4 })
        #expect(Set(winners).count == 4)
    }

    @Test("With max pooling fused, the parameter gradients go through the pooling's winners",
          arguments: poolingCases, instructionSets)
    fileprivate func pooledGradientsMatchReference(_ testCase: ConvolutionCase, _ instructions: VectorInstructions) throws {
        let setup = try Setup(testCase, instructions: instructions)
        let pool = try setup.layer.poolingGeometry
        let x = Seeded.uniform(testCase.input, seed: 17)
        let pooled = Tensor(shape: [testCase.input[0]] + pool.pooledSampleShape)
        let dpooled = Seeded.uniform(pooled.shape, seed: 18)
        let dw = Tensor(shape: setup.layer.kernel.value.shape), db = Tensor(shape: [testCase.filters])
        var winners = [UInt8](repeating: 0, count: pooled.count)
        winners.withUnsafeMutableBufferPointer { winners in
            let samples = 0..<testCase.input[0]
            setup.kernels.convolveAndMaxPool(x.storage.pointer, pooledRows: 0..<(pooled.shape[0] * pooled.shape[1]),
                                             into: pooled.storage.pointer, winners: winners.baseAddress!,
                                             scratch: setup.scratch.storage.pointer)
            setup.kernels.maxPoolParameterGradients(
                x.storage.pointer, pooledGradient: dpooled.storage.pointer, pooled: pooled.storage.pointer,
                winners: winners.baseAddress!, samples: samples, kernelGradient: dw.storage.pointer,
                biasGradient: db.storage.pointer, scratch: setup.scratch.storage.pointer)
        }
        let y = setup.layer.referenceOutput(x)
        let dy = maxPoolBackwardReference(dpooled, input: y, geometry: pool)
        let dz = Tensor(shape: y.shape, scalars: zip(dy.scalars, y.scalars).map { $0 * derivative(atOutput: $1, testCase.activation) })
        let expected = convolutionParameterGradientsReference(x, outputGradient: dz, geometry: setup.geometry)
        expectClose(dw, expected.kernel, absolute: 1e-4, relative: 1e-4)
        expectClose(db, expected.bias, absolute: 1e-4, relative: 1e-4)
    }

    @Test("The kernel gradient agrees with the im2col path's, which also computes the input gradient")
    func agreesWithTheMatrixProductPath() throws {
        let testCase = ConvolutionCase(input: [4, 10, 9, 1], filters: 32, kernelSize: (3, 3), padding: .same,
                                       activation: .relu)
        let layer = try testCase.makeLayer(seed: 11)
        let x = Seeded.uniform(testCase.input, seed: 19)
        let dy = Seeded.uniform(layer.forward(x, training: true).shape, seed: 20)
        #expect(layer.backward(dy, needsInputGradient: false) == nil)
        let direct = (layer.kernel.gradient, layer.bias!.gradient)
        _ = layer.forward(x, training: true)
        _ = layer.backward(dy, needsInputGradient: true)
        expectClose(direct.0, layer.kernel.gradient, absolute: 1e-5, relative: 1e-4)
        expectClose(direct.1, layer.bias!.gradient, absolute: 1e-5, relative: 1e-4)
    }

    @Test("The kernels split rows without changing a result")
    func rangesCompose() throws {
        let setup = try Setup(ConvolutionCase(input: [3, 7, 7, 1], filters: 16, kernelSize: (3, 3), padding: .same,
                                              activation: .relu), instructions: .best)
        let x = Seeded.uniform([3, 7, 7, 1], seed: 21)
        let whole = Tensor(shape: [3, 7, 7, 16]), pieces = Tensor(shape: [3, 7, 7, 16])
        let scratch = setup.scratch.storage.pointer
        setup.kernels.convolve(x.storage.pointer, outputRows: 0..<21, into: whole.storage.pointer, scratch: scratch)
        for rows in [0..<5, 5..<6, 6..<21] {
            setup.kernels.convolve(x.storage.pointer, outputRows: rows, into: pieces.storage.pointer, scratch: scratch)
        }
        #expect(whole == pieces)
        #expect(whole.scalars.contains { $0 > 0 })
        let pooledWhole = Tensor(shape: [3, 3, 3, 16]), pooledPieces = Tensor(shape: [3, 3, 3, 16])
        var winners = [UInt8](repeating: 0, count: 2 * pooledWhole.count)
        winners.withUnsafeMutableBufferPointer { winners in
            let first = winners.baseAddress!, second = first + pooledWhole.count
            setup.kernels.convolveAndMaxPool(x.storage.pointer, pooledRows: 0..<9, into: pooledWhole.storage.pointer,
                                             winners: first, scratch: scratch)
            for rows in [0..<2, 2..<7, 7..<9] {
                setup.kernels.convolveAndMaxPool(x.storage.pointer, pooledRows: rows, into: pooledPieces.storage.pointer,
                                                 winners: second, scratch: scratch)
            }
        }
        #expect(pooledWhole == pooledPieces)
        #expect(winners[..<pooledWhole.count] == winners[pooledWhole.count...])
    }
}
