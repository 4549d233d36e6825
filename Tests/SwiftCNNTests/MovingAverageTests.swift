import SwiftCNN
import TestSupport
import Testing

/// Keeps, after every batch, the moving average of the model's weights by the formula ``MovingAverage``
/// documents, written out here independently.
private final class AverageRecorder: TrainingCallback {
    let momentum: Float
    var averages: [[Float]] = []
    init(momentum: Float) { self.momentum = momentum }

    func onBatchEnd(_ record: BatchRecord, model: Model) {
        let values = model.parameters.map(\.value.scalars)
        guard !averages.isEmpty else { return averages = values }
        for (index, value) in values.enumerated() {
            for i in value.indices { averages[index][i] += (1 - momentum) * (value[i] - averages[index][i]) }
        }
    }
}

@Suite struct MovingAverageTests {
    @Test func theAverageFollowsTheWeightsAndReplacesThemAtTheEnd() {
        // Plain SGD with rate 0.1 on gradients [0.5, −2], [0.25, 1], [−1, 0] from [1, −2] gives
        // p = [0.95, −1.8], [0.925, −1.9], [1.025, −1.9]. With momentum 0.5:
        // a₁ = p₁ = [0.95, −1.8]; a₂ = a₁ + 0.5(p₂ − a₁) = [0.9375, −1.85]; a₃ = a₂ + 0.5(p₃ − a₂) = [0.98125, −1.875].
        let optimizer = MovingAverage(of: SGD(learningRate: 0.1), momentum: 0.5)
        let parameter = Parameter(name: "w", value: Tensor([1, -2]))
        let expectedAverages: [[Float]] = [[0.95, -1.8], [0.9375, -1.85], [0.98125, -1.875]]
        for (gradient, average) in zip([[0.5, -2], [0.25, 1], [-1, 0]] as [[Float]], expectedAverages) {
            parameter.gradient = Tensor(gradient)
            optimizer.update([parameter])
            expectClose(optimizer.state.slots["movingAverage"]?.first?.scalars ?? [], average)
        }
        expectClose(parameter.value.scalars, [1.025, -1.9])
        #expect(optimizer.stepCount == 3)
        optimizer.finalizeParameters([parameter])
        expectClose(parameter.value.scalars, [0.98125, -1.875])
    }

    @Test func fitTrainsAsTheWrappedOptimizerAndEndsOnTheAverage() throws {
        func model() throws -> Sequential {
            try Sequential(inputShape: [6, 6, 1], seed: 4) {
                Conv2D(filters: 3, kernelSize: 3, activation: .relu)
                BatchNormalization()
                Flatten()
                Dense(units: 3)
            }
        }
        let data = tinyDataset(count: 40, sampleShape: [6, 6, 1], classes: 3, seed: 9)
        let plain = try model(), averaged = try model()
        let recorder = AverageRecorder(momentum: 0.9)
        let plainHistory = try plain.fit(data, epochs: 3, batchSize: 8, optimizer: Adam(learningRate: 0.01),
                                         verbosity: .quiet, callbacks: [recorder])
        let averagedHistory = try averaged.fit(data, epochs: 3, batchSize: 8,
                                               optimizer: MovingAverage(of: Adam(learningRate: 0.01), momentum: 0.9),
                                               verbosity: .quiet)
        #expect(averagedHistory.loss.map(\.bitPattern) == plainHistory.loss.map(\.bitPattern))
        #expect(averaged.parameters.map(\.value.scalars) == recorder.averages)
        #expect(plain.parameters.map(\.value.scalars) != recorder.averages)
    }

    @Test func momentumZeroEndsOnTheLastWeights() throws {
        let optimizer = MovingAverage(of: Adam(learningRate: 0.1), momentum: 0)
        let parameter = Parameter(name: "w", value: Tensor([3, -1, 2]))
        for gradient in [[1, 2, -1], [0.5, -0.5, 4]] as [[Float]] {
            parameter.gradient = Tensor(gradient)
            optimizer.update([parameter])
        }
        let last = parameter.value.scalars
        optimizer.finalizeParameters([parameter])
        #expect(parameter.value.scalars == last)
    }
}
