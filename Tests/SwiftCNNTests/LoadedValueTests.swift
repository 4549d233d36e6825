import Foundation
import SwiftCNN
import Testing
import TestSupport

/// Values read from a model file or checkpoint are checked against their domains: weights finite,
/// variances finite and not negative. A file that breaks one is an error naming the tensor.
@Suite struct LoadedValueTests {
    /// Dense → BatchNormalization, with a Normalization in front: one tensor of each domain.
    func makeModel() throws -> Sequential {
        try Sequential(inputShape: [3], seed: 4) {
            Normalization(mean: [0, 1, 2], variance: [1, 2, 3])
            Dense(units: 2)
            BatchNormalization()
        }
    }

    func loadError(_ model: Sequential) throws -> ModelFileError? {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            try model.save(to: url)
            do {
                _ = try Sequential(contentsOf: url)
                return nil
            } catch let error as ModelFileError {
                #expect(error.description.hasPrefix(url.path), "\(error)")
                return error
            }
        }
    }

    @Test func aValidModelLoads() throws {
        #expect(try loadError(makeModel()) == nil)
    }

    @Test func aNaNWeightIsAnErrorNamingTheTensor() throws {
        let model = try makeModel()
        model.layers[1].parameters[0].value = Tensor(shape: [3, 2], scalars: [0, 1, 2, .nan, 4, 5])
        let error = try #require(try loadError(model))
        guard case let .invalidValue(_, tensor, index, value, requirement) = error else {
            Issue.record("expected invalidValue, got \(error)")
            return
        }
        #expect((tensor, index, value, requirement) == ("layers.1.kernel", 3, "nan", "finite"))
        #expect(error.description.contains("tensor 'layers.1.kernel' holds nan at element 3; its values must be finite"))
    }

    @Test func anInfiniteBiasIsAnError() throws {
        let model = try makeModel()
        model.layers[1].parameters[1].value = Tensor([0, -.infinity])
        #expect(try loadError(model)?.tensorAndValue == "layers.1.bias = -inf")
    }

    @Test func aNegativeRunningVarianceIsAnError() throws {
        let model = try makeModel()
        let batchNormalization = try #require(model.layers[2] as? BatchNormalization)
        batchNormalization.runningVariance = Tensor([1, -0.5])
        let error = try #require(try loadError(model))
        #expect(error.tensorAndValue == "layers.2.running_variance = -0.5")
        #expect(error.description.contains("holds -0.5 at element 1; its values must be finite and not negative"))
        // The running mean may be negative.
        batchNormalization.runningVariance = Tensor([1, 0])
        batchNormalization.runningMean = Tensor([-3, 3])
        #expect(try loadError(model) == nil)
    }

    @Test func aNaNNormalizationVarianceIsAnError() throws {
        let model = try makeModel()
        let normalization = try #require(model.layers[0] as? Normalization)
        // The initialiser refuses such a variance; the buffers setter, which loading uses, does not.
        normalization.buffers = ["variance": Tensor([1, .nan, 3])]
        #expect(try loadError(model)?.tensorAndValue == "layers.0.variance = nan")
    }

    @Test func aNegativeSecondMomentInACheckpointIsAnError() throws {
        try withTemporaryDirectory { directory in
            let model = try Sequential(inputShape: [3], seed: 4) { Dense(units: 2) }
            let optimizer = Adam()
            optimizer.state = OptimizerState(stepCount: 1, slots: [
                "firstMoment": [Tensor(shape: [3, 2], repeating: -1), Tensor(shape: [2], repeating: -1)],
                "secondMoment": [Tensor(shape: [3, 2], repeating: 1), Tensor([1, -1])],
            ])
            let url = directory.appendingPathComponent("checkpoint.safetensors")
            try TrainingCheckpoint(model: model, optimizer: optimizer, completedEpochs: 1).write(to: url)
            #expect(throws: ModelFileError.invalidValue(file: url.path, tensor: "optimizer.secondMoment.layers.0.bias",
                                                        index: 1, value: "-1.0", requirement: "finite and not negative")) {
                try TrainingCheckpoint(contentsOf: url)
            }
        }
    }
}

extension ModelFileError {
    /// `<tensor> = <value>` for an ``invalidValue(file:tensor:index:value:requirement:)`` error.
    var tensorAndValue: String? {
        guard case let .invalidValue(_, tensor, _, value, _) = self else { return nil }
        return "\(tensor) = \(value)"
    }
}
