import Foundation
import SwiftCNN
import Testing

@Suite struct Xoshiro256Tests {
    /// From `References/xoshiro256.py`, an independent implementation of xoshiro256** seeded by SplitMix64.
    @Test func matchesTheReferenceImplementation() {
        var generator = Xoshiro256(seed: 42)
        let outputs = (0..<5).map { _ in generator.next() }
        #expect(outputs == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1,
                            0xECB8_AD47_03B3_60A1, 0xFDE6_DC7F_E2EC_5E64])
        var floats = Xoshiro256(seed: 42)
        #expect((0..<5).map { _ in floats.nextUnitFloat() }
                == [0.08386296033859253, 0.37898021936416626, 0.6800433993339539, 0.9246929287910461, 0.9918038845062256])
    }

    /// From `References/xoshiro256.py`, which finds the 2¹²⁸ jump by squaring the step's GF(2) matrix.
    @Test func jumpMatchesTheMatrixPowerReference() {
        var generator = Xoshiro256(seed: 42)
        generator.jump()
        #expect((0..<5).map { _ in generator.next() }
                == [0x5008_6EF8_3CBF_4F4A, 0xBA28_5EC2_1347_D703, 0x5EA1_247B_4DC6_452A,
                    0x03A5_C664_2470_2131, 0x7736_9F9F_1244_9A8B])
        var copy = Xoshiro256(seed: 42).jumped()
        #expect(copy.next() == 0x5008_6EF8_3CBF_4F4A)
    }

    @Test func sameSeedSameTensorsDifferentSeedDifferentTensors() {
        var first = Xoshiro256(seed: 7), second = Xoshiro256(seed: 7), other = Xoshiro256(seed: 8)
        let a = Tensor(randomNormal: [100], using: &first)
        #expect(a == Tensor(randomNormal: [100], using: &second))
        #expect(a != Tensor(randomNormal: [100], using: &other))
    }

    @Test func savedStateContinuesTheSequence() throws {
        var generator = Xoshiro256(seed: 3)
        _ = generator.next()
        var restored = Xoshiro256(state: generator.state)
        #expect((0..<10).map { _ in generator.next() } == (0..<10).map { _ in restored.next() })
        let encoded = try JSONEncoder().encode(generator)
        var decoded = try JSONDecoder().decode(Xoshiro256.self, from: encoded)
        #expect(decoded.next() == generator.next())
    }

    @Test func distributionsHaveTheirMoments() {
        var generator = Xoshiro256(seed: 11)
        let normal = Tensor(randomNormal: [100_000], mean: 2, standardDeviation: 3, using: &generator)
        let mean = normal.mean()
        let variance = ((normal - mean) * (normal - mean)).mean()
        #expect(abs(mean - 2) < 0.05)
        #expect(abs(variance.squareRoot() - 3) < 0.05)
        let uniform = Tensor(randomUniform: [100_000], in: -2...4, using: &generator)
        #expect(uniform.scalars.allSatisfy { $0 >= -2 && $0 < 4 })
        #expect(abs(uniform.mean() - 1) < 0.05)
    }

    @Test func initialisersUseTheirLimits() {
        var generator = Xoshiro256(seed: 5)
        let glorot = Initializer.glorotUniform.tensor(shape: [3, 3, 1, 32], fanIn: 9, fanOut: 288, using: &generator)
        let limit = (6 / Float(9 + 288)).squareRoot()
        #expect(glorot.scalars.allSatisfy { abs($0) <= limit })
        #expect(glorot.max() > 0.9 * limit, "values should fill the range")
        let he = Initializer.heNormal.tensor(shape: [10_000], fanIn: 50, fanOut: 1, using: &generator)
        let std = ((he * he).mean()).squareRoot()
        #expect(abs(std - (2 / Float(50)).squareRoot()) < 0.01)
    }
}
