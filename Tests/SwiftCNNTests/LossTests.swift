import SwiftCNN
import TestSupport
import Testing

/// Rows of one-hot targets for `labels` over `classes`.
private func oneHot(_ labels: [Int32], classes: Int) -> Tensor {
    var values = [Float](repeating: 0, count: labels.count * classes)
    for (row, label) in labels.enumerated() { values[row * classes + Int(label)] = 1 }
    return Tensor(shape: [labels.count, classes], scalars: values)
}

/// Checks `loss`'s gradient against central differences of its value, and that the value it returns
/// with the gradient is the plain value.
private func checkLossGradient(_ loss: Loss, predictions: Tensor, labels: Labels,
                               sourceLocation: SourceLocation = #_sourceLocation) {
    var gradient = Tensor(shape: [0])
    let value = loss.valueAndGradient(predictions: predictions, labels: labels, into: &gradient)
    #expect(value == loss.value(predictions: predictions, labels: labels), sourceLocation: sourceLocation)
    let numeric = numericalGradient(of: { Double(loss.value(predictions: $0, labels: labels)) }, at: predictions)
    expectClose(gradient, numeric, absolute: 2e-4, relative: 1e-2, sourceLocation: sourceLocation)
}

@Suite struct LossTests {
    @Test func crossEntropyOfKnownLogits() {
        let logits = Tensor(shape: [2, 3], scalars: [1, 2, 3, 0, 0, 0])
        let labels = Labels.classes([2, 0])
        // Row 1: log(e¹ + e² + e³) − 3 = log(1 + e⁻¹ + e⁻²) = log(1.5032147) = 0.4076059
        // Row 2: log(3 e⁰) − 0 = 1.0986123.  Mean: 0.7531091
        let loss = SoftmaxCrossEntropy()
        expectClose(loss.value(predictions: logits, labels: labels), 0.7531091)
        // (softmax − one-hot) / 2: row 1 = [0.0900306, 0.2447285, 0.6652410 − 1] / 2,
        //                          row 2 = [1/3 − 1, 1/3, 1/3] / 2
        expectClose(loss.gradient(predictions: logits, labels: labels),
                    Tensor(shape: [2, 3], scalars: [0.0450153, 0.1223642, -0.1673795,
                                                    -1 / 3, 1 / 6, 1 / 6]))
    }

    @Test func crossEntropyIsStableForLargeLogits() {
        let logits = Tensor(shape: [2, 3], scalars: [1000, 0, -1000, 1000, 1001, 1002])
        let loss = SoftmaxCrossEntropy()
        // Row 1 puts all its mass on class 0 (loss 0 for label 0, 1000 for label 1); row 2 is row
        // [0, 1, 2] shifted, so label 2 costs log(1 + e⁻¹ + e⁻²) = 0.4076059.
        expectClose(loss.value(predictions: logits, labels: .classes([0, 2])), 0.4076059 / 2)
        expectClose(loss.value(predictions: logits, labels: .classes([1, 2])), (1000 + 0.4076059) / 2, relative: 1e-6)
        let gradient = loss.gradient(predictions: logits, labels: .classes([1, 2]))
        #expect(gradient.scalars.allSatisfy { $0.isFinite })
        expectClose(Array(gradient.scalars[0..<3]), [0.5, -0.5, 0])
    }

    @Test func crossEntropyWithOneHotTargetsEqualsClassIndices() {
        let logits = Seeded.uniform([5, 4], in: -3...3, seed: 61)
        let indices: [Int32] = [3, 0, 1, 1, 2]
        let loss = SoftmaxCrossEntropy()
        let targets = Labels.targets(oneHot(indices, classes: 4))
        expectClose(loss.value(predictions: logits, labels: targets),
                    loss.value(predictions: logits, labels: .classes(indices)))
        expectClose(loss.gradient(predictions: logits, labels: targets),
                    loss.gradient(predictions: logits, labels: .classes(indices)))
    }

    @Test func crossEntropyGradientsMatchFiniteDifferences() {
        let logits = Seeded.uniform([4, 5], in: -2...2, seed: 62)
        checkLossGradient(SoftmaxCrossEntropy(), predictions: logits, labels: .classes([0, 4, 2, 2]))
        // Soft targets whose rows do not sum to one exercise the general gradient softmax·Σt − t.
        let soft = Seeded.uniform([4, 5], in: 0...1, seed: 63)
        checkLossGradient(SoftmaxCrossEntropy(), predictions: logits, labels: .targets(soft))
    }

    @Test func labelSmoothingSpreadsPartOfEachTargetOverTheClasses() {
        let logits = Tensor(shape: [2, 3], scalars: [1, 2, 3, 0, 0, 0])
        let loss = SoftmaxCrossEntropy(labelSmoothing: 0.3)
        // Targets (1 − 0.3)·one-hot + 0.3/3: row 1 [0.1, 0.1, 0.8], row 2 [0.8, 0.1, 0.1].
        // Row 1: log(e¹ + e² + e³) − (0.1·1 + 0.1·2 + 0.8·3) = 3.4076059 − 2.7 = 0.7076059
        // Row 2: log 3 − 0 = 1.0986123.  Mean: 0.9031091
        expectClose(loss.value(predictions: logits, labels: .classes([2, 0])), 0.9031091)
        // (softmax − target) / 2: row 1 = [0.0900306 − 0.1, 0.2447285 − 0.1, 0.6652410 − 0.8] / 2,
        //                         row 2 = [1/3 − 0.8, 1/3 − 0.1, 1/3 − 0.1] / 2
        expectClose(loss.gradient(predictions: logits, labels: .classes([2, 0])),
                    Tensor(shape: [2, 3], scalars: [-0.0049847, 0.0723643, -0.0673795,
                                                    -0.2333333, 0.1166667, 0.1166667]))
        let targets = Labels.targets(oneHot([2, 0], classes: 3))
        expectClose(loss.value(predictions: logits, labels: targets), 0.9031091)
        expectClose(loss.gradient(predictions: logits, labels: targets),
                    loss.gradient(predictions: logits, labels: .classes([2, 0])))
    }

    @Test func smoothedCrossEntropyGradientsMatchFiniteDifferences() {
        let logits = Seeded.uniform([4, 5], in: -2...2, seed: 69)
        let loss = SoftmaxCrossEntropy(labelSmoothing: 0.1)
        checkLossGradient(loss, predictions: logits, labels: .classes([1, 3, 0, 3]))
        checkLossGradient(loss, predictions: logits, labels: .targets(Seeded.uniform([4, 5], in: 0...1, seed: 70)))
    }

    @Test func meanSquaredErrorAveragesPerSampleThenOverTheBatch() {
        let predictions = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let targets = Tensor(shape: [2, 2], scalars: [0, 2, 5, 3])
        // Differences [1, 0], [−2, 1]; per-sample means of squares 0.5 and 2.5; batch mean 1.5.
        let loss = MeanSquaredError()
        expectClose(loss.value(predictions: predictions, labels: .targets(targets)), 1.5)
        // 2·difference / 4 elements.
        expectClose(loss.gradient(predictions: predictions, labels: .targets(targets)),
                    Tensor(shape: [2, 2], scalars: [0.5, 0, -1, 0.5]))
    }

    @Test func meanSquaredErrorWithClassIndicesEqualsOneHotTargets() {
        let predictions = Seeded.uniform([3, 4], seed: 64)
        let indices: [Int32] = [1, 3, 0]
        let loss = MeanSquaredError()
        let targets = Labels.targets(oneHot(indices, classes: 4))
        expectClose(loss.value(predictions: predictions, labels: .classes(indices)),
                    loss.value(predictions: predictions, labels: targets))
        expectClose(loss.gradient(predictions: predictions, labels: .classes(indices)),
                    loss.gradient(predictions: predictions, labels: targets))
    }

    @Test func meanSquaredErrorGradientsMatchFiniteDifferences() {
        let predictions = Seeded.uniform([2, 3, 4], seed: 65)
        checkLossGradient(MeanSquaredError(), predictions: predictions,
                          labels: .targets(Seeded.uniform([2, 3, 4], seed: 66)))
        checkLossGradient(MeanSquaredError(), predictions: Seeded.uniform([3, 4], seed: 67),
                          labels: .classes([2, 0, 3]))
    }

    @Test func theGradientWorkspaceIsReused() {
        let logits = Seeded.uniform([8, 10], seed: 68)
        let labels = Labels.classes([Int32](repeating: 3, count: 8))
        var gradient = Tensor(shape: [0])
        _ = SoftmaxCrossEntropy().valueAndGradient(predictions: logits, labels: labels, into: &gradient)
        let first = gradient.withUnsafeBufferPointer { $0.baseAddress }
        _ = SoftmaxCrossEntropy().valueAndGradient(predictions: logits, labels: labels, into: &gradient)
        #expect(gradient.withUnsafeBufferPointer { $0.baseAddress } == first)
    }

    @Test func correctCountComparesArgmaxWithTheLabels() {
        let predictions = Tensor(shape: [4, 3], scalars: [0.1, 0.7, 0.2,
                                                          0.5, 0.4, 0.1,
                                                          0.3, 0.3, 0.4,
                                                          .nan, 0, 1])
        // Predicted classes 1, 0, 2 and none (NaN): rows 1 and 3 are right.
        #expect(Labels.classes([1, 1, 2, 2]).correctCount(of: predictions) == 2)
        #expect(Labels.targets(oneHot([1, 0, 2, 2], classes: 3)).correctCount(of: predictions) == 3)
        // The first of tied maxima is the prediction.
        let tied = Tensor(shape: [1, 3], scalars: [0.5, 0.5, 0])
        #expect(Labels.classes([0]).correctCount(of: tied) == 1)
        #expect(Labels.classes([1]).correctCount(of: tied) == 0)
    }
}
