import SwiftCNN
import TestSupport
import Testing

/// XOR: not linearly separable, so it needs the hidden layer.
private let xor = LabeledDataset(inputs: Tensor(shape: [4, 2], scalars: [0, 0, 0, 1, 1, 0, 1, 1]), labels: [0, 1, 1, 0])

/// 64 points in [−1, 1]², labelled by the side of the line x + 2y = 0.1 they fall on.
private let separable: LabeledDataset = {
    let inputs = Seeded.uniform([64, 2], seed: 11)
    let labels = (0..<64).map { Int32(inputs[$0, 0] + 2 * inputs[$0, 1] > 0.1 ? 1 : 0) }
    return LabeledDataset(inputs: inputs, labels: labels, classCount: 2)
}()

private func smallModel(seed: UInt64) throws -> Sequential {
    try Sequential(inputShape: [2], seed: seed) {
        Dense(units: 8, activation: .tanh)
        Dense(units: 2)
    }
}

/// Records what the training loop reports.
private final class Recorder: TrainingCallback {
    var events: [String] = []
    var batches: [BatchRecord] = []
    var weightsAfterEpoch: [[Tensor]] = []
    var flushedSubnormals: [Bool] = []
    /// A subnormal float, kept in a property so that the compiler cannot fold arithmetic on it.
    var subnormal = Float(bitPattern: 0x0000_1000)

    func onTrainingBegin(model: Model) { events.append("begin") }
    func onEpochBegin(_ epoch: Int, model: Model) { events.append("epoch \(epoch)") }
    func onBatchEnd(_ record: BatchRecord, model: Model) {
        batches.append(record)
        flushedSubnormals.append(subnormal * 2 == 0)
    }
    func onEpochEnd(_ record: EpochRecord, model: Model) -> TrainingAction {
        events.append("end \(record.epoch)")
        weightsAfterEpoch.append(model.parameters.map(\.value))
        return .proceed
    }
    func onTrainingEnd(_ history: History, model: Model) { events.append("done \(history.epochs.count)") }
}

private final class StopAfterOneEpoch: TrainingCallback {
    func onEpochEnd(_ record: EpochRecord, model: Model) -> TrainingAction { .stop }
}

@Suite struct FitTests {
    @Test func learnsXOR() throws {
        let model = try smallModel(seed: 1)
        let history = try model.fit(xor, epochs: 150, batchSize: 4, optimizer: Adam(learningRate: 0.05), verbosity: .quiet)
        #expect(history.loss.last! < history.loss.first! / 10)
        #expect(history.accuracy.last == 1)
        #expect(model.predictedClasses(for: xor.inputs) == [0, 1, 1, 0])
        #expect(model.evaluate(xor).accuracy == 1)
    }

    @Test func separatesALinearlySeparableSet() throws {
        let model = try smallModel(seed: 2)
        let history = try model.fit(separable, epochs: 40, batchSize: 8,
                                    optimizer: SGD(learningRate: 0.1, momentum: 0.9), verbosity: .quiet)
        #expect(history.loss.last! < history.loss.first!)
        #expect(model.evaluate(separable).accuracy == 1)
    }

    @Test func sameSeedsGiveIdenticalRuns() throws {
        func run(seed: UInt64, shuffleSeed: UInt64? = nil) throws -> (History, [Tensor]) {
            let model = try smallModel(seed: seed)
            var history = try model.fit(separable, epochs: 3, batchSize: 8, optimizer: Adam(learningRate: 0.01),
                                        shuffleSeed: shuffleSeed, verbosity: .quiet)
            for index in history.epochs.indices { history.epochs[index].seconds = 0 }
            return (history, model.parameters.map(\.value))
        }
        let (first, firstWeights) = try run(seed: 5)
        let (second, secondWeights) = try run(seed: 5)
        #expect(first == second)
        #expect(firstWeights == secondWeights)
        let (reshuffled, _) = try run(seed: 5, shuffleSeed: 6)
        #expect(reshuffled.loss != first.loss)
    }

    @Test func resumingAtAnEpochContinuesTheSameRun() throws {
        let schedule = CosineDecay(peakLearningRate: 0.01)
        let whole = try smallModel(seed: 3)
        try whole.fit(separable, epochs: 3, batchSize: 8, optimizer: Adam(), schedule: schedule, verbosity: .quiet)

        // Interrupted after the first epoch, then resumed with the same optimizer.
        let resumed = try smallModel(seed: 3)
        let optimizer = Adam()
        let first = try resumed.fit(separable, epochs: 3, batchSize: 8, optimizer: optimizer, schedule: schedule,
                                    verbosity: .quiet, callbacks: [StopAfterOneEpoch()])
        let rest = try resumed.fit(separable, epochs: 3, batchSize: 8, optimizer: optimizer, schedule: schedule,
                                   initialEpoch: 1, verbosity: .quiet)
        #expect(first.epochs.map(\.epoch) == [0])
        #expect(rest.epochs.map(\.epoch) == [1, 2])
        #expect(resumed.parameters.map(\.value) == whole.parameters.map(\.value))
    }

    @Test func callbacksSeeEveryStepInOrder() throws {
        let model = try smallModel(seed: 4)
        let recorder = Recorder()
        let history = try model.fit(separable, epochs: 2, batchSize: 24, optimizer: SGD(learningRate: 0.1),
                                    schedule: StepDecay(initialLearningRate: 0.1, decayFactor: 0.5, epochsPerDecay: 1),
                                    verbosity: .quiet, callbacks: [recorder])
        #expect(recorder.events == ["begin", "epoch 0", "end 0", "epoch 1", "end 1", "done 2"])
        // 64 samples in batches of 24: 24, 24, 16.
        #expect(recorder.batches.map(\.samples) == [24, 24, 16, 24, 24, 16])
        #expect(recorder.batches.map(\.epochSamples) == [24, 48, 64, 24, 48, 64])
        #expect(recorder.batches.map(\.learningRate) == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05])
        #expect(history.learningRate == [0.1, 0.05])
        // The epoch's loss is the sample-weighted mean of its batch losses.
        let batchLosses = recorder.batches.prefix(3).map(\.loss)
        expectClose(history.loss[0], (24 * batchLosses[0] + 24 * batchLosses[1] + 16 * batchLosses[2]) / 64)
        #expect(recorder.batches[2].epochLoss == history.loss[0])
        #expect(recorder.batches[2].epochAccuracy == history.accuracy[0])
        #expect(recorder.weightsAfterEpoch[1] == model.parameters.map(\.value))
    }

    @Test func validationIsMeasuredAfterEachEpoch() throws {
        let model = try smallModel(seed: 6)
        let history = try model.fit(separable, epochs: 2, batchSize: 8, validationSplit: 0.25, verbosity: .quiet)
        #expect(history.validationLoss.count == 2)
        // The held-out quarter is the last 16 samples, measured with the final weights after epoch 2.
        let heldOut = separable.subset(48..<64)
        let (loss, accuracy) = model.evaluate(heldOut)
        expectClose(history.validationLoss[1], loss)
        #expect(history.validationAccuracy[1] == accuracy)

        let other = try smallModel(seed: 6)
        let explicit = try other.fit(separable.subset(0..<48), epochs: 2, batchSize: 8, validationData: heldOut,
                                     verbosity: .quiet)
        #expect(explicit.validationLoss == history.validationLoss)
    }

    @Test func aNonFiniteLossStopsTrainingWithAnError() throws {
        var inputs = Seeded.uniform([8, 2])
        inputs[5, 1] = .nan
        let data = LabeledDataset(inputs: inputs, labels: [0, 1, 0, 1, 0, 1, 0, 1])
        let model = try smallModel(seed: 7)
        let before = model.parameters.map(\.value)
        #expect(throws: TrainingError.nonFiniteLoss(epoch: 0, batch: 0)) {
            try model.fit(data, epochs: 2, batchSize: 8, verbosity: .quiet)
        }
        #expect(model.parameters.map(\.value) == before)
    }

    @Test func trainingFlushesSubnormalsOnlyWhileItRuns() throws {
        let recorder = Recorder()
        try smallModel(seed: 8).fit(xor, epochs: 1, batchSize: 2, verbosity: .quiet, callbacks: [recorder])
        #expect(recorder.flushedSubnormals == [true, true])
        #expect(recorder.subnormal * 2 != 0)
    }
}
