import SwiftCNN
import TestSupport
import Testing

/// `fit` and `evaluate` on datasets with targets in place of class labels.
@Suite struct FitWithTargetsTests {
    /// 64 points in [−1, 1]³ with targets y = x · (1, −2, 0.5) + 0.3, exactly linear.
    let regression: LabeledDataset = {
        let inputs = Seeded.uniform([64, 3], seed: 21)
        let targets = (0..<64).map { inputs[$0, 0] - 2 * inputs[$0, 1] + 0.5 * inputs[$0, 2] + 0.3 }
        return LabeledDataset(inputs: inputs, targets: Tensor(shape: [64, 1], scalars: targets))
    }()

    @Test func fitSolvesALinearRegression() throws {
        let model = try Sequential(inputShape: [3], seed: 1) { Dense(units: 1) }
        let history = try model.fit(regression, epochs: 300, batchSize: 16, optimizer: SGD(learningRate: 0.1),
                                    loss: MeanSquaredError(), verbosity: .quiet)
        #expect(history.loss.last! < history.loss.first! / 1000)
        expectClose(model.parameters[0].value.scalars, [1, -2, 0.5], absolute: 1e-3)
        expectClose(model.parameters[1].value.scalars, [0.3], absolute: 1e-3)
        #expect(model.evaluate(regression, loss: MeanSquaredError()).loss < 1e-6)
    }

    @Test func subsetsAndSplitsKeepTheTargets() throws {
        let (training, validation) = regression.split(validationFraction: 0.25)
        #expect(training.count == 48 && validation.count == 16)
        #expect(validation.targetShape == [1])
        #expect(validation.targets?.scalars == Array(regression.targets!.scalars[48..<64]))
        #expect(validation.inputs.scalars == Array(regression.inputs.scalars[(48 * 3)..<(64 * 3)]))
        #expect(validation.labels.isEmpty && validation.classCount == 1)
    }

    /// Soft labels that are one-hot are the class labels: cross-entropy's gradient is `softmax − target`
    /// either way, so the runs are the same to the bit.
    @Test func oneHotTargetsTrainAsClassLabelsDo() throws {
        let inputs = Seeded.uniform([40, 2], seed: 22)
        let labels = (0..<40).map { Int32(inputs[$0, 0] - inputs[$0, 1] > 0 ? 1 : 0) }
        let oneHot = labels.flatMap { $0 == 0 ? [Float(1), 0] : [0, 1] }
        let classes = LabeledDataset(inputs: inputs, labels: labels, classCount: 2)
        let targets = LabeledDataset(inputs: inputs, targets: Tensor(shape: [40, 2], scalars: oneHot))
        func model() throws -> Sequential {
            try Sequential(inputShape: [2], seed: 3) {
                Dense(units: 6, activation: .tanh)
                Dense(units: 2)
            }
        }
        let byClass = try model(), byTarget = try model()
        let classHistory = try byClass.fit(classes, epochs: 3, batchSize: 8, verbosity: .quiet)
        let targetHistory = try byTarget.fit(targets, epochs: 3, batchSize: 8, validationSplit: 0, verbosity: .quiet)
        #expect(byTarget.parameters.map(\.value) == byClass.parameters.map(\.value))
        #expect(targetHistory.accuracy == classHistory.accuracy)
        let (loss, accuracy) = byTarget.evaluate(targets)
        #expect((loss, accuracy) == byClass.evaluate(classes))
    }
}
