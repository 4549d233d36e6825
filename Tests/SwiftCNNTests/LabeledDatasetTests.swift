import SwiftCNN
import Testing

/// Ten 2×1 samples whose values encode their index (sample i holds 10i and 10i + 1), labelled i mod 3.
private func tenSamples() -> LabeledDataset {
    let scalars = (0..<10).flatMap { [Float($0 * 10), Float($0 * 10 + 1)] }
    return LabeledDataset(inputs: Tensor(shape: [10, 2, 1], scalars: scalars),
                          labels: (0..<10).map { Int32($0 % 3) })
}

@Suite struct LabeledDatasetTests {
    @Test func describesItsSamples() {
        let data = tenSamples()
        #expect(data.count == 10)
        #expect(!data.isEmpty)
        #expect(data.sampleShape == [2, 1])
        #expect(data.classCount == 3)
        #expect(LabeledDataset(inputs: Tensor(shape: [2, 4]), labels: [0, 1], classCount: 10).classCount == 10)
    }

    @Test func subsetsCopyTheRightSamples() {
        let data = tenSamples()
        let middle = data.subset(3..<5)
        #expect(middle.inputs == Tensor(shape: [2, 2, 1], scalars: [30, 31, 40, 41]))
        #expect(middle.labels == [0, 1])
        #expect(middle.classCount == 3)
        #expect(data.prefix(2).labels == [0, 1])
        #expect(data.prefix(2).inputs.scalars == [0, 1, 10, 11])
        #expect(data.prefix(50).count == 10)
        #expect(data.subset(4..<4).inputs.shape == [0, 2, 1])
    }

    @Test func splitKeepsTheLastFractionForValidation() {
        let (training, validation) = tenSamples().split(validationFraction: 0.25)
        // 10 × 0.25 = 2.5 rounds down to 2 validation samples.
        #expect(training.count == 8 && validation.count == 2)
        #expect(validation.inputs.scalars == [80, 81, 90, 91])
        #expect(validation.labels == [2, 0])
        #expect(training.inputs.scalars.prefix(2) == [0, 1])
        #expect(tenSamples().split(validationFraction: 0).validation.isEmpty)
    }

    @Test func batchRangesCoverEverySampleOnce() {
        let data = tenSamples()
        #expect(data.batchRanges(batchSize: 4) == [0..<4, 4..<8, 8..<10])
        #expect(data.batchRanges(batchSize: 10) == [0..<10])
        #expect(data.batchRanges(batchSize: 32) == [0..<10])
    }

    @Test func fillBatchGathersSamplesAndLabelsInTheOrderGiven() {
        let data = tenSamples()
        let order = [7, 2, 9, 0]
        var inputs = Tensor(shape: [0])
        var labels: [Int32] = []
        data.fillBatch(order[1..<4], inputs: &inputs, labels: &labels)
        #expect(inputs == Tensor(shape: [3, 2, 1], scalars: [20, 21, 90, 91, 0, 1]))
        #expect(labels == [2, 0, 0])
        let batch = data.batch(order[0..<2])
        #expect(batch.inputs.scalars == [70, 71, 20, 21])
        #expect(batch.labels == [1, 2])
    }

    @Test func warmedUpBuffersAreReusedWithoutDisturbingKeptBatches() {
        let data = tenSamples()
        let order = data.sampleOrder()
        var inputs = Tensor(shape: [0])
        var labels: [Int32] = []
        data.fillBatch(order[0..<4], inputs: &inputs, labels: &labels)
        let inputAddress = inputs.withUnsafeBufferPointer { $0.baseAddress }
        let labelCapacity = labels.capacity
        data.fillBatch(order[4..<8], inputs: &inputs, labels: &labels)
        data.fillBatch(order[8..<10], inputs: &inputs, labels: &labels)  // a smaller last batch fits too
        #expect(inputs.withUnsafeBufferPointer { $0.baseAddress } == inputAddress)
        #expect(labels.capacity == labelCapacity)
        #expect(inputs.shape == [2, 2, 1] && labels == [2, 0])

        // A caller that keeps a batch keeps its values: the next fill gets fresh storage instead.
        let kept = inputs
        data.fillBatch(order[0..<2], inputs: &inputs, labels: &labels)
        #expect(kept.scalars == [80, 81, 90, 91])
        #expect(inputs.scalars == [0, 1, 10, 11])
    }

    @Test func shuffleIsASeededPermutation() {
        let data = LabeledDataset(inputs: Tensor(shape: [100, 1]), labels: [Int32](repeating: 0, count: 100))
        var first = data.sampleOrder(), second = data.sampleOrder(), other = data.sampleOrder()
        var generator = Xoshiro256(seed: 1), again = Xoshiro256(seed: 1), different = Xoshiro256(seed: 2)
        data.shuffle(&first, using: &generator)
        data.shuffle(&second, using: &again)
        data.shuffle(&other, using: &different)
        #expect(first.sorted() == Array(0..<100))
        #expect(first == second)
        #expect(first != other)
        #expect(first != Array(0..<100))
        // The next epoch continues the generator, so it is ordered differently again.
        var next = first
        data.shuffle(&next, using: &generator)
        #expect(next != first && next.sorted() == Array(0..<100))
    }

    @Test func shuffleIsUniform() {
        // Each of the 6 orders of 3 samples should come up about 1/6 of the time: with 6000 shuffles,
        // 1000 ± 150 is more than 5 standard deviations (√(6000 · 1/6 · 5/6) ≈ 29) either side.
        let data = LabeledDataset(inputs: Tensor(shape: [3, 1]), labels: [0, 0, 0])
        var generator = Xoshiro256(seed: 9)
        var tally: [[Int]: Int] = [:]
        for _ in 0..<6000 {
            var order = data.sampleOrder()
            data.shuffle(&order, using: &generator)
            tally[order, default: 0] += 1
        }
        #expect(tally.count == 6)
        #expect(tally.values.allSatisfy { (850...1150).contains($0) }, "\(tally)")
    }
}
