@testable import SwiftCNN
import TestSupport
import Testing

/// Each channel's mean and biased variance over every row of `x` (`[M rows of C]` flattened), in Double.
private func channelMoments(_ x: Tensor) -> (mean: [Float], variance: [Float]) {
    let channels = x.shape.last!, rows = x.count / channels, values = x.scalars.map(Double.init)
    var means: [Float] = [], variances: [Float] = []
    for c in 0..<channels {
        let column = (0..<rows).map { values[$0 * channels + c] }
        let mean = column.reduce(0, +) / Double(rows)
        means.append(Float(mean))
        variances.append(Float(column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rows)))
    }
    return (means, variances)
}

/// `gamma · (x − mean) / √(variance + epsilon) + beta` per channel, in Double.
private func normalized(_ x: Tensor, mean: [Float], variance: [Float], layer: BatchNormalization) -> Tensor {
    let channels = mean.count, gamma = layer.gamma.value.scalars, beta = layer.beta.value.scalars
    let y = x.scalars.enumerated().map { index, value in
        let c = index % channels
        return Float(Double(gamma[c]) * (Double(value) - Double(mean[c]))
            / (Double(variance[c]) + Double(layer.epsilon)).squareRoot() + Double(beta[c]))
    }
    return Tensor(shape: x.shape, scalars: y)
}

/// `Model.recalibrateStatistics` and the layers' `beginStatisticsRecalibration` / `endStatisticsRecalibration`.
@Suite struct StatisticsRecalibrationTests {
    /// While recalibrating, each batch is normalised with its own statistics and the running ones stay;
    /// at the end they become the moments of all the batches together (not an average of the batches').
    @Test func aLayerNormalisesWithEachBatchAndEndsOnTheMomentsOfAllOfThem() throws {
        let layer = BatchNormalization()
        var generator = Xoshiro256(seed: 11)
        _ = try layer.build(inputShape: [3, 2, 4], generator: &generator)
        layer.gamma.value = Tensor(randomUniform: [4], in: 0.5...2, using: &generator)
        layer.beta.value = Tensor(randomUniform: [4], in: -1...1, using: &generator)
        // Batches of unequal sizes, each channel offset and scaled differently.
        let batches = [5, 3, 1].map { count in
            let raw = Tensor(randomUniform: [count, 3, 2, 4], in: -1...1, using: &generator)
            return Tensor(shape: raw.shape, scalars: raw.scalars.enumerated().map { index, value in
                value * Float(index % 4 + 1) + Float(index % 4) - 1.5
            })
        }
        let before = (layer.runningMean, layer.runningVariance)

        layer.beginStatisticsRecalibration()
        #expect(layer.isRecalibratingStatistics)
        for batch in batches {
            let moments = channelMoments(batch)
            expectClose(layer.forward(batch, training: false),
                        normalized(batch, mean: moments.mean, variance: moments.variance, layer: layer), absolute: 1e-5)
        }
        #expect(layer.runningMean == before.0 && layer.runningVariance == before.1)
        layer.endStatisticsRecalibration()
        #expect(!layer.isRecalibratingStatistics)

        let all = Tensor(shape: [9, 3, 2, 4], scalars: batches.flatMap(\.scalars))
        let moments = channelMoments(all)
        expectClose(layer.runningMean.scalars, moments.mean, absolute: 1e-6)
        expectClose(layer.runningVariance.scalars, moments.variance, absolute: 1e-6)
        // Inference now normalises with them.
        let expected = normalized(batches[0], mean: moments.mean, variance: moments.variance, layer: layer)
        expectClose(layer.forward(batches[0], training: false), expected, absolute: 1e-5)
    }

    @Test func endingWithoutAnyBatchKeepsTheStatistics() throws {
        let layer = BatchNormalization()
        var generator = Xoshiro256(seed: 12)
        _ = try layer.build(inputShape: [2], generator: &generator)
        layer.runningMean = Tensor([0.5, -0.5])
        layer.beginStatisticsRecalibration()
        layer.endStatisticsRecalibration()
        #expect(layer.runningMean == Tensor([0.5, -0.5]) && layer.runningVariance == Tensor([1, 1]))
    }

    /// In a model, the convolution and normalisation are fused (folded in inference); recalibration still
    /// sees the convolution's outputs, and augmentation and dropout stay off, so the statistics are the
    /// moments of the convolution's inference outputs over the whole set, whatever the batch size.
    @Test(arguments: [7, 20, 64])
    func aModelEndsOnTheMomentsOfItsConvolutionsOutputs(batchSize: Int) throws {
        let convolution = Conv2D(filters: 4, kernelSize: 3)
        let normalization = BatchNormalization()
        let model = try Sequential(inputShape: [6, 6, 1], seed: 13, layers: [
            RandomTranslation(heightFactor: 0.3, widthFactor: 0.3, seed: 14), Dropout(rate: 0.5, seed: 15),
            convolution, normalization, ReLU(), Flatten(), Dense(units: 3),
        ])
        #expect(model.plan.layers.contains { $0 is FusedConvolutionBatchNormalization })
        var generator = Xoshiro256(seed: 16)
        let images = Tensor(randomUniform: [20, 6, 6, 1], in: 0...1, using: &generator)

        model.recalibrateStatistics(on: images, batchSize: batchSize)
        let moments = channelMoments(convolution.forward(images, training: false))
        expectClose(normalization.runningMean.scalars, moments.mean, absolute: 1e-6)
        expectClose(normalization.runningVariance.scalars, moments.variance, absolute: 1e-6)
        #expect(!normalization.isRecalibratingStatistics)
    }

    /// With the whole set as one batch, every normalisation sees in recalibration what it sees in a
    /// training-mode pass, so inference afterwards gives the training-mode outputs: the statistics of
    /// each layer are those of the layers before it normalised as training normalises them.
    @Test func afterOneWholeBatchInferenceMatchesTheTrainingModePass() throws {
        let model = try Sequential(inputShape: [8, 8, 2], seed: 17, layers: [
            Conv2D(filters: 4, kernelSize: 3, padding: .same), BatchNormalization(), ReLU(),
            Conv2D(filters: 6, kernelSize: 3, strides: 2), BatchNormalization(), ReLU(),
            Flatten(), Dense(units: 5), BatchNormalization(),
        ])
        var generator = Xoshiro256(seed: 18)
        let images = Tensor(randomUniform: [12, 8, 8, 2], in: -1...1, using: &generator)
        let trainingOutputs = model.plan.forward(images, training: true).scalars
        #expect(zip(model(images).scalars, trainingOutputs).contains { abs($0 - $1) > 0.01 })

        model.recalibrateStatistics(on: images, batchSize: 12)
        expectClose(model(images).scalars, trainingOutputs, absolute: 2e-5, relative: 1e-4)
    }

    /// `RecalibrateStatistics` recalibrates when training ends, before the callbacks after it: the
    /// statistics `fit` leaves are those of recalibrating the trained model, not the running averages.
    @Test func theCallbackRecalibratesWhenTrainingEnds() throws {
        var generator = Xoshiro256(seed: 20)
        let data = LabeledDataset(inputs: Tensor(randomUniform: [16, 5, 5, 1], in: 0...1, using: &generator),
                                  labels: (0..<16).map { Int32($0 % 2) })
        func trainedModel(callbacks: [TrainingCallback]) throws -> (Model, BatchNormalization) {
            let normalization = BatchNormalization()
            let model = try Sequential(inputShape: [5, 5, 1], seed: 19, layers: [
                Conv2D(filters: 3, kernelSize: 3), normalization, ReLU(), Flatten(), Dense(units: 2),
            ])
            _ = try model.fit(data, epochs: 2, batchSize: 4, verbosity: .quiet, callbacks: callbacks)
            return (model, normalization)
        }
        let seen = RunningStatisticsAtEnd()
        let (model, normalization) = try trainedModel(callbacks: [RecalibrateStatistics(on: data, batchSize: 8), seen])
        let (_, plain) = try trainedModel(callbacks: [])

        #expect(seen.mean == normalization.runningMean)
        #expect(normalization.runningMean != plain.runningMean)
        let recalibrated = normalization.runningMean
        model.recalibrateStatistics(on: data, batchSize: 8)
        #expect(normalization.runningMean == recalibrated)
    }
}

/// Records the first normalisation layer's running mean when training ends.
private final class RunningStatisticsAtEnd: TrainingCallback {
    var mean: Tensor?

    func onTrainingEnd(_ history: History, model: Model) {
        mean = model.layers.compactMap { $0 as? BatchNormalization }.first?.runningMean
    }
}
