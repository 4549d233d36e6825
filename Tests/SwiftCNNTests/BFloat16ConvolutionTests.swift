import CVectorKernels
@testable import SwiftCNN
import TestSupport
import Testing

// The BF16 convolution kernel against the naive reference over BF16-rounded operands, and the layers
// that switch to it inside `Backend.withPrecision(.bfloat16)`. Tolerances as the FP32 kernel's tests: the
// kernel's products are exact in FP32 and only its order of summation differs from the reference's.

private let bfloat16 = Precision.bfloat16.isSupported

/// Even channel counts (the kernel's pairs never straddle a pixel), both filter groupings, strides,
/// padding, every activation kind.
private let cases: [ConvolutionCase] = [
    ConvolutionCase(input: [1, 13, 13, 32], filters: 64, kernelSize: (3, 3), activation: .relu),
    ConvolutionCase(input: [2, 9, 8, 6], filters: 48, kernelSize: (3, 3), strides: (2, 3), padding: .same,
                    activation: .relu),
    ConvolutionCase(input: [2, 10, 10, 8], filters: 32, kernelSize: (5, 5), strides: (2, 2), padding: .same,
                    useBias: false, activation: .tanh),
    ConvolutionCase(input: [3, 6, 17, 2], filters: 16, kernelSize: (2, 4), activation: .leakyReLU(slope: 0.1)),
    ConvolutionCase(input: [2, 5, 5, 24], filters: 32, kernelSize: (1, 1), activation: .sigmoid),
]

private let poolingCases: [ConvolutionCase] = [
    ConvolutionCase(input: [2, 13, 13, 32], filters: 64, kernelSize: (3, 3), activation: .relu),
    ConvolutionCase(input: [2, 9, 8, 6], filters: 48, kernelSize: (3, 3), padding: .same, activation: .relu),
    ConvolutionCase(input: [2, 12, 11, 4], filters: 32, kernelSize: (3, 3), strides: (2, 2), padding: .same,
                    useBias: false),
]

private func rounded(_ x: Tensor) -> Tensor { x.map(roundedToBFloat16) }

/// A case's layer and its BF16 kernel, with scratch for it.
private struct Setup {
    let layer: Conv2D
    let geometry: WindowGeometry
    let kernel: ChannelConvolution
    let packed = ScratchBuffer<UInt16>()
    let scratch: Tensor

    init(_ testCase: ConvolutionCase) throws {
        layer = try testCase.makeLayer(seed: 51)
        geometry = try testCase.geometry()
        let float32 = ChannelConvolution(geometry: geometry, filters: layer.filters,
                                         kernel: layer.kernel.value.storage.pointer,
                                         bias: layer.bias?.value.storage.pointer, activation: layer.activation)
        kernel = try #require(float32.inBFloat16(packingInto: packed))
        // NaN where the kernel does not write, so that a padding left unwritten shows in the output.
        scratch = Tensor(shape: [kernel.scratchFloats])
        scratch.storage.pointer.update(repeating: .nan, count: scratch.count)
    }

    /// The reference: the convolution of the rounded input and kernel, the bias and activation in FP32.
    func expected(_ x: Tensor) -> Tensor {
        convolutionReference(rounded(x), kernel: rounded(layer.kernel.value), bias: layer.bias?.value, geometry: geometry)
            .map { activate($0, layer.activation) }
    }

    func convolve(_ x: Tensor, pieces: [Range<Int>]? = nil) -> Tensor {
        let y = Tensor(shape: [x.shape[0], geometry.outputHeight, geometry.outputWidth, layer.filters])
        y.storage.pointer.update(repeating: .nan, count: y.count)
        for rows in pieces ?? [0..<(x.shape[0] * geometry.outputHeight)] {
            kernel.convolve(x.storage.pointer, outputRows: rows, into: y.storage.pointer, scratch: scratch.storage.pointer)
        }
        return y
    }
}

@Suite("BF16 convolution")
struct BFloat16ConvolutionTests {
    @Test("Rounds to the nearest BF16 value, ties to even, as vcvtneps2bf16 does", .enabled(if: bfloat16))
    func conversion() {
        // 1 + 2⁻⁸ lies halfway between 1 (even) and 1 + 2⁻⁷; 1 + 3·2⁻⁸ halfway between 1 + 2⁻⁷ and 1 + 2⁻⁶
        // (even); 65504 = 0x477FE000 rounds up to 2¹⁶; the largest float rounds to infinity.
        let values: [Float] = [1, 1 + 0x1p-8, 1 + 3 * 0x1p-8, 1 + 0x1p-8 + 0x1p-20, -2.5, 65504,
                               .greatestFiniteMagnitude, -.infinity, -0.0, 0x1p-140]
        let expected: [UInt16] = [0x3F80, 0x3F80, 0x3F82, 0x3F81, 0xC020, 0x4780, 0x7F80, 0xFF80, 0x8000, 0x0000]
        #expect(values.map(bfloat16Bits) == expected)
        #expect(roundedToBFloat16(.nan).isNaN)
        // 37 values: two whole vectors of 16 and a tail of 5.
        let random = Seeded.uniform([37], in: -100...100, seed: 52).scalars + values
        var converted = [UInt16](repeating: 0xFFFF, count: random.count)
        cnn_convert_to_bfloat16(random, random.count, &converted)
        #expect(converted == random.map(bfloat16Bits))
    }

    @Test("Packs each filter's two weights of a pair side by side", .enabled(if: bfloat16))
    func packing() {
        let (shared, filters) = (6, 32)
        let w = Seeded.uniform([shared * filters], in: -1...1, seed: 53).scalars
        var packed = [UInt16](repeating: 0, count: shared * filters)
        cnn_pack_bfloat16_kernel(w, Int32(shared), Int32(filters), &packed)
        for j in 0..<shared {
            for f in 0..<filters {
                #expect(packed[(j / 2) * 2 * filters + 2 * f + j % 2] == bfloat16Bits(w[j * filters + f]))
            }
        }
    }

    @Test("The forward pass is the convolution of the rounded operands", .enabled(if: bfloat16), arguments: cases)
    fileprivate func forwardMatchesReference(_ testCase: ConvolutionCase) throws {
        let setup = try Setup(testCase)
        let x = Seeded.uniform(testCase.input, in: -1...1, seed: 54)
        let y = setup.convolve(x), expected = setup.expected(x)
        expectClose(y, expected, absolute: 1e-5, relative: 1e-4)
        // It really multiplies in BF16: the FP32 convolution is much further away.
        let float32 = setup.layer.referenceOutput(x)
        #expect(maximumDifference(y, float32) > 20 * max(maximumDifference(y, expected), 1e-7))
    }

    @Test("Rows computed in pieces give the same bits", .enabled(if: bfloat16))
    func piecesCompose() throws {
        let setup = try Setup(ConvolutionCase(input: [3, 7, 7, 4], filters: 32, kernelSize: (3, 3), padding: .same,
                                              activation: .relu))
        let x = Seeded.uniform([3, 7, 7, 4], in: -1...1, seed: 55)
        #expect(setup.convolve(x) == setup.convolve(x, pieces: [0..<5, 5..<6, 6..<20, 20..<21]))
    }

    @Test("With max pooling fused, the pooled output is the pooled BF16 convolution", .enabled(if: bfloat16),
          arguments: poolingCases)
    fileprivate func pooledForwardMatchesReference(_ testCase: ConvolutionCase) throws {
        let setup = try Setup(testCase)
        let pool = try setup.layer.poolingGeometry
        let x = Seeded.uniform(testCase.input, in: -1...1, seed: 56)
        func pooled(_ pieces: [Range<Int>]) -> (Tensor, [UInt8]) {
            let pooled = Tensor(shape: [x.shape[0]] + pool.pooledSampleShape)
            let winners = [UInt8](unsafeUninitializedCapacity: pooled.count) { buffer, count in
                for rows in pieces {
                    setup.kernel.convolveAndMaxPool(x.storage.pointer, pooledRows: rows, into: pooled.storage.pointer,
                                                    winners: buffer.baseAddress!, scratch: setup.scratch.storage.pointer)
                }
                count = pooled.count
            }
            return (pooled, winners)
        }
        let rows = x.shape[0] * pool.outputHeight
        let (whole, winners) = pooled([0..<rows])
        let unpooled = setup.expected(x)
        expectClose(whole, maxPoolReference(unpooled, geometry: pool), absolute: 1e-5, relative: 1e-4)
        // Each winner is a cell holding the window's maximum.
        let (height, width, filters) = (pool.outputHeight, pool.outputWidth, setup.layer.filters)
        for index in 0..<whole.count {
            let f = index % filters, column = (index / filters) % width, row = (index / filters / width) % height
            let n = index / (filters * width * height), cell = Int(winners[index])
            let source = ((n * setup.geometry.outputHeight + 2 * row + cell / 2) * setup.geometry.outputWidth
                          + 2 * column + cell % 2) * filters + f
            let value = activate(unpooled.scalars[source], setup.layer.activation == .relu ? .relu : .linear)
            #expect(abs(value - whole.scalars[index]) <= 1e-5 + 1e-4 * abs(value))
        }
        let (pieces, piecesWinners) = pooled([0..<1, 1..<(rows - 1), (rows - 1)..<rows])
        #expect(pieces == whole && piecesWinners == winners)
    }

    /// Odd and even channel counts and output widths (an odd width leaves a pixel without a partner),
    /// strides, padding, and 20 samples of a 4×4 output, which take two calls of 16 and 4.
    static let kernelGradientCases = cases + [
        ConvolutionCase(input: [2, 7, 9, 3], filters: 16, kernelSize: (3, 3), padding: .same),
        ConvolutionCase(input: [2, 9, 8, 5], filters: 48, kernelSize: (3, 3), strides: (2, 3), padding: .same),
        ConvolutionCase(input: [20, 8, 8, 16], filters: 32, kernelSize: (5, 5), strides: (2, 2), padding: .same),
    ]

    @Test("The kernel gradient adds the sums of the rounded operands", .enabled(if: bfloat16),
          arguments: kernelGradientCases)
    fileprivate func kernelGradientMatchesReference(_ testCase: ConvolutionCase) throws {
        let layer = try testCase.makeLayer(seed: 62)
        let g = try testCase.geometry(), batch = testCase.input[0], filters = layer.filters
        let kernel = ChannelConvolution(geometry: g, filters: filters, kernel: layer.kernel.value.storage.pointer,
                                        bias: nil, activation: .linear).kernelGradient(in: .bfloat16)
        let x = Seeded.uniform(testCase.input, in: -1...1, seed: 63)
        let dz = Seeded.uniform([batch, g.outputHeight, g.outputWidth, filters], in: -1...1, seed: 64)
        let before = Seeded.uniform([g.windowHeight, g.windowWidth, g.channels, filters], in: -1...1, seed: 65)
        let dw = before.map { $0 }
        let scratch = Tensor(shape: [kernel.kernelGradientScratchFloats])
        scratch.storage.pointer.update(repeating: .nan, count: scratch.count)
        kernel.addKernelGradient(of: x.storage.pointer, samples: 0..<batch, outputGradient: dz.storage.pointer,
                                 to: dw.storage.pointer, scratch: scratch.storage.pointer)
        let sums = convolutionParameterGradientsReference(rounded(x), outputGradient: rounded(dz), geometry: g).kernel
        let expected = Tensor(shape: before.shape, scalars: zip(before.scalars, sums.scalars).map { $0 + $1 })
        expectClose(dw, expected, absolute: 1e-4, relative: 1e-4)
        let float32 = convolutionParameterGradientsReference(x, outputGradient: dz, geometry: g).kernel
        let float32Sums = Tensor(shape: before.shape, scalars: zip(before.scalars, float32.scalars).map { $0 + $1 })
        #expect(maximumDifference(dw, float32Sums) > 5 * max(maximumDifference(dw, expected), 1e-6))
    }

    @Test("Conv2D multiplies in BF16 inside withPrecision: its outputs and gradients are those of BF16 operands",
          .enabled(if: bfloat16))
    func layerPasses() throws {
        let layer = Conv2D(filters: 32, kernelSize: 3, padding: .same, algorithm: .direct)
        var generator = Seeded.generator(57)
        _ = try layer.build(inputShape: [9, 9, 16], generator: &generator)
        let x = Seeded.uniform([2, 9, 9, 16], in: -1...1, seed: 58)
        let dy = Seeded.uniform([2, 9, 9, 32], in: -1...1, seed: 59)
        let mixed = try Backend.withPrecision(.bfloat16) {
            (layer.forward(x, training: true).map { $0 }, try #require(layer.backward(dy, needsInputGradient: true)).map { $0 },
             layer.kernel.gradient.map { $0 })
        }
        #expect(Backend.precision == .float32)
        // With operands already BF16 values, rounding changes nothing, so FP32 gives the same up to the
        // order of summation.
        let exact = layer.kernel.value.map { $0 }
        layer.kernel.value = rounded(exact)
        let y = layer.forward(rounded(x), training: true)
        let dx = try #require(layer.backward(rounded(dy), needsInputGradient: true))
        expectClose(mixed.0, y, absolute: 1e-5, relative: 1e-4)
        expectClose(mixed.1, dx, absolute: 1e-5, relative: 1e-4)
        expectClose(mixed.2, layer.kernel.gradient, absolute: 1e-4, relative: 1e-4)
        layer.kernel.value = exact
        #expect(maximumDifference(mixed.0, layer.forward(x, training: false)) > 1e-3)
    }

    @Test("Where the BF16 kernel does not apply (an odd channel count), the pass stays FP32 to the bit",
          .enabled(if: bfloat16))
    func oddChannelsStayFloat32() throws {
        let layer = try ConvolutionCase(input: [2, 8, 8, 3], filters: 16, kernelSize: (3, 3), activation: .relu)
            .makeLayer(seed: 60)
        let x = Seeded.uniform([2, 8, 8, 3], in: -1...1, seed: 61)
        let float32 = layer.forward(x, training: false).map { $0 }
        #expect(Backend.withPrecision(.bfloat16) { layer.forward(x, training: false) } == float32)
    }

    @Test("Without AVX512_BF16, asking for BF16 leaves FP32", .enabled(if: !bfloat16))
    func unsupportedStaysFloat32() {
        #expect(Backend.withPrecision(.bfloat16) { Backend.precision } == .float32)
    }
}
