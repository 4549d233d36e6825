// The reference CNN as a whole: one training step at batch 64 (`train(onBatch:)`: Adam and
// SoftmaxCrossEntropy, the step `fit` runs), the same step as two accumulated slices, and inference
// through `predict` (softmax included) at batch 1 (latency) and batch 1000 (throughput), on all of the
// machine's threads; and the same step (also with BF16 products) and single-image inference for the
// ResNet-8 of the benchmark set.
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

    // Gradient accumulation (and so distributed training, which runs the same path with a process group):
    // the batch trained as two slices of 32 whose gradients are added before Adam's update. Held to zero
    // allocations like the plain step.
    let accumulated = referenceModel()
    let accumulating = TrainingStep(model: accumulated, optimizer: Adam(learningRate: 1e-3), accumulationSteps: 2)
    let accumulationData = LabeledDataset(inputs: batch, labels: labels, classCount: 10)
    let accumulationIndices = Array(0..<batchSize)[...]
    Benchmark("Training step, batch \(batchSize) in 2 accumulated slices (Adam, SoftmaxCrossEntropy)",
              configuration: .swiftCNN(seconds: 5)) { benchmark in
        benchmark.measuringFLOPs(stepFLOPs) {
            do {
                _ = try accumulating.train(batch: accumulationIndices, of: accumulationData)
                accumulating.applyGradients()
            } catch {
                preconditionFailure("The accumulated training step failed: \(error)")
            }
        }
    }

    // The residual network of the benchmark set: its plan sums gradients where a block's input feeds
    // both the block and the shortcut, and folds each batch normalisation into its convolution in
    // inference. Held to zero allocations like the reference CNN. FLOP counts are computed before the
    // benchmark closures, which run once per iteration inside the measurement.
    func residualModel() -> Model {
        do {
            return try BenchmarkNetwork.resnet8.model(seed: 1, adaptingTo: batch)
        } catch {
            preconditionFailure("ResNet-8 does not build: \(error)")
        }
    }
    let residual = residualModel()
    let residualOptimizer = Adam(learningRate: 1e-3)
    let residualStepFLOPs = Double(batchSize) * FLOPCount.trainingStep(residual)
    let residualSampleFLOPs = FLOPCount.forward(residual)
    Benchmark("ResNet-8 training step, batch \(batchSize) (Adam, SoftmaxCrossEntropy)",
              configuration: .swiftCNN(seconds: 5)) { benchmark in
        benchmark.measuringFLOPs(residualStepFLOPs) {
            do {
                try residual.train(onBatch: batch, labels: labels, optimizer: residualOptimizer)
            } catch {
                preconditionFailure("The ResNet-8 training step diverged: \(error)")
            }
        }
    }
    // The same with BF16 products where the CPU has them (FP32 elsewhere), held to zero allocations too:
    // packing the kernels and converting the images use workspaces like the FP32 passes.
    let mixed = residualModel()
    let mixedOptimizer = Adam(learningRate: 1e-3)
    let products: Precision = Precision.bfloat16.isSupported ? .bfloat16 : .float32
    Benchmark("ResNet-8 training step, batch \(batchSize), BF16 products where the CPU has them (Adam, SoftmaxCrossEntropy)",
              configuration: .swiftCNN(seconds: 5)) { benchmark in
        Backend.precision = products
        defer { Backend.precision = .float32 }
        benchmark.measuringFLOPs(residualStepFLOPs) {
            do {
                try mixed.train(onBatch: batch, labels: labels, optimizer: mixedOptimizer)
            } catch {
                preconditionFailure("The ResNet-8 training step diverged: \(error)")
            }
        }
    }
    let single = images(1)
    Benchmark("ResNet-8 inference (predict), batch 1", configuration: .swiftCNN(seconds: 5)) { benchmark in
        benchmark.measuringFLOPs(residualSampleFLOPs) {
            blackHole(residual.predict(single, batchSize: 1))
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
