import SwiftCNN
import TestSupport
import Testing

@Suite struct DropoutTests {
    @Test func inferenceIsTheIdentity() {
        let layer = Dropout(rate: 0.5, seed: 1)
        let x = Seeded.uniform([4, 6], seed: 41)
        #expect(layer.forward(x, training: false) == x)
        #expect(layer.generator == Xoshiro256(seed: 1), "inference draws nothing")
    }

    @Test func trainingKeepsAboutOneMinusRateScaledUp() {
        let layer = Dropout(rate: 0.3, seed: 2)
        let y = layer.forward(Tensor(shape: [100, 100], repeating: 2), training: true)
        let kept = y.scalars.filter { $0 != 0 }
        // 10,000 draws: the kept fraction has a standard deviation of √(0.3·0.7/10⁴) ≈ 0.0046.
        #expect(abs(Double(kept.count) / 10_000 - 0.7) < 0.02)
        #expect(kept.allSatisfy { $0 == 2 / Float(0.7) })
    }

    @Test func theSameSeedGivesTheSameMasks() {
        let x = Tensor(shape: [8, 16], repeating: 1)
        let a = Dropout(rate: 0.5, seed: 3), b = Dropout(rate: 0.5, seed: 3)
        let first = a.forward(x, training: true)
        #expect(first == b.forward(x, training: true))
        #expect(a.forward(x, training: true) != first, "each training call draws a new mask")
        #expect(Dropout(rate: 0.5, seed: 4).forward(x, training: true) != first)
    }

    @Test func restoringTheGeneratorRepeatsTheMask() {
        let layer = Dropout(rate: 0.4, seed: 5)
        let x = Seeded.uniform([5, 7], seed: 42)
        _ = layer.forward(x, training: true)
        let saved = layer.generator
        let next = layer.forward(x, training: true)
        layer.generator = Xoshiro256(state: saved.state)
        #expect(layer.forward(x, training: true) == next)
    }

    @Test func backwardUsesTheMaskOfTheLastForwardCall() {
        let layer = Dropout(rate: 0.5, seed: 6)
        // With an input of ones the output is the mask itself: 0 or 2.
        let mask = layer.forward(Tensor(shape: [6, 10], repeating: 1), training: true)
        #expect(mask.scalars.allSatisfy { $0 == 0 || $0 == 2 })
        let dy = Seeded.uniform([6, 10], seed: 43)
        #expect(layer.backward(dy) == dy * mask)
        #expect(layer.backward(dy, needsInputGradient: false) == nil)
    }

    /// The mask follows its documented rule, computed here one draw at a time: the chunk's generator is
    /// seeded with the layer's next number (plus the chunk's index, 0 for so few elements), and each 64-bit
    /// number gives two elements their 24-bit draws u, kept (scaled by 1 / (1 − rate)) where u ≥ ⌈rate · 2²⁴⌉.
    /// An odd count takes the last element's draw from a number of its own.
    @Test(arguments: [Float(0.25), 0.5, 0.3])
    func theMaskFollowsItsRule(rate: Float) {
        let layer = Dropout(rate: rate, seed: 10)
        var layerGenerator = layer.generator
        var generator = Xoshiro256(seed: layerGenerator.next())
        let threshold = UInt64((rate * 0x1p24).rounded(.up))
        var expected = [Float]()
        while expected.count < 35 {
            let bits = generator.next()
            for u in [bits >> 40, (bits >> 16) & 0xFF_FFFF] where expected.count < 35 {
                expected.append(u >= threshold ? 1 / (1 - rate) : 0)
            }
        }
        let mask = layer.forward(Tensor(shape: [7, 5], repeating: 1), training: true)
        #expect(mask.scalars.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(expected.contains(0) && expected.contains { $0 > 1 })
    }

    @Test func gradientsWithAFixedMaskMatchFiniteDifferences() {
        let layer = Dropout(rate: 0.3, seed: 7)
        let x = Seeded.uniform([4, 5], seed: 44), r = Seeded.uniform([4, 5], seed: 45)
        let start = layer.generator
        // Every evaluation starts from the same generator state, so every one uses the same mask.
        func loss(_ input: Tensor) -> Double {
            layer.generator = start
            let y = layer.forward(input, training: true)
            return zip(y.scalars, r.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let numeric = numericalGradient(of: loss, at: x)
        _ = loss(x)
        expectClose(layer.backward(r), numeric, absolute: 1e-3, relative: 1e-3)
    }

    @Test func rateZeroIsTheIdentityInTraining() {
        let layer = Dropout(rate: 0, seed: 8)
        let x = Seeded.uniform([3, 3], seed: 46)
        #expect(layer.forward(x, training: true) == x)
        #expect(layer.backward(x) == x)
    }

    @Test func configurationIsReadable() throws {
        let layer = Dropout(rate: 0.25, seed: 9)
        #expect(layer.rate == 0.25 && layer.seed == 9 && layer.name == "dropout" && layer.parameters.isEmpty)
        var generator = Seeded.generator()
        #expect(try layer.build(inputShape: [3, 3, 2], generator: &generator) == [3, 3, 2])
    }
}
