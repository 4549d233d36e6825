import Foundation
import SwiftCNN
import TestSupport
import Testing

@Suite struct AdamTests {
    @Test func twoStepsWithBiasCorrection() {
        // lr 0.1, β1 0.9, β2 0.999, ε 1e-7; p = 1, gradients 0.5 then −0.25.
        // Step 1: m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 2.5e-4,
        //         α = 0.1·√(1 − 0.999)/(1 − 0.9) = 0.0316228,
        //         p = 1 − α·0.05/(√2.5e-4 + 1e-7) = 1 − 0.0316228·0.05/0.0158115 = 0.9000006
        //         (the first Adam step is lr·sign(g), shortened a little by ε).
        // Step 2: m = 0.9·0.05 + 0.1·(−0.25) = 0.02, v = 0.999·2.5e-4 + 0.001·0.0625 = 3.1225e-4,
        //         α = 0.1·√(1 − 0.999²)/(1 − 0.9²) = 0.1·0.0447102/0.19 = 0.0235317,
        //         p = 0.9000006 − 0.0235317·0.02/(0.0176706 + 1e-7) = 0.8733671
        // Second element, p = −2, gradients −3 then 1:
        //         m = −0.3, v = 0.009, p = −1.9000001;  m = −0.17, v = 0.009991, p = −1.8599783
        let optimizer = Adam(learningRate: 0.1)
        let parameter = Parameter(name: "w", value: Tensor([1, -2]))
        parameter.gradient = Tensor([0.5, -3])
        optimizer.update([parameter])
        expectClose(parameter.value.scalars, [0.9000006, -1.9000001], absolute: 1e-6, relative: 0)
        parameter.gradient = Tensor([-0.25, 1])
        optimizer.update([parameter])
        expectClose(parameter.value.scalars, [0.8733671, -1.8599783], absolute: 1e-6, relative: 0)

        let state = optimizer.state
        #expect(state.stepCount == 2)
        expectClose(state.slots["firstMoment"]?.first ?? Tensor([]), Tensor([0.02, -0.17]))
        expectClose(state.slots["secondMoment"]?.first ?? Tensor([]), Tensor([3.1225e-4, 0.009991]), absolute: 1e-8)
    }

    @Test func adamWDecaysWeightsApartFromTheGradient() {
        // As above with decoupled weight decay 0.5: each step first scales p by 1 − 0.1·0.5 = 0.95.
        // Step 1: p = 0.95 − 0.0999994 = 0.8500006;  step 2: p = 0.95·0.8500006 − 0.0266337 = 0.7808670
        // The moments are those of plain Adam: the decay never enters them.
        let optimizer = AdamW(learningRate: 0.1, weightDecay: 0.5)
        let parameter = Parameter(name: "w", value: Tensor([1]))
        parameter.gradient = Tensor([0.5])
        optimizer.update([parameter])
        expectClose(parameter.value.scalar, 0.8500006, absolute: 1e-6, relative: 0)
        parameter.gradient = Tensor([-0.25])
        optimizer.update([parameter])
        expectClose(parameter.value.scalar, 0.7808670, absolute: 1e-6, relative: 0)
        expectClose(optimizer.state.slots["firstMoment"]?.first?.scalar ?? .nan, 0.02)
    }

    /// 40,000 elements go through the 16-lane loop split across threads, 17 and 5 through the lanes'
    /// cut and the tail; each is checked against Keras's formula worked in Double, over three steps.
    @Test func largeAndOddSizedParametersFollowTheFormula() {
        let (rate, beta1, beta2, epsilon) = (0.01, 0.9, 0.999, 1e-7)
        let optimizer = AdamW(learningRate: Float(rate), weightDecay: 0.1)
        let parameters = [40_000, 17, 5].enumerated().map { index, count in
            Parameter(name: "p\(index)", value: Seeded.uniform([count], seed: UInt64(10 + index)))
        }
        var values = parameters.map { $0.value.scalars.map(Double.init) }
        var first = values.map { [Double](repeating: 0, count: $0.count) }, second = first
        for step in 1...3 {
            for (index, parameter) in parameters.enumerated() {
                parameter.gradient = Seeded.uniform(parameter.value.shape, in: -2...2, seed: UInt64(100 * step + index))
                let gradient = parameter.gradient.scalars.map(Double.init)
                let alpha = rate * (1 - pow(beta2, Double(step))).squareRoot() / (1 - pow(beta1, Double(step)))
                for i in gradient.indices {
                    first[index][i] = beta1 * first[index][i] + (1 - beta1) * gradient[i]
                    second[index][i] = beta2 * second[index][i] + (1 - beta2) * gradient[i] * gradient[i]
                    values[index][i] *= 1 - rate * 0.1
                    values[index][i] -= alpha * first[index][i] / (second[index][i].squareRoot() + epsilon)
                }
            }
            optimizer.update(parameters)
        }
        for (parameter, expected) in zip(parameters, values) {
            expectClose(parameter.value.scalars, expected.map(Float.init), absolute: 1e-5, relative: 1e-4)
        }
    }

    @Test func adamWDefaultsToKerasWeightDecay() {
        #expect(AdamW().weightDecay == 0.004)
        #expect(Adam().weightDecay == 0)
        #expect(Adam().epsilon == 1e-7)
    }

    @Test func parametersOfDifferentShapesKeepSeparateMoments() {
        // Each element's first step is lr·sign(g) (up to ε), whatever the gradient's size.
        let optimizer = Adam(learningRate: 0.01)
        let kernel = Parameter(name: "kernel", value: Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
        let bias = Parameter(name: "bias", value: Tensor([0]))
        kernel.gradient = Tensor(shape: [2, 2], scalars: [10, -0.1, 0.01, -5])
        bias.gradient = Tensor([3])
        optimizer.update([kernel, bias])
        expectClose(kernel.value.scalars, [0.99, 2.01, 2.99, 4.01], absolute: 1e-5, relative: 0)
        expectClose(bias.value.scalar, -0.01, absolute: 1e-6, relative: 0)
        #expect(optimizer.state.slots["secondMoment"]?.map(\.shape) == [[2, 2], [1]])
    }

    @Test func stateRestoredIntoAFreshOptimizerContinuesTheRun() {
        let original = Adam(learningRate: 0.1)
        let parameter = Parameter(name: "w", value: Tensor([1, -2]))
        parameter.gradient = Tensor([0.5, -3])
        original.update([parameter])

        let resumed = Adam(learningRate: 0.1)
        resumed.state = original.state
        let copy = Parameter(name: "w", value: parameter.value)
        parameter.gradient = Tensor([-0.25, 1])
        copy.gradient = parameter.gradient
        original.update([parameter])
        resumed.update([copy])
        #expect(copy.value == parameter.value)
        #expect(resumed.state == original.state)
    }
}
