@testable import SwiftCNN
import Testing

// Adam's update kernel, in every instruction set this CPU runs, against the naive reference
// (AdamUpdateReference.swift), bit for bit. AdamTests checks the rule itself against hand-worked steps.

private let instructionSets = VectorInstructions.allCases.filter(\.isSupported)

private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

@Suite struct AdamUpdateKernelTests {
    /// Counts below, at and between multiples of 16, with and without weight decay; some moments start at
    /// zero and some gradients are zero, so that √0 and v = 0 are taken.
    @Test(arguments: [1, 15, 16, 37, 1000], [Float(0), 0.01])
    func kernelMatchesTheReference(count: Int, decay: Float) {
        var generator = Xoshiro256(seed: UInt64(count))
        func draw(_ range: ClosedRange<Float>) -> [Float] {
            (0..<count).map { $0 % 5 == 3 ? 0 : Float.random(in: range, using: &generator) }
        }
        let value = draw(-2...2), gradient = draw(-3...3), firstMoment = draw(-0.5...0.5)
        let secondMoment = draw(0...0.2)
        let coefficients = AdamCoefficients(rate: 0.0316, decay: decay, beta1Complement: 0.1,
                                            beta2Complement: 0.001, epsilon: 1e-7)
        var expectedValue = value, expectedFirst = firstMoment, expectedSecond = secondMoment
        adamUpdateReference(value: &expectedValue, gradient: gradient, firstMoment: &expectedFirst,
                            secondMoment: &expectedSecond, coefficients)
        #expect(expectedValue != value)
        for instructions in instructionSets {
            var p = value, m = firstMoment, v = secondMoment
            adamUpdate(value: &p, gradient: gradient, firstMoment: &m, secondMoment: &v,
                       elements: 0..<count, coefficients, instructions: instructions)
            #expect(bits(p) == bits(expectedValue), "\(instructions)")
            #expect(bits(m) == bits(expectedFirst), "\(instructions)")
            #expect(bits(v) == bits(expectedSecond), "\(instructions)")
        }
    }

    /// A slice updates its elements and leaves the rest alone.
    @Test func onlyTheGivenElementsChange() {
        let count = 50, elements = 3..<41
        let value = (0..<count).map { Float($0) / 10 }, gradient = [Float](repeating: 0.5, count: count)
        let coefficients = AdamCoefficients(rate: 0.1, decay: 0, beta1Complement: 0.1, beta2Complement: 0.001,
                                            epsilon: 1e-7)
        for instructions in instructionSets {
            var p = value, m = [Float](repeating: 0, count: count), v = m
            adamUpdate(value: &p, gradient: gradient, firstMoment: &m, secondMoment: &v, elements: elements,
                       coefficients, instructions: instructions)
            for i in 0..<count {
                // A first step moves by the rate times m / √v = 0.05 / √2.5e-4 ≈ 3.16, shortened by ε.
                let moved = elements.contains(i)
                #expect(abs(p[i] - (value[i] - (moved ? 0.1 * 0.05 / (0.0158114 + 1e-7) : 0))) <= 1e-5,
                        "\(instructions) element \(i)")
                #expect(m[i] == (moved ? 0.05 : 0), "\(instructions) element \(i)")
            }
        }
    }
}
