import SwiftCNN
import TestSupport
import Testing

/// Runs `optimizer` for one step per gradient list, setting each parameter's gradient first, and returns
/// the values of the first parameter after each step.
private func trajectory(_ optimizer: Optimizer, start: [Float], gradients: [[Float]]) -> [[Float]] {
    let parameter = Parameter(name: "w", value: Tensor(start))
    return gradients.map { gradient in
        parameter.gradient = Tensor(gradient)
        optimizer.update([parameter])
        return parameter.value.scalars
    }
}

@Suite struct SGDTests {
    // Gradients for three steps, varied so that momentum has something to remember.
    let gradients: [[Float]] = [[0.5, -2], [0.25, 1], [-1, 0]]

    @Test func plainStepsMoveAgainstTheGradient() {
        // p ← p − 0.1·g: 1 → 0.95 → 0.925 → 1.025;  −2 → −1.8 → −1.9 → −1.9
        let steps = trajectory(SGD(learningRate: 0.1), start: [1, -2], gradients: gradients)
        expectClose(steps[0], [0.95, -1.8])
        expectClose(steps[1], [0.925, -1.9])
        expectClose(steps[2], [1.025, -1.9])
    }

    @Test func momentumAccumulatesAVelocity() {
        // b ← 0.9b + g, p ← p − 0.1b (first element):
        // b = 0.5, p = 0.95;  b = 0.45 + 0.25 = 0.7, p = 0.88;  b = 0.63 − 1 = −0.37, p = 0.917
        // second element: b = −2, p = −1.8;  b = −1.8 + 1 = −0.8, p = −1.72;  b = −0.72, p = −1.648
        let steps = trajectory(SGD(learningRate: 0.1, momentum: 0.9), start: [1, -2], gradients: gradients)
        expectClose(steps[0], [0.95, -1.8])
        expectClose(steps[1], [0.88, -1.72])
        expectClose(steps[2], [0.917, -1.648])
    }

    @Test func nesterovLooksAhead() {
        // b ← 0.9b + g, p ← p − 0.1(g + 0.9b) (first element):
        // b = 0.5, d = 0.95, p = 0.905;  b = 0.7, d = 0.88, p = 0.817;  b = −0.37, d = −1.333, p = 0.9503
        // second element: b = −2, d = −3.8, p = −1.62;  b = −0.8, d = 0.28, p = −1.648;
        //                 b = −0.72, d = −0.648, p = −1.5832
        let optimizer = SGD(learningRate: 0.1, momentum: 0.9, nesterov: true)
        let steps = trajectory(optimizer, start: [1, -2], gradients: gradients)
        expectClose(steps[0], [0.905, -1.62])
        expectClose(steps[1], [0.817, -1.648])
        expectClose(steps[2], [0.9503, -1.5832])
        #expect(optimizer.stepCount == 3)
    }

    @Test func weightDecayAddsAnL2Gradient() {
        // g ← g + 0.1p, p ← p − 0.1g (first element):
        // g = 0.6, p = 0.94;  g = 0.25 + 0.094 = 0.344, p = 0.9056
        let steps = trajectory(SGD(learningRate: 0.1, weightDecay: 0.1), start: [1, -2], gradients: gradients)
        expectClose(steps[0][0], 0.94)
        expectClose(steps[1][0], 0.9056)
    }

    @Test func weightDecayEntersTheMomentumBuffer() {
        // g ← g + 0.1p, b ← 0.9b + g, p ← p − 0.1b (first element):
        // g = 0.6, b = 0.6, p = 0.94;  g = 0.344, b = 0.54 + 0.344 = 0.884, p = 0.8516
        let optimizer = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.1)
        let steps = trajectory(optimizer, start: [1, -2], gradients: gradients)
        expectClose(steps[1][0], 0.8516)
    }

    @Test func stateRestoredIntoAFreshOptimizerContinuesTheRun() {
        let original = SGD(learningRate: 0.1, momentum: 0.9)
        let parameter = Parameter(name: "w", value: Tensor([1, -2]))
        parameter.gradient = Tensor([0.5, -2])
        original.update([parameter])

        let saved = original.state
        #expect(saved.stepCount == 1)
        #expect(saved.slots["momentum"] == [Tensor([0.5, -2])])

        let resumed = SGD(learningRate: 0.1, momentum: 0.9)
        resumed.state = saved
        let copy = Parameter(name: "w", value: parameter.value)
        parameter.gradient = Tensor([0.25, 1])
        copy.gradient = parameter.gradient
        original.update([parameter])
        resumed.update([copy])
        #expect(copy.value == parameter.value)
        expectClose(copy.value.scalars, [0.88, -1.72])
        #expect(resumed.stepCount == 2)
    }

    @Test func withoutMomentumThereIsNoState() {
        let optimizer = SGD(learningRate: 0.1)
        _ = trajectory(optimizer, start: [1], gradients: [[1]])
        #expect(optimizer.state == OptimizerState(stepCount: 1))
    }
}
