@testable import SwiftCNN
import Testing

@Suite struct ProgressReporterTests {
    @Test func epochLineReadsWellInLogs() {
        let record = EpochRecord(epoch: 0, loss: 0.15234, accuracy: 0.95412, validationLoss: 0.05118,
                                 validationAccuracy: 0.98351, learningRate: 1e-3, seconds: 12.34)
        #expect(ProgressReporter.epochLine(record, epochCount: 5)
            == "epoch 1/5  loss 0.1523  acc 95.41%  val_loss 0.0512  val_acc 98.35%  12.3 s")
        let withoutValidation = EpochRecord(epoch: 4, loss: 0.02, accuracy: 0.99271, learningRate: 1e-3, seconds: 9.96)
        #expect(ProgressReporter.epochLine(withoutValidation, epochCount: 5) == "epoch 5/5  loss 0.0200  acc 99.27%  10.0 s")
    }

    @Test func barShowsProgressSpeedAndTimeLeft() {
        // Batch 235 of 938 after 4 s: 15,040 images at 3,760 img/s, 703 batches left at 4/235 s each.
        let record = BatchRecord(epoch: 1, epochCount: 5, batch: 234, batchCount: 938, samples: 64,
                                 epochSamples: 15_040, loss: 0.2, epochLoss: 0.23456, epochAccuracy: 0.93125,
                                 learningRate: 1e-3)
        #expect(ProgressReporter.barLine(record, elapsed: 4)
            == "epoch 2/5  235/938 [=====>..................]  loss 0.2346  acc 93.12%  3760 img/s  ETA 12 s")
    }

    @Test func quietPrintsNothingAndPerEpochReports() {
        #expect(ProgressReporter(verbosity: .quiet, epochCount: 1) == nil)
        #expect(ProgressReporter(verbosity: .perEpoch, epochCount: 1) != nil)
    }
}
