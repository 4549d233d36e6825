import Foundation
@testable import SwiftCNN
import Testing
import TestSupport

/// Ends training after `epochs` epochs, as an interruption would.
private final class StopAfter: TrainingCallback {
    let epochs: Int
    init(epochs: Int) { self.epochs = epochs }
    func onEpochEnd(_ record: EpochRecord, model: Model) -> TrainingAction {
        record.epoch + 1 >= epochs ? .stop : .proceed
    }
}

/// Copies the file at `source` to `destination` after epoch `epochs`, as a run killed then would leave it.
private final class CopyAfter: TrainingCallback {
    let epochs: Int, source: URL, destination: URL
    init(epochs: Int, of source: URL, to destination: URL) {
        (self.epochs, self.source, self.destination) = (epochs, source, destination)
    }
    func onEpochEnd(_ record: EpochRecord, model: Model) -> TrainingAction {
        if record.epoch + 1 == epochs { try? FileManager.default.copyItem(at: source, to: destination) }
        return .proceed
    }
}

/// An optimizer a checkpoint cannot describe.
private final class FrozenOptimizer: Optimizer {
    var learningRate: Float = 0
    var stepCount = 0
    var state = OptimizerState()
    func update(_ parameters: [Parameter]) { stepCount += 1 }
}

/// A small model with every kind of training state: weights, batch statistics and a dropout generator.
private func smallModel() throws -> Sequential {
    try Sequential(inputShape: [6, 6, 1], seed: 21) {
        Conv2D(filters: 3, kernelSize: 3, activation: .relu)
        BatchNormalization()
        Flatten()
        Dropout(rate: 0.3, seed: 5)
        Dense(units: 3)
    }
}

private let data = tinyDataset(count: 40, sampleShape: [6, 6, 1], classes: 3, seed: 8)

private func dropoutState(of model: Model) -> [UInt64] {
    (model.layers[3] as? Dropout)?.generator.state ?? []
}

@Suite struct ExactResumeTests {
    @Test(arguments: ["adam", "adamw", "sgd"])
    func twoEpochsSavedAndTwoResumedEqualFourUninterrupted(optimizer kind: String) throws {
        func makeOptimizer() -> Optimizer {
            switch kind {
            case "adam": return Adam(learningRate: 0.01)
            case "adamw": return AdamW(learningRate: 0.01, weightDecay: 0.05)
            default: return SGD(learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3)
            }
        }
        let uninterrupted = try smallModel()
        let uninterruptedOptimizer = makeOptimizer()
        let full = try uninterrupted.fit(data, epochs: 4, batchSize: 8, optimizer: uninterruptedOptimizer,
                                         shuffleSeed: 77, verbosity: .quiet)

        let interrupted = try smallModel()
        let firstOptimizer = makeOptimizer()
        try interrupted.fit(data, epochs: 2, batchSize: 8, optimizer: firstOptimizer, shuffleSeed: 77, verbosity: .quiet)
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("checkpoint.safetensors")
            try TrainingCheckpoint(model: interrupted, optimizer: firstOptimizer, completedEpochs: 2, shuffleSeed: 77)
                .write(to: url)
            let checkpoint = try TrainingCheckpoint(contentsOf: url)
            #expect(checkpoint.completedEpochs == 2 && checkpoint.shuffleSeed == 77)
            #expect(type(of: checkpoint.optimizer) == type(of: firstOptimizer))
            #expect(checkpoint.optimizer.state == firstOptimizer.state && checkpoint.optimizer.stepCount == 10)
            #expect(dropoutState(of: checkpoint.model) == dropoutState(of: interrupted))

            let rest = try checkpoint.model.fit(data, epochs: 4, batchSize: 8, optimizer: checkpoint.optimizer,
                                                shuffleSeed: checkpoint.shuffleSeed,
                                                initialEpoch: checkpoint.completedEpochs, verbosity: .quiet)
            #expect(rest.loss.map(\.bitPattern) == full.loss.suffix(2).map(\.bitPattern))
            #expect(rest.accuracy == Array(full.accuracy.suffix(2)))
            #expect(tensorBits(of: checkpoint.model) == tensorBits(of: uninterrupted))
            #expect(checkpoint.optimizer.state == uninterruptedOptimizer.state)
            #expect(dropoutState(of: checkpoint.model) == dropoutState(of: uninterrupted))
        }
    }

    @Test func aRunInterruptedUnderAScheduleResumesFromItsLastEpochCheckpoint() throws {
        let schedule = CosineDecay(peakLearningRate: 0.05, warmupEpochs: 1)
        let uninterrupted = try smallModel()
        let full = try uninterrupted.fit(data, epochs: 4, batchSize: 8, optimizer: SGD(momentum: 0.9),
                                         schedule: schedule, verbosity: .quiet)

        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("run.safetensors")
            let interrupted = try smallModel()
            let optimizer = SGD(momentum: 0.9)
            let saver = ModelCheckpoint(url: url, optimizer: optimizer)
            let first = try interrupted.fit(data, epochs: 4, batchSize: 8, optimizer: optimizer, schedule: schedule,
                                            verbosity: .quiet, callbacks: [saver, StopAfter(epochs: 2)])
            #expect(first.epochs.count == 2 && saver.error == nil)

            let checkpoint = try TrainingCheckpoint(contentsOf: url)
            #expect(checkpoint.completedEpochs == 2 && checkpoint.shuffleSeed == interrupted.seed)
            let rest = try checkpoint.model.fit(data, epochs: 4, batchSize: 8, optimizer: checkpoint.optimizer,
                                                schedule: schedule, shuffleSeed: checkpoint.shuffleSeed,
                                                initialEpoch: checkpoint.completedEpochs, verbosity: .quiet)
            #expect(rest.loss.map(\.bitPattern) == full.loss.suffix(2).map(\.bitPattern))
            #expect(rest.learningRate == Array(full.learningRate.suffix(2)))
            #expect(tensorBits(of: checkpoint.model) == tensorBits(of: uninterrupted))
        }
    }

    @Test func aMovingAverageRunResumesFromAnEpochCheckpointAndItsLastFileHoldsTheAverage() throws {
        func makeOptimizer() -> MovingAverage { MovingAverage(of: Adam(learningRate: 0.01), momentum: 0.8) }
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("run.safetensors")
            let afterTwo = directory.appendingPathComponent("after-two.safetensors")
            let uninterrupted = try smallModel()
            let optimizer = makeOptimizer()
            let saver = ModelCheckpoint(url: url, optimizer: optimizer, shuffleSeed: 77)
            let full = try uninterrupted.fit(data, epochs: 4, batchSize: 8, optimizer: optimizer, shuffleSeed: 77,
                                             verbosity: .quiet, callbacks: [saver, CopyAfter(epochs: 2, of: url, to: afterTwo)])
            #expect(saver.error == nil)
            let last = try TrainingCheckpoint(contentsOf: url)
            #expect(last.completedEpochs == 4)
            #expect(tensorBits(of: last.model) == tensorBits(of: uninterrupted))

            // A run killed after epoch 2 has only that epoch's checkpoint: the weights being trained, and the averages.
            let checkpoint = try TrainingCheckpoint(contentsOf: afterTwo)
            let resumedOptimizer = try #require(checkpoint.optimizer as? MovingAverage)
            #expect(resumedOptimizer.momentum == 0.8 && resumedOptimizer.optimizer is Adam)
            #expect(checkpoint.optimizer.state.slots.keys.sorted() == ["firstMoment", "movingAverage", "secondMoment"])
            #expect(tensorBits(of: checkpoint.model) != tensorBits(of: uninterrupted))
            let rest = try checkpoint.model.fit(data, epochs: 4, batchSize: 8, optimizer: checkpoint.optimizer,
                                                shuffleSeed: checkpoint.shuffleSeed,
                                                initialEpoch: checkpoint.completedEpochs, verbosity: .quiet)
            #expect(rest.loss.map(\.bitPattern) == full.loss.suffix(2).map(\.bitPattern))
            #expect(tensorBits(of: checkpoint.model) == tensorBits(of: uninterrupted))
            #expect(checkpoint.optimizer.state == optimizer.state)
        }
    }

    @Test func aCheckpointBeforeTheFirstStepHasNoOptimizerTensors() throws {
        let model = try smallModel()
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("fresh.safetensors")
            try TrainingCheckpoint(model: model, optimizer: Adam(), completedEpochs: 0).write(to: url)
            let file = try SafeTensorsFile(contentsOf: url)
            #expect(!file.names.contains { $0.hasPrefix("optimizer.") })
            let checkpoint = try TrainingCheckpoint(contentsOf: url)
            #expect(checkpoint.optimizer.state == OptimizerState())
            #expect(checkpoint.shuffleSeed == 21)
        }
    }

    @Test func aCheckpointIsAlsoAModelFile() throws {
        let model = try smallModel()
        let optimizer = Adam()
        try model.fit(data, epochs: 1, batchSize: 8, optimizer: optimizer, verbosity: .quiet)
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("checkpoint.safetensors")
            try TrainingCheckpoint(model: model, optimizer: optimizer, completedEpochs: 1).write(to: url)
            #expect(tensorBits(of: try Sequential(contentsOf: url)) == tensorBits(of: model))
        }
    }
}

@Suite struct CheckpointErrorTests {
    let original: SafeTensorsFile

    init() throws {
        let model = try smallModel()
        let optimizer = Adam()
        try model.fit(data, epochs: 1, batchSize: 20, optimizer: optimizer, verbosity: .quiet)
        original = try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("checkpoint.safetensors")
            try TrainingCheckpoint(model: model, optimizer: optimizer, completedEpochs: 1).write(to: url)
            return try SafeTensorsFile(contentsOf: url)
        }
    }

    /// The error reading `file` as a checkpoint gives, and the path it was read from.
    func loadingError(_ file: SafeTensorsFile) throws -> (error: ModelFileError?, path: String) {
        try SwiftCNNTests.loadingError(of: file, as: "checkpoint.safetensors") { _ = try TrainingCheckpoint(contentsOf: $0) }
    }

    func withRecord(_ edit: (inout [String: Any]) -> Void) throws -> SafeTensorsFile {
        try editingJSON("swiftcnn.checkpoint", of: original, edit)
    }

    func withOptimizer(_ key: String, _ value: Any) throws -> SafeTensorsFile {
        try withRecord { record in
            var optimizer = record["optimizer"] as? [String: Any] ?? [:]
            optimizer[key] = value
            record["optimizer"] = optimizer
        }
    }

    func isMalformed(_ result: (error: ModelFileError?, path: String)) -> Bool {
        if case .malformedCheckpoint(result.path, _)? = result.error { return true }
        return false
    }

    /// Whether loading `file` fails with the error `expected` gives for the file's path.
    func fails(_ file: SafeTensorsFile, with expected: (String) -> ModelFileError) throws -> Bool {
        let (error, path) = try loadingError(file)
        return error == expected(path)
    }

    @Test func theUnchangedCheckpointLoads() throws {
        #expect(try loadingError(original).error == nil)
        #expect(original.names.contains("optimizer.firstMoment.layers.0.kernel"))
        #expect(original.names.contains("optimizer.secondMoment.layers.4.bias"))
    }

    @Test func aModelFileOrForeignFileIsNotACheckpoint() throws {
        var model = original
        model.metadata["swiftcnn.checkpoint"] = nil
        for name in model.names where name.hasPrefix("optimizer.") { model.removeTensor(named: name) }
        #expect(try fails(model) { .notACheckpoint(file: $0) })
        var foreign = model
        foreign.metadata = ["format": "pt"]
        #expect(try fails(foreign) { .notAModelFile(file: $0) })
    }

    @Test func missingUnexpectedAndMisshapenOptimizerTensors() throws {
        var missing = original
        missing.removeTensor(named: "optimizer.secondMoment.layers.1.beta")
        #expect(try fails(missing) { .missingTensor(file: $0, tensor: "optimizer.secondMoment.layers.1.beta") })

        var extra = original
        extra.setTensor(Tensor([0]), named: "optimizer.velocity.layers.0.kernel")
        #expect(try fails(extra) { .unexpectedTensor(file: $0, tensor: "optimizer.velocity.layers.0.kernel") })

        var misshapen = original
        misshapen.setTensor(Tensor([0]), named: "optimizer.firstMoment.layers.4.bias")
        #expect(try fails(misshapen) { .shapeMismatch(file: $0, tensor: "optimizer.firstMoment.layers.4.bias",
                                                      expected: [3], found: [1]) })

        // A moving average saves one average per parameter.
        let averaged = try withOptimizer("movingAverageMomentum", 0.99)
        #expect(try fails(averaged) { .missingTensor(file: $0, tensor: "optimizer.movingAverage.layers.0.kernel") })

        // A step count of 0 says there is no moment yet, so moment tensors are out of place.
        let fresh = try withOptimizer("stepCount", 0)
        #expect(try fails(fresh) { .unexpectedTensor(file: $0, tensor: "optimizer.firstMoment.layers.0.kernel") })
    }

    @Test func malformedTrainingState() throws {
        var garbled = original
        garbled.metadata["swiftcnn.checkpoint"] = "[1, 2"
        #expect(isMalformed(try loadingError(garbled)))
        #expect(isMalformed(try loadingError(try withRecord { $0["completedEpochs"] = -1 })))
        #expect(isMalformed(try loadingError(try withRecord { $0["shuffleSeed"] = "seven" })))
        #expect(isMalformed(try loadingError(try withOptimizer("beta1", 1.5))))
        #expect(isMalformed(try loadingError(try withOptimizer("epsilon", 0))))
        #expect(isMalformed(try loadingError(try withOptimizer("type", "rmsprop"))))
        #expect(isMalformed(try loadingError(try withOptimizer("stepCount", -4))))
        #expect(isMalformed(try loadingError(try withOptimizer("movingAverageMomentum", 1))))
        #expect(isMalformed(try loadingError(try withRecord { $0["generators"] = ["3": [0, 0, 0, 0]] })))
        #expect(isMalformed(try loadingError(try withRecord { $0["generators"] = [String: Any]() })))
        #expect(isMalformed(try loadingError(try withRecord { $0["generators"] = ["3": [1, 2, 3, 4], "0": [1, 2, 3, 4]] })))
        #expect(try fails(try withRecord { $0["version"] = 9 }) {
            .unsupportedFormat(file: $0, format: "swiftcnn.checkpoint", version: 9)
        })
    }

    @Test func anOptimizerACheckpointCannotDescribeIsRefused() throws {
        let checkpoint = TrainingCheckpoint(model: try smallModel(), optimizer: FrozenOptimizer(), completedEpochs: 0)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("never-\(UUID().uuidString).safetensors")
        #expect(throws: ModelFileError.unsupportedOptimizer(type: "FrozenOptimizer")) { try checkpoint.write(to: url) }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }
}
