import SwiftCNN
import TestSupport
import Testing

private func rate(_ schedule: LearningRateSchedule, step: Int, stepsPerEpoch: Int = 10, totalSteps: Int) -> Float {
    schedule.learningRate(at: TrainingProgress(step: step, stepsPerEpoch: stepsPerEpoch, totalSteps: totalSteps))
}

@Suite struct LearningRateScheduleTests {
    @Test func constantNeverChanges() {
        #expect(rate(ConstantLearningRate(0.003), step: 0, totalSteps: 50) == 0.003)
        #expect(rate(ConstantLearningRate(0.003), step: 49, totalSteps: 50) == 0.003)
    }

    @Test func stepDecayHalvesEveryTwoEpochs() {
        let schedule = StepDecay(initialLearningRate: 1, decayFactor: 0.5, epochsPerDecay: 2)
        // Epochs 0–1 (steps 0–19) at 1, epochs 2–3 at 0.5, epoch 4 at 0.25.
        #expect(rate(schedule, step: 0, totalSteps: 50) == 1)
        #expect(rate(schedule, step: 19, totalSteps: 50) == 1)
        #expect(rate(schedule, step: 20, totalSteps: 50) == 0.5)
        #expect(rate(schedule, step: 45, totalSteps: 50) == 0.25)
    }

    @Test func cosineDecayWarmsUpThenFollowsAHalfCosine() {
        // 10 steps per epoch, one epoch of warm-up, 30 steps: warm-up over steps 0–9, decay over 10–30.
        let schedule = CosineDecay(peakLearningRate: 1, finalLearningRate: 0.1, warmupEpochs: 1)
        expectClose(rate(schedule, step: 0, totalSteps: 30), 0)
        expectClose(rate(schedule, step: 5, totalSteps: 30), 0.5)
        expectClose(rate(schedule, step: 10, totalSteps: 30), 1)
        // Halfway through the decay: 0.1 + 0.9·(1 + cos(π/2))/2 = 0.55.
        expectClose(rate(schedule, step: 20, totalSteps: 30), 0.55)
        // Step 29, 19/20 of the way: 0.1 + 0.9·(1 + cos(0.95π))/2 = 0.1055402.
        expectClose(rate(schedule, step: 29, totalSteps: 30), 0.1055402)
        expectClose(rate(schedule, step: 30, totalSteps: 30), 0.1)
    }

    @Test func cosineDecayWithoutWarmupStartsAtThePeak() {
        let schedule = CosineDecay(peakLearningRate: 2e-3)
        expectClose(rate(schedule, step: 0, totalSteps: 100), 2e-3)
        expectClose(rate(schedule, step: 50, totalSteps: 100), 1e-3)
    }

    @Test func oneCycleMatchesPyTorchOneCycleLR() {
        // max 1, pct_start 0.3, div 25, final div 1e4, 70 steps: PyTorch's rise ends at step
        // 0.3·70 − 1 = 20 and the fall at step 69. Start 1/25 = 0.04, end 0.04/1e4 = 4e-6.
        let schedule = OneCycle(maximumLearningRate: 1)
        expectClose(rate(schedule, step: 0, totalSteps: 70), 0.04)
        // Halfway up: 0.04 + (1 − 0.04)/2 = 0.52.
        expectClose(rate(schedule, step: 10, totalSteps: 70), 0.52)
        expectClose(rate(schedule, step: 20, totalSteps: 70), 1)
        // Step 21, 1/49 of the fall: 4e-6 + (1 − 4e-6)/2·(1 + cos(π/49)) = 0.9989727.
        expectClose(rate(schedule, step: 21, totalSteps: 70), 0.9989727)
        // Step 44, 24/49 of the fall: 0.5160277.
        expectClose(rate(schedule, step: 44, totalSteps: 70), 0.5160277)
        expectClose(rate(schedule, step: 69, totalSteps: 70), 4e-6, absolute: 1e-9)
    }

    @Test func progressKnowsItsEpoch() {
        #expect(TrainingProgress(step: 0, stepsPerEpoch: 10, totalSteps: 30).epoch == 0)
        #expect(TrainingProgress(step: 19, stepsPerEpoch: 10, totalSteps: 30).epoch == 1)
        #expect(TrainingProgress(step: 20, stepsPerEpoch: 10, totalSteps: 30).epoch == 2)
    }
}
