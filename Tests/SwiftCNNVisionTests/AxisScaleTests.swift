@testable import SwiftCNNVision
import Testing

/// Round axis ranges and ticks for the training curves.
struct AxisScaleTests {
    @Test func roundsTheRangeOutwardToNiceSteps() {
        let scale = AxisScale(covering: [0.083, 0.47], includingZero: true)
        // 0.47 / 4 ticks ≈ 0.12, rounded up to 0.2.
        #expect(scale.step == 0.2)
        #expect(scale.lower == 0 && abs(scale.upper - 0.6) < 1e-12)
        #expect(scale.ticks.count == 4)
        #expect(scale.decimals == 1)
    }

    @Test func picksStepsOfTwoAndAHalf() {
        let scale = AxisScale(covering: [0.9, 0.99])
        #expect(abs(scale.step - 0.025) < 1e-12)
        #expect(abs(scale.lower - 0.9) < 1e-9 && abs(scale.upper - 1) < 1e-9)
        #expect(scale.decimals == 3)
    }

    @Test func givesAFlatSeriesARange() {
        let scale = AxisScale(covering: [2, 2])
        #expect(scale.lower < 2 && scale.upper > 2)
    }

    @Test func ticksEpochsAtRoundNumbers() {
        #expect(AxisScale(integersFrom: 1, to: 3).ticks == [1, 2, 3])
        #expect(AxisScale(integersFrom: 1, to: 20).ticks == [1, 5, 10, 15, 20])
        #expect(AxisScale(integersFrom: 1, to: 12).ticks == [2, 4, 6, 8, 10, 12])
        let single = AxisScale(integersFrom: 1, to: 1)
        #expect(single.ticks == [1] && single.lower == 0.5 && single.upper == 1.5)
    }

    @Test func mapsValuesLinearly() {
        let scale = AxisScale(covering: [0, 10])
        #expect(scale.position(of: 5, from: 100, to: 0) == 50)
    }
}
