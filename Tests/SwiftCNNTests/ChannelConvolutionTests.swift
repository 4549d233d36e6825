@testable import SwiftCNN
import TestSupport
import Testing

// The several-channel direct kernel, in every instruction set this CPU runs, against the naive reference.

private let cases: [ConvolutionCase] = [
    // The reference CNN's second convolution, one image: 11 pixels a row, so one tile of 6 or 8 and a
    // shorter one.
    ConvolutionCase(input: [1, 13, 13, 32], filters: 64, kernelSize: (3, 3), activation: .relu),
    ConvolutionCase(input: [2, 7, 9, 3], filters: 16, kernelSize: (3, 3), padding: .same),
    // 48 filters: a 32-filter group, then a 16-filter one where the kernel computes 32 at a time.
    ConvolutionCase(input: [2, 9, 8, 5], filters: 48, kernelSize: (3, 3), strides: (2, 3), padding: .same,
                    activation: .relu),
    ConvolutionCase(input: [2, 10, 10, 8], filters: 32, kernelSize: (5, 5), strides: (2, 2), padding: .same,
                    useBias: false, activation: .tanh),
    ConvolutionCase(input: [3, 6, 17, 2], filters: 16, kernelSize: (2, 4), activation: .leakyReLU(slope: 0.1)),
    ConvolutionCase(input: [2, 5, 5, 24], filters: 32, kernelSize: (1, 1), activation: .sigmoid),
]

/// Convolutions that 2×2 max pooling follows: odd and even output sizes, so that some windows leave a row
/// or column out; both filter groupings; strides and padding; more windows than one block of tiles.
private let poolingCases: [ConvolutionCase] = [
    ConvolutionCase(input: [2, 13, 13, 32], filters: 64, kernelSize: (3, 3), activation: .relu),
    ConvolutionCase(input: [2, 9, 8, 5], filters: 48, kernelSize: (3, 3), padding: .same, activation: .relu),
    ConvolutionCase(input: [2, 12, 11, 4], filters: 32, kernelSize: (3, 3), strides: (2, 2), padding: .same,
                    useBias: false),
    ConvolutionCase(input: [1, 20, 21, 3], filters: 16, kernelSize: (5, 5), activation: .relu),
]

private let instructionSets = VectorInstructions.allCases.filter(\.isSupported)

private struct Setup {
    let layer: Conv2D
    let geometry: WindowGeometry
    let kernel: ChannelConvolution
    let scratch: Tensor

    init(_ testCase: ConvolutionCase, instructions: VectorInstructions) throws {
        layer = try testCase.makeLayer(seed: 31)
        geometry = try testCase.geometry()
        kernel = ChannelConvolution(geometry: geometry, filters: layer.filters, kernel: layer.kernel.value.storage.pointer,
                                    bias: layer.bias?.value.storage.pointer, activation: layer.activation,
                                    instructions: instructions)
        scratch = Tensor(shape: [max(1, kernel.scratchFloats)])
    }

    func outputTensor(batch: Int) -> Tensor {
        Tensor(shape: [batch, geometry.outputHeight, geometry.outputWidth, layer.filters])
    }

    /// The pooled output and winners of `x` by the fused kernel, its rows computed in the pieces `split`.
    func pooled(_ x: Tensor, split: [Range<Int>]? = nil) throws -> (Tensor, [UInt8]) {
        convolveAndMaxPool(kernel, x, pooling: try layer.poolingGeometry, scratch: scratch, split: split)
    }
}

@Suite("Several-channel direct convolution")
struct ChannelConvolutionTests {
    @Test("Applies to several input channels and whole groups of 16 filters")
    func applicability() throws {
        func geometry(_ shape: [Int]) throws -> WindowGeometry {
            try WindowGeometry(layer: "test", inputShape: shape, window: (3, 3), strides: (1, 1), padding: .valid)
        }
        #expect(ChannelConvolution.applies(to: try geometry([13, 13, 32]), filters: 64))
        #expect(ChannelConvolution.applies(to: try geometry([13, 13, 2]), filters: 16))
        #expect(!ChannelConvolution.applies(to: try geometry([13, 13, 32]), filters: 10))
        #expect(!ChannelConvolution.applies(to: try geometry([28, 28, 1]), filters: 32))
    }

    @Test("Forward matches a direct convolution", arguments: cases, instructionSets)
    fileprivate func forwardMatchesReference(_ testCase: ConvolutionCase, _ instructions: VectorInstructions) throws {
        let setup = try Setup(testCase, instructions: instructions)
        let x = Seeded.uniform(testCase.input, seed: 33)
        let y = setup.outputTensor(batch: testCase.input[0])
        setup.kernel.convolve(x.storage.pointer, outputRows: 0..<(y.shape[0] * y.shape[1]), into: y.storage.pointer,
                              scratch: setup.scratch.storage.pointer)
        let expected = convolutionReference(x, kernel: setup.layer.kernel.value, bias: setup.layer.bias?.value,
                                            geometry: setup.geometry).map { activate($0, testCase.activation) }
        expectClose(y, expected, absolute: 1e-5, relative: 1e-4)
    }

    @Test("The kernel splits rows without changing a result")
    func rangesCompose() throws {
        let setup = try Setup(ConvolutionCase(input: [3, 7, 7, 4], filters: 32, kernelSize: (3, 3), padding: .same,
                                              activation: .relu), instructions: .best)
        let x = Seeded.uniform([3, 7, 7, 4], in: -1...1, seed: 34)
        let whole = setup.outputTensor(batch: 3), pieces = setup.outputTensor(batch: 3)
        let scratch = setup.scratch.storage.pointer
        setup.kernel.convolve(x.storage.pointer, outputRows: 0..<21, into: whole.storage.pointer, scratch: scratch)
        for rows in [0..<5, 5..<6, 6..<21] {
            setup.kernel.convolve(x.storage.pointer, outputRows: rows, into: pieces.storage.pointer, scratch: scratch)
        }
        #expect(whole == pieces)
        #expect(whole.scalars.contains { $0 > 0 } && whole.scalars.contains { $0 == 0 })
    }

    @Test("Conv2D's direct algorithm gives the matrix product's outputs and gradients",
          arguments: [Conv2D.Algorithm.direct, .automatic], [8, 16])
    func layerAlgorithms(_ algorithm: Conv2D.Algorithm, channels: Int) throws {
        func layer(_ algorithm: Conv2D.Algorithm) throws -> Conv2D {
            let layer = Conv2D(filters: 32, kernelSize: 3, padding: .same, activation: .relu, algorithm: algorithm)
            var generator = Seeded.generator(35)
            _ = try layer.build(inputShape: [9, 9, channels], generator: &generator)
            layer.bias!.value = Seeded.uniform([32], in: -0.5...0.5, seed: 36)
            return layer
        }
        let direct = try layer(algorithm), product = try layer(.matrixProduct)
        for batch in [1, 2] {
            let x = Seeded.uniform([batch, 9, 9, channels], seed: 37)
            expectClose(direct.forward(x, training: false), product.forward(x, training: false), absolute: 1e-5, relative: 1e-4)
            expectClose(direct.forward(x, training: true), product.forward(x, training: true), absolute: 1e-5, relative: 1e-4)
            let dy = Seeded.uniform([batch, 9, 9, 32], in: -1...1, seed: 38)
            let dx = try #require(direct.backward(dy, needsInputGradient: true))
            expectClose(dx, try #require(product.backward(dy, needsInputGradient: true)), absolute: 1e-5, relative: 1e-4)
            expectClose(direct.kernel.gradient, product.kernel.gradient, absolute: 1e-5, relative: 1e-4)
        }
    }

    /// The forward cases, and a 4×4 output whose 16 pixels make the kernel take 16 samples a call, so
    /// that 20 samples take two calls.
    static let kernelGradientCases = cases + [
        ConvolutionCase(input: [20, 8, 8, 16], filters: 32, kernelSize: (5, 5), strides: (2, 2), padding: .same),
    ]

    @Test("The kernel gradient adds the sums of its definition to the gradient", arguments: kernelGradientCases, instructionSets)
    fileprivate func kernelGradientMatchesReference(_ testCase: ConvolutionCase, _ instructions: VectorInstructions) throws {
        let setup = try Setup(testCase, instructions: instructions)
        let g = setup.geometry, batch = testCase.input[0], filters = setup.layer.filters
        let x = Seeded.uniform(testCase.input, in: -1...1, seed: 42)
        let dz = Seeded.uniform([batch, g.outputHeight, g.outputWidth, filters], in: -1...1, seed: 43)
        let before = Seeded.uniform([g.windowHeight, g.windowWidth, g.channels, filters], in: -1...1, seed: 44)
        let dw = Tensor(shape: before.shape)
        dw.storage.pointer.update(from: before.storage.pointer, count: before.count)
        let scratch = Tensor(shape: [max(1, setup.kernel.kernelGradientScratchFloats)])
        setup.kernel.addKernelGradient(of: x.storage.pointer, samples: 0..<batch, outputGradient: dz.storage.pointer,
                                       to: dw.storage.pointer, scratch: scratch.storage.pointer)
        let sums = convolutionParameterGradientsReference(x, outputGradient: dz, geometry: g).kernel
        expectClose(dw.scalars, zip(before.scalars, sums.scalars).map { $0 + $1 }, absolute: 1e-4, relative: 1e-4)
    }

    /// Input-gradient cases: stride 1 and a multiple of 16 input channels, with each kind of padding.
    static let gradientCases: [ConvolutionCase] = [
        ConvolutionCase(input: [2, 8, 9, 16], filters: 32, kernelSize: (3, 3)),
        ConvolutionCase(input: [2, 7, 7, 32], filters: 16, kernelSize: (3, 3), padding: .same),
        ConvolutionCase(input: [1, 9, 8, 16], filters: 24, kernelSize: (5, 5), padding: .same),
        ConvolutionCase(input: [2, 6, 9, 16], filters: 8, kernelSize: (2, 4), padding: .same),
        ConvolutionCase(input: [2, 5, 5, 16], filters: 32, kernelSize: (1, 1)),
    ]

    @Test("The input gradient is the adjoint of the convolution: ⟨conv(x), dz⟩ = ⟨x, dx⟩", arguments: gradientCases)
    fileprivate func inputGradientIsTheAdjoint(_ testCase: ConvolutionCase) throws {
        let layer = try testCase.makeLayer(seed: 39)
        let g = try testCase.geometry()
        let flipped = Tensor(shape: [g.patchLength * layer.filters])
        let geometry = try #require(ChannelConvolution.inputGradientGeometry(of: g, filters: layer.filters))
        let transposed = try #require(ChannelConvolution.inputGradient(
            over: geometry, channels: g.channels, kernel: layer.kernel.value.storage.pointer, flipped: flipped.storage.pointer))
        let batch = testCase.input[0]
        let x = Seeded.uniform(testCase.input, in: -1...1, seed: 40)
        let dz = Seeded.uniform([batch, g.outputHeight, g.outputWidth, layer.filters], in: -1...1, seed: 41)
        let dx = Tensor(shape: testCase.input), scratch = Tensor(shape: [max(1, transposed.scratchFloats)])
        transposed.convolve(dz.storage.pointer, outputRows: 0..<(batch * g.inputHeight), into: dx.storage.pointer,
                            scratch: scratch.storage.pointer)
        let y = convolutionReference(x, kernel: layer.kernel.value, bias: nil, geometry: g)
        func dot(_ a: Tensor, _ b: Tensor) -> Double { zip(a.scalars, b.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        expectClose(Float(dot(x, dx)), Float(dot(y, dz)), relative: 1e-4)
        #expect(dot(x, dx) != 0)
    }

    @Test("No direct input gradient for strides above 1 or input channels not a multiple of 16")
    func inputGradientApplicability() throws {
        let kernel = Tensor(shape: [3 * 3 * 32 * 16]), flipped = Tensor(shape: [3 * 3 * 32 * 16])
        func transposed(_ shape: [Int], strides: (Int, Int)) throws -> ChannelConvolution? {
            let g = try WindowGeometry(layer: "test", inputShape: shape, window: (3, 3), strides: strides, padding: .same)
            guard let geometry = ChannelConvolution.inputGradientGeometry(of: g, filters: 16) else { return nil }
            return ChannelConvolution.inputGradient(over: geometry, channels: g.channels, kernel: kernel.storage.pointer,
                                                    flipped: flipped.storage.pointer)
        }
        #expect(try transposed([8, 8, 32], strides: (1, 1)) != nil)
        #expect(try transposed([8, 8, 32], strides: (2, 2)) == nil)
        #expect(try transposed([8, 8, 24], strides: (1, 1)) == nil)
    }

    @Test("With max pooling fused, the pooled output is the pooled convolution", arguments: poolingCases, instructionSets)
    fileprivate func pooledForwardMatchesReference(_ testCase: ConvolutionCase, _ instructions: VectorInstructions) throws {
        let setup = try Setup(testCase, instructions: instructions)
        let x = Seeded.uniform(testCase.input, in: -1...1, seed: 42)
        let (pooled, winners) = try setup.pooled(x)
        expectClose(pooled, maxPoolReference(setup.layer.referenceOutput(x), geometry: try setup.layer.poolingGeometry),
                    absolute: 1e-5, relative: 1e-4)
        #expect(Set(winners) == [0, 1, 2, 3])
        let rows = testCase.input[0] * (try setup.layer.poolingGeometry).outputHeight
        let (pieces, piecesWinners) = try setup.pooled(x, split: [0..<1, 1..<(rows - 1), (rows - 1)..<rows])
        #expect(pieces == pooled && piecesWinners == winners)
    }

    @Test("The pooled gradient goes to each window's winner, through ReLU's derivative, and nowhere else",
          arguments: [Activation.relu, .linear], [[2, 13, 12, 8], [1, 9, 9, 16]])
    func scatterMatchesReference(_ activation: Activation, input: [Int]) throws {
        let setup = try Setup(ConvolutionCase(input: input, filters: 32, kernelSize: (3, 3), activation: activation),
                              instructions: .best)
        let x = Seeded.uniform(input, in: -1...1, seed: 43)
        let (pooled, winners) = try setup.pooled(x)
        let dpooled = Seeded.uniform(pooled.shape, in: -1...1, seed: 44)
        let y = setup.layer.referenceOutput(x)
        let routed = maxPoolBackwardReference(dpooled, input: y, geometry: try setup.layer.poolingGeometry)
        let expected = Tensor(shape: y.shape, scalars: zip(routed.scalars, y.scalars).map {
            activation == .relu && $1 <= 0 ? 0 : $0
        })
        #expect(expected.scalars.contains { $0 != 0 })
        let g = setup.geometry
        for instructions in instructionSets {
            let dz = setup.outputTensor(batch: input[0])
            dz.storage.pointer.update(repeating: .nan, count: dz.count)
            winners.withUnsafeBufferPointer { winners in
                scatterMaxPoolGradient(dpooled.storage.pointer, pooled: pooled.storage.pointer, winners: winners.baseAddress!,
                                       relu: activation == .relu, outputHeight: g.outputHeight, outputWidth: g.outputWidth,
                                       filters: 32, samples: 0..<input[0], into: dz.storage.pointer, instructions: instructions)
            }
            #expect(dz == expected, "\(instructions)")
        }
    }
}
