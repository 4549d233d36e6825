// The reference CNN as a whole: one training step at batch 64 (`train(onBatch:)`: Adam and
// SoftmaxCrossEntropy, the step `fit` runs), and inference through `predict` (softmax included) at
// batch 1 (latency) and batch 1000 (throughput), on all of the machine's threads.
import Benchmark
import BenchmarkSupport
import SuiteSupport
import SwiftCNN

let benchmarks: @Sendable () -> Void = {
    var generator = Xoshiro256(seed: 2)
    func images(_ count: Int) -> Tensor {
        Tensor(randomUniform: [count] + ReferenceCNN.inputShape, in: 0...1, using: &generator)
    }
    let batchSize = ReferenceCNN.batchSize
    let batch = images(batchSize)
    func referenceModel() -> Sequential {
        do {
            return try ReferenceCNN.model(seed: 1, adaptingTo: batch)
        } catch {
            preconditionFailure("The reference CNN does not build: \(error)")
        }
    }

    let labels = (0..<batchSize).map { Int32($0 % 10) }
    let model = referenceModel(), optimizer = Adam(learningRate: 1e-3)
    let stepFLOPs = Double(batchSize) * FLOPCount.trainingStep(model)
    Benchmark("Training step, batch \(batchSize) (Adam, SoftmaxCrossEntropy)",
              configuration: .swiftCNN(seconds: 5)) { benchmark in
        benchmark.measuringFLOPs(stepFLOPs) {
            do {
                try model.train(onBatch: batch, labels: labels, optimizer: optimizer)
            } catch {
                preconditionFailure("The training step diverged: \(error)")
            }
        }
    }

    let inference = referenceModel()
    let sampleFLOPs = FLOPCount.forward(inference)
    for count in [1, ReferenceCNN.inferenceBatchSize] {
        let inputs = images(count)
        Benchmark("Inference (predict), batch \(count)", configuration: .swiftCNN(seconds: 5)) { benchmark in
            benchmark.measuringFLOPs(sampleFLOPs * Double(count)) {
                blackHole(inference.predict(inputs, batchSize: count))
            }
        }
    }
}
