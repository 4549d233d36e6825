import Foundation
import SwiftCNN
import TestSupport
import Testing

@Suite struct SequentialTests {
    @Test func infersEveryShapeFromTheInputShape() throws {
        let model = try Sequential.referenceCNN()
        #expect(model.layerOutputShapes == [[26, 26, 32], [13, 13, 32], [11, 11, 64], [5, 5, 64], [1600], [64], [10]])
        #expect(model.outputShape == [10])
        #expect(model.parameters.map(\.value.shape) == [[3, 3, 1, 32], [32], [3, 3, 32, 64], [64], [1600, 64], [64], [64, 10], [10]])
    }

    @Test func referenceCNNHasKerasParameterCount() throws {
        // 320 + 18,496 + 102,464 + 650, as Keras's model.summary() reports for the same model.
        #expect(try Sequential.referenceCNN().parameterCount == 121_930)
    }

    @Test func sameSeedGivesSameInitialWeights() throws {
        let first = try Sequential.referenceCNN(seed: 7), second = try Sequential.referenceCNN(seed: 7)
        let other = try Sequential.referenceCNN(seed: 8)
        #expect(first.parameters.map(\.value) == second.parameters.map(\.value))
        #expect(first.parameters[0].value != other.parameters[0].value)
    }

    @Test func aLayerThatCannotTakeItsInputFailsTheBuild() {
        #expect(throws: LayerError.self) {
            try Sequential(inputShape: [28, 28, 1]) {
                Conv2D(filters: 4, kernelSize: 3)
                Dense(units: 10)
            }
        }
    }

    @Test func builderTakesConditionsAndLoops() throws {
        let withHidden = true
        let model = try Sequential(inputShape: [6]) {
            for units in [5, 4] {
                Dense(units: units, activation: .relu)
            }
            if withHidden {
                Dense(units: 3)
            } else {
                Flatten()
            }
            if !withHidden { ReLU() }
        }
        #expect(model.layers.map(\.name) == ["dense", "dense", "dense"])
        #expect(model.layerOutputShapes == [[5], [4], [3]])
    }

    @Test func summaryIsLaidOutLikeKeras() throws {
        let model = try Sequential(inputShape: [4]) {
            Dense(units: 8, activation: .relu)
            Dense(units: 3)
        }
        // 4·8 + 8 = 40 and 8·3 + 3 = 27 parameters, 67 in all: 268 bytes of Float32.
        let expected = """
            Model: "sequential"
            _________________________________________
             Layer (type)      Output Shape   Param #
            =========================================
             dense (Dense)     (None, 8)           40
             dense_1 (Dense)   (None, 3)           27
            =========================================
            Total params: 67 (268.00 B)
            Trainable params: 67 (268.00 B)
            Non-trainable params: 0 (0.00 B)
            _________________________________________
            """
        #expect(model.summary() == expected)
    }

    @Test func summaryOfTheReferenceCNN() throws {
        let summary = try Sequential.referenceCNN().summary()
        #expect(summary.contains(" conv2d_1 (Conv2D)             (None, 11, 11, 64)    18,496"))
        #expect(summary.contains(" max_pooling2d_1 (MaxPool2D)   (None, 5, 5, 64)           0"))
        #expect(summary.contains("Total params: 121,930 (476.29 KB)"))
    }

    @Test func summaryCountsRunningStatisticsAsNonTrainable() throws {
        let model = try Sequential(inputShape: [5]) {
            Dense(units: 4)
            BatchNormalization()
        }
        // Dense 24, gamma and beta 8 trainable; running mean and variance 8 more.
        #expect(model.summary().contains("Total params: 40 (160.00 B)"))
        #expect(model.summary().contains("Non-trainable params: 8 (32.00 B)"))
    }

    @Test func predictGivesTheSoftmaxOfTheOutputs() throws {
        let model = try Sequential(inputShape: [3], seed: 3) {
            Dense(units: 5, activation: .tanh)
            Dense(units: 4)
        }
        let inputs = Seeded.uniform([7, 3], in: -2...2)
        let logits = model(inputs)
        let probabilities = model.predict(inputs)
        #expect(probabilities.shape == [7, 4])
        for row in 0..<7 {
            let z = (0..<4).map { logits[row, $0] }
            let largest = z.max()!
            let exponentials = z.map { Double($0 - largest).exp }
            let sum = exponentials.reduce(0, +)
            expectClose((0..<4).map { probabilities[row, $0] }, exponentials.map { Float($0 / sum) })
        }
        let classes = model.predictedClasses(for: inputs)
        #expect(classes == (0..<7).map { row in (0..<4).max { logits[row, $0] < logits[row, $1] }! })
    }

    @Test func batchedInferenceEqualsOneBigBatch() throws {
        let model = try Sequential(inputShape: [4, 4, 1], seed: 2) {
            Conv2D(filters: 2, kernelSize: 3, activation: .relu)
            Flatten()
            Dense(units: 3)
        }
        let inputs = Seeded.uniform([10, 4, 4, 1])
        expectClose(model(inputs, batchSize: 3), model(inputs, batchSize: 10))
        expectClose(model.predict(inputs, batchSize: 4), model.predict(inputs))
    }

    @Test func predictLeavesAFinalSoftmaxAlone() throws {
        let model = try Sequential(inputShape: [3], seed: 1) {
            Dense(units: 4)
            Softmax()
        }
        let inputs = Seeded.uniform([2, 3])
        expectClose(model.predict(inputs), model(inputs))
    }

    @Test func evaluateAveragesLossAndAccuracyOverAllSamples() throws {
        let model = try Sequential(inputShape: [2], seed: 4) {
            Dense(units: 3)
        }
        let inputs = Seeded.uniform([10, 2])
        let labels: [Int32] = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]
        let data = LabeledDataset(inputs: inputs, labels: labels, classCount: 3)
        let logits = model(inputs)
        let expectedLoss = SoftmaxCrossEntropy().value(predictions: logits, labels: .classes(labels))
        let expectedAccuracy = Float(Labels.classes(labels).correctCount(of: logits)) / 10

        let (loss, accuracy) = model.evaluate(data, batchSize: 3)
        expectClose(loss, expectedLoss)
        #expect(accuracy == expectedAccuracy)
    }
}

extension Double {
    fileprivate var exp: Double { Foundation.exp(self) }
}
