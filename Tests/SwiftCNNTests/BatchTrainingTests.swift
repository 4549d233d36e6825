import SwiftCNN
import TestSupport
import Testing

@Suite("train(onBatch:)")
struct BatchTrainingTests {
    private func model() throws -> Sequential {
        try Sequential(inputShape: [10, 10, 1], seed: 5) {
            Conv2D(filters: 16, kernelSize: 3, activation: .relu)
            MaxPool2D(poolSize: 2)
            Flatten()
            Dense(units: 3)
        }
    }

    @Test("One call is one step of fit over the same whole batch")
    func equalsOneStepOfFit() throws {
        let inputs = Seeded.uniform([8, 10, 10, 1], seed: 6)
        let labels: [Int32] = [0, 1, 2, 0, 1, 2, 0, 1]
        let stepped = try model(), fitted = try model()
        // SGD, not Adam: fit sums the batch in shuffled order, and Adam's first step would magnify the
        // rounding differences of near-zero gradients into whole steps.
        let loss = try stepped.train(onBatch: inputs, labels: labels, optimizer: SGD(learningRate: 0.5))
        let history = try fitted.fit(LabeledDataset(inputs: inputs, labels: labels, classCount: 3), epochs: 1,
                                     batchSize: 8, optimizer: SGD(learningRate: 0.5), verbosity: .quiet)
        expectClose(loss, history.loss[0], absolute: 1e-6, relative: 1e-5)
        for (mine, theirs) in zip(stepped.parameters, fitted.parameters) {
            expectClose(mine.value, theirs.value, absolute: 1e-6, relative: 1e-5)
        }
        #expect(stepped.parameters[0].value != (try model()).parameters[0].value)
    }

    @Test("A non-finite loss throws and leaves the parameters as they were")
    func nonFiniteLossThrows() throws {
        let model = try model()
        let before = model.parameters.map(\.value)
        var inputs = Seeded.uniform([2, 10, 10, 1], seed: 7)
        inputs[0, 3, 3, 0] = .nan
        #expect(throws: TrainingError.nonFiniteLoss(epoch: 0, batch: 0)) {
            try model.train(onBatch: inputs, labels: [0, 1], optimizer: SGD(learningRate: 0.1))
        }
        #expect(model.parameters.map(\.value) == before)
    }
}
