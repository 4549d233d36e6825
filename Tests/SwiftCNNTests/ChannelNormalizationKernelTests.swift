@testable import SwiftCNN
import Testing

// The batch-normalisation kernels, in every instruction set this CPU runs, against the naive reference
// (ChannelNormalizationReference.swift), bit for bit, with and without ReLU.

private let instructionSets = VectorInstructions.allCases.filter(\.isSupported)

/// Random `[rows, channels]` data and `[C]` vectors for one case: some scales negative, so that ReLU cuts
/// both sides of the mean.
private struct NormalizationCase: CustomTestStringConvertible {
    let rows: Int, channels: Int
    /// The rows the kernels are asked for: a slice that starts and ends inside the data.
    var slice: Range<Int> { 3..<(rows - 2) }
    let x: [Float], dy: [Float]
    let mean: [Float], scale: [Float], offset: [Float], centeredScale: [Float], shift: [Float]

    init(rows: Int, channels: Int) {
        self.rows = rows
        self.channels = channels
        var generator = Xoshiro256(seed: UInt64(rows * 100 + channels))
        func draw(_ count: Int, _ range: ClosedRange<Float>) -> [Float] {
            (0..<count).map { _ in Float.random(in: range, using: &generator) }
        }
        x = draw(rows * channels, -2...2)
        dy = draw(rows * channels, -1...1)
        mean = draw(channels, -0.5...0.5)
        scale = draw(channels, -1.5...2)
        offset = draw(channels, -0.5...0.5)
        centeredScale = draw(channels, -0.1...0.1)
        shift = draw(channels, -0.1...0.1)
    }

    var testDescription: String { "\(rows) rows × \(channels) channels" }
}

/// One channel (an image's pixels, the flat path), channel counts below, at and between multiples of 16.
private let cases = [(41, 1), (37, 3), (37, 16), (29, 32), (23, 40), (19, 64)].map(NormalizationCase.init)

private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }
private func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }

@Suite struct ChannelNormalizationKernelTests {
    @Test(arguments: cases)
    private func momentsAddTheReferenceSums(_ c: NormalizationCase) {
        var expectedSums = [Double](repeating: 0.5, count: c.channels), expectedSquares = expectedSums
        accumulateMomentsReference(c.x, rows: c.slice, channels: c.channels, sums: &expectedSums,
                                   squares: &expectedSquares)
        for instructions in instructionSets {
            var sums = [Double](repeating: 0.5, count: c.channels), squares = sums
            accumulateMoments(c.x, rows: c.slice, channels: c.channels, sums: &sums, squares: &squares,
                              instructions: instructions)
            #expect(bits(sums) == bits(expectedSums), "\(instructions)")
            #expect(bits(squares) == bits(expectedSquares), "\(instructions)")
        }
    }

    @Test(arguments: cases, [false, true])
    private func normalizingWritesTheReferenceRowsAndNoOthers(_ c: NormalizationCase, rectifying: Bool) {
        var expected = [Float](repeating: .nan, count: c.x.count)
        normalizeReference(c.x, rows: c.slice, channels: c.channels, mean: c.mean, scale: c.scale, offset: c.offset,
                           rectifying: rectifying, into: &expected)
        if rectifying { #expect(expected.contains(0) && expected.contains { $0 > 0 }) }
        for instructions in instructionSets {
            var y = [Float](repeating: .nan, count: c.x.count)
            normalize(c.x, rows: c.slice, channels: c.channels, mean: c.mean, scale: c.scale, offset: c.offset,
                      rectifying: rectifying, into: &y, instructions: instructions)
            #expect(bits(y) == bits(expected), "\(instructions)")
        }
    }

    @Test(arguments: cases, [false, true])
    private func backwardPassesMatchTheReference(_ c: NormalizationCase, rectifying: Bool) {
        var expectedSums = [Double](repeating: -0.25, count: c.channels), expectedProducts = expectedSums
        accumulateNormalizationGradientSumsReference(
            c.dy, c.x, rows: c.slice, channels: c.channels, mean: c.mean, scale: c.scale, offset: c.offset,
            rectifying: rectifying, gradientSums: &expectedSums, products: &expectedProducts)
        var expectedGradient = [Float](repeating: .nan, count: c.x.count)
        normalizationInputGradientReference(
            c.dy, c.x, rows: c.slice, channels: c.channels, mean: c.mean, scale: c.scale, offset: c.offset,
            rectifying: rectifying, centeredScale: c.centeredScale, shift: c.shift, into: &expectedGradient)
        for instructions in instructionSets {
            var sums = [Double](repeating: -0.25, count: c.channels), products = sums
            accumulateNormalizationGradientSums(
                c.dy, c.x, rows: c.slice, channels: c.channels, mean: c.mean, scale: c.scale, offset: c.offset,
                rectifying: rectifying, gradientSums: &sums, products: &products, instructions: instructions)
            #expect(bits(sums) == bits(expectedSums), "\(instructions)")
            #expect(bits(products) == bits(expectedProducts), "\(instructions)")
            var dx = [Float](repeating: .nan, count: c.x.count)
            normalizationInputGradient(
                c.dy, c.x, rows: c.slice, channels: c.channels, mean: c.mean, scale: c.scale, offset: c.offset,
                rectifying: rectifying, centeredScale: c.centeredScale, shift: c.shift, into: &dx,
                instructions: instructions)
            #expect(bits(dx) == bits(expectedGradient), "\(instructions)")
        }
    }

    /// Images of odd and even sizes (an odd one leaves a row or column out of every window), one and
    /// several groups of 16 channels.
    @Test(arguments: [(5, 7, 16), (6, 6, 32), (4, 5, 48)], [false, true])
    func normalizingAndPoolingMatchesTheReference(size: (height: Int, width: Int, channels: Int), rectifying: Bool) {
        let (height, width, channels) = size, images = 3
        let c = NormalizationCase(rows: images * height * width, channels: channels)
        let pooledCount = images * (height / 2) * (width / 2) * channels
        var expected = [Float](repeating: .nan, count: pooledCount)
        var expectedWinners = [UInt8](repeating: 9, count: pooledCount)
        normalizeAndMaxPoolReference(c.x, images: images, height: height, width: width, channels: channels,
                                     mean: c.mean, scale: c.scale, offset: c.offset, rectifying: rectifying,
                                     into: &expected, winners: &expectedWinners)
        #expect(Set(expectedWinners) == [0, 1, 2, 3])
        for instructions in instructionSets {
            var pooled = [Float](repeating: .nan, count: pooledCount)
            var winners = [UInt8](repeating: 9, count: pooledCount)
            // Image 0, then images 1 and 2, as two threads would take them.
            for range in [0..<1, 1..<3] {
                normalizeAndMaxPool(c.x, images: range, height: height, width: width, channels: channels,
                                    mean: c.mean, scale: c.scale, offset: c.offset, rectifying: rectifying,
                                    into: &pooled, winners: &winners, instructions: instructions)
            }
            #expect(bits(pooled) == bits(expected), "\(instructions)")
            #expect(winners == expectedWinners, "\(instructions)")
        }
    }

    /// The backward passes from a pooled gradient: the unpooled reference passes on the gradient the
    /// pooling scatters back, bit for bit, an image at a time.
    @Test(arguments: [(5, 7, 16), (6, 6, 32), (4, 5, 48)], [false, true])
    func maxPooledBackwardPassesMatchTheReference(size: (height: Int, width: Int, channels: Int), rectifying: Bool) {
        let (height, width, channels) = size, images = 3
        let c = NormalizationCase(rows: images * height * width, channels: channels)
        let pooledCount = images * (height / 2) * (width / 2) * channels
        var pooled = [Float](repeating: 0, count: pooledCount), winners = [UInt8](repeating: 0, count: pooledCount)
        normalizeAndMaxPoolReference(c.x, images: images, height: height, width: width, channels: channels,
                                     mean: c.mean, scale: c.scale, offset: c.offset, rectifying: rectifying,
                                     into: &pooled, winners: &winners)
        let dpooled = Array(c.dy[0..<pooledCount])
        let gradient = maxPooledGradientReference(dpooled, pooled: pooled, winners: winners, images: images,
                                                  height: height, width: width, channels: channels,
                                                  rectifying: rectifying)
        let imageRows = height * width
        var expectedSums = [Double](repeating: 0.5, count: channels), expectedProducts = expectedSums
        var expectedGradient = [Float](repeating: .nan, count: c.x.count)
        for image in 0..<images {
            let rows = image * imageRows..<(image + 1) * imageRows
            accumulateNormalizationGradientSumsReference(
                gradient, c.x, rows: rows, channels: channels, mean: c.mean, scale: c.scale, offset: c.offset,
                rectifying: false, gradientSums: &expectedSums, products: &expectedProducts)
            normalizationInputGradientReference(
                gradient, c.x, rows: rows, channels: channels, mean: c.mean, scale: c.scale, offset: c.offset,
                rectifying: false, centeredScale: c.centeredScale, shift: c.shift, into: &expectedGradient)
        }
        for instructions in instructionSets {
            var sums = [Double](repeating: 0.5, count: channels), products = sums
            var dx = [Float](repeating: .nan, count: c.x.count)
            for range in [0..<1, 1..<3] {
                accumulateMaxPooledNormalizationGradientSums(
                    dpooled, pooled: pooled, winners: winners, c.x, images: range, height: height, width: width,
                    channels: channels, mean: c.mean, rectifying: rectifying, gradientSums: &sums,
                    products: &products, instructions: instructions)
                maxPooledNormalizationInputGradient(
                    dpooled, pooled: pooled, winners: winners, c.x, images: range, height: height, width: width,
                    channels: channels, mean: c.mean, scale: c.scale, rectifying: rectifying,
                    centeredScale: c.centeredScale, shift: c.shift, into: &dx, instructions: instructions)
            }
            #expect(bits(sums) == bits(expectedSums), "\(instructions)")
            #expect(bits(products) == bits(expectedProducts), "\(instructions)")
            #expect(bits(dx) == bits(expectedGradient), "\(instructions)")
        }
    }

    /// One channel, x = [1, 3], mean 2, scale 0.5, offset 0: normalised [−0.5, 0.5], rectified [0, 0.5].
    /// dy = [4, 6] passes only the second: Σ g = 6, Σ g·(x − mean) = 6·1 = 6; with centredScale 1 and
    /// shift 0.25, dx = [0·0.5 − 1·1 + 0.25, 6·0.5 + 1·1 + 0.25] = [−0.75, 4.25]. A NaN stays NaN.
    @Test func aHandComputedRectifiedChannel() {
        for instructions in instructionSets {
            var y = [Float](repeating: 0, count: 3)
            normalize([1, 3, .nan], rows: 0..<3, channels: 1, mean: [2], scale: [0.5], offset: [0], rectifying: true,
                      into: &y, instructions: instructions)
            #expect(y[0..<2] == [0, 0.5] && y[2].isNaN, "\(instructions)")
            var sums: [Double] = [0], products: [Double] = [0]
            accumulateNormalizationGradientSums(
                [4, 6], [1, 3], rows: 0..<2, channels: 1, mean: [2], scale: [0.5], offset: [0], rectifying: true,
                gradientSums: &sums, products: &products, instructions: instructions)
            #expect(sums == [6] && products == [6], "\(instructions)")
            var dx: [Float] = [0, 0]
            normalizationInputGradient(
                [4, 6], [1, 3], rows: 0..<2, channels: 1, mean: [2], scale: [0.5], offset: [0], rectifying: true,
                centeredScale: [1], shift: [0.25], into: &dx, instructions: instructions)
            #expect(dx == [-0.75, 4.25], "\(instructions)")
        }
    }
}
