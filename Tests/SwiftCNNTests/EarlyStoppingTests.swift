import SwiftCNN
import TestSupport
import Testing

private let points: LabeledDataset = {
    let inputs = Seeded.uniform([32, 3], seed: 21)
    let labels = (0..<32).map { Int32(inputs[$0, 0] - inputs[$0, 2] > 0 ? 1 : 0) }
    return LabeledDataset(inputs: inputs, labels: labels, classCount: 2)
}()

private func model() throws -> Sequential {
    try Sequential(inputShape: [3], seed: 9) {
        Dense(units: 6, activation: .relu)
        Dense(units: 2)
    }
}

/// Keeps a copy of the parameters after every epoch.
private final class Snapshots: TrainingCallback {
    var weights: [[Tensor]] = []
    func onEpochEnd(_ record: EpochRecord, model: Model) -> TrainingAction {
        weights.append(model.parameters.map(\.value))
        return .proceed
    }
}

@Suite struct EarlyStoppingTests {
    @Test func stopsAfterPatienceEpochsWithoutImprovement() throws {
        // A zero learning rate never changes the loss, so only epoch 0 counts as an improvement.
        let stopper = EarlyStopping(monitoring: .loss, minimumDelta: 1e-4, patience: 2)
        let history = try model().fit(points, epochs: 10, batchSize: 8, optimizer: SGD(learningRate: 0),
                                      verbosity: .quiet, callbacks: [stopper])
        #expect(history.epochs.count == 3)
        #expect(stopper.stoppedEpoch == 2)
        #expect(stopper.bestEpoch == 0)
    }

    @Test func keepsTrainingWhileTheMetricImproves() throws {
        let stopper = EarlyStopping(monitoring: .validationLoss, patience: 1)
        let history = try model().fit(points, epochs: 4, batchSize: 8, optimizer: Adam(learningRate: 0.01),
                                      validationData: points, verbosity: .quiet, callbacks: [stopper])
        #expect(history.epochs.count == 4)
        #expect(stopper.stoppedEpoch == nil)
        #expect(stopper.bestEpoch == 3)
    }

    @Test func restoresTheBestWeights() throws {
        // A negative learning rate climbs the loss, so epoch 0 stays the best and training stops after
        // epoch 1; the weights then go back to those after epoch 0.
        let network = try model()
        let snapshots = Snapshots()
        let stopper = EarlyStopping(monitoring: .loss, patience: 1, restoresBestWeights: true)
        let history = try network.fit(points, epochs: 5, batchSize: 8, optimizer: SGD(learningRate: -0.5),
                                      verbosity: .quiet, callbacks: [snapshots, stopper])
        #expect(history.epochs.count == 2)
        #expect(history.loss[1] > history.loss[0])
        #expect(network.parameters.map(\.value) == snapshots.weights[0])
        #expect(network.parameters.map(\.value) != snapshots.weights[1])
    }
}
