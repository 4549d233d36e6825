import ArgumentParser
import BenchmarkSupport
import Foundation
import SwiftCNN

/// Trains the reference CNN on MNIST (or another network of the benchmark set) and reports what the peer benchmarks report: seconds per epoch,
/// test accuracy, inference throughput and single-image latency — plus images per second and peak
/// memory — as text and as RESULT lines in the peers' schema.
@main
struct EpochBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "epoch-benchmark",
        abstract: "Times whole training epochs of the reference CNN on MNIST, then inference.",
        discussion: """
            Repeat --threads to compare thread counts: each count trains a fresh model with the same \
            seed, and a scaling summary follows. MNIST is read from --mnist-dir, else $MNIST_DIR, else \
            the library's usual places.
            """)

    @Option(help: "The network to train: reference (MNIST), pytorch-examples (MNIST), batchnorm (Fashion-MNIST) or resnet8 (Fashion-MNIST).")
    var network: String = BenchmarkNetwork.reference.rawValue

    @Option(help: "Epochs to train.")
    var epochs = 1

    @Option(name: .customLong("threads"), help: "Threads to train and infer on; repeat the option for a scaling run.")
    var threadCounts: [Int] = [2]

    @Option(help: "Seed of the initial weights and of the shuffles.")
    var seed: UInt64 = 1

    @Option(help: "The directory holding the four MNIST files.")
    var mnistDir: String?

    @Option(name: .customLong("results"), help: "Also append each RESULT (one JSON line) to this file.")
    var resultsPath: String?

    @Flag(help: "Multiply in BF16 with FP32 sums in the convolutions (Backend.precision = .bfloat16); needs AVX512_BF16.")
    var bf16 = false

    @Flag(help: "Compute the 3×3 stride-1 convolutions' forward passes, input and kernel gradients by Winograd's F(4×4, 3×3) (Conv2D.Algorithm.winograd).")
    var winograd = false

    @Flag(inversion: .prefixedNo, help: "Measure inference after training.")
    var inference = true

    @Option(help: "Timed passes over the test set in batches of 1000 (the best one counts).")
    var repeats = 5

    @Option(help: "Untimed single-image calls before the timed ones.")
    var warmupCalls = 100

    @Option(help: "Timed single-image calls (their median and 99th percentile count).")
    var calls = 1000

    func validate() throws {
        guard BenchmarkNetwork(rawValue: network) != nil else {
            throw ValidationError("--network must be one of \(BenchmarkNetwork.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard epochs > 0, repeats > 0, calls > 0, warmupCalls >= 0 else {
            throw ValidationError("epochs, repeats and calls must be positive, warmup-calls not negative")
        }
        guard !threadCounts.isEmpty, threadCounts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--threads needs positive thread counts")
        }
    }

    func run() throws {
        let network = BenchmarkNetwork(rawValue: self.network) ?? .reference
        let mnist = network.usesFashionMNIST
            ? try MNIST(variant: .fashion)
            : try MNIST(directory: mnistDir.map { URL(fileURLWithPath: $0) })
        print("\(mnist.variant.name) from \(mnist.directory.path): \(mnist.train.count) training, \(mnist.test.count) test images")
        print("CPU: \(Machine.cpuStamp)")
        if bf16 { Backend.precision = .bfloat16 }
        if winograd { ResultRecord.convolutionAlgorithm = .winograd }

        var medianEpochSeconds: [(threads: Int, seconds: Double)] = []
        for threads in threadCounts {
            Backend.threadCount = threads
            print("\n\(Backend.summary)")
            let trained = try train(network, on: mnist, threads: threads)
            medianEpochSeconds.append((threads, trained.medianEpochSeconds))
            if inference {
                try measureInference(of: trained.model, on: mnist.test, threads: threads)
            }
        }

        if medianEpochSeconds.count > 1, let baseline = medianEpochSeconds.first {
            print("\nScaling (median seconds per epoch):")
            for (threads, seconds) in medianEpochSeconds {
                print("  \(threads) thread\(threads == 1 ? " " : "s"): \(format(seconds, places: 2)) s, "
                      + "\(format(baseline.seconds / seconds, places: 2))× the \(baseline.threads)-thread speed")
            }
        }
    }

    private func train(_ network: BenchmarkNetwork, on mnist: MNIST, threads: Int) throws -> (model: Model, medianEpochSeconds: Double) {
        let model = try network.model(seed: seed, adaptingTo: mnist.train.inputs, algorithm: ResultRecord.convolutionAlgorithm)
        let optimizer = Adam(learningRate: 1e-3, epsilon: 1e-7)
        print("Training \(network.rawValue) (\(model.parameterCount) parameters) for \(epochs) epoch\(epochs == 1 ? "" : "s"), "
              + "batch \(ReferenceCNN.batchSize), seed \(seed)")
        let history = try model.fit(mnist.train, epochs: epochs, batchSize: ReferenceCNN.batchSize,
                                    optimizer: optimizer, loss: SoftmaxCrossEntropy(), shuffleSeed: seed)
        let (testLoss, testAccuracy) = model.evaluate(mnist.test, batchSize: ReferenceCNN.inferenceBatchSize)

        let result = TrainResult(network: network.rawValue, dataset: network.usesFashionMNIST ? "fashion" : "mnist",
                                 threads: threads, seed: seed, batchSize: ReferenceCNN.batchSize,
                                 epochSeconds: history.seconds, trainingImages: mnist.train.count,
                                 testAccuracy: testAccuracy, testLoss: testLoss,
                                 peakMemoryBytes: Machine.peakResidentBytes)
        print("  \(format(result.medianEpochSeconds, places: 2)) s per epoch (median), "
              + "\(format(result.trainImagesPerSecond, places: 0)) images/s, "
              + "test accuracy \(format(result.testAccuracy, places: 4)), loss \(format(result.testLoss, places: 4)), "
              + "peak memory \(result.peakMemoryMB.map { format($0, places: 0) + " MB" } ?? "unknown")")
        try ResultRecord.emit(result, appendingTo: resultsPath)
        return (model, result.medianEpochSeconds)
    }

    /// Times inference as the peer benchmarks do: the best of `repeats` passes over the test set in
    /// batches of 1000 after a warm-up pass, and the median of `calls` single-image calls after
    /// `warmupCalls` untimed ones. Inputs are prepared beforehand, so only `predict` is timed.
    private func measureInference(of model: Model, on test: LabeledDataset, threads: Int) throws {
        let batchSize = ReferenceCNN.inferenceBatchSize
        let batches = stride(from: 0, to: test.count, by: batchSize).map {
            test.subset($0..<min($0 + batchSize, test.count)).inputs
        }
        var correct = 0
        for (index, batch) in batches.enumerated() {
            let classes = argmaxRows(model.predict(batch, batchSize: batchSize))
            let labels = test.labels[(index * batchSize)...]
            correct += zip(classes, labels).filter { $0 == Int($1) }.count
        }
        let passes = (0..<repeats).map { _ in
            Timing.seconds {
                for batch in batches { _ = model.predict(batch, batchSize: batchSize) }
            }
        }
        let imagesPerSecond = Double(test.count) / passes.min()!

        let single = test.subset(0..<1).inputs
        for _ in 0..<warmupCalls { _ = model.predict(single, batchSize: 1) }
        let latencies = (0..<calls).map { _ in
            Timing.seconds { _ = model.predict(single, batchSize: 1) }
        }
        let result = InferResult(threads: threads, batchSize: batchSize, imagesPerSecond: imagesPerSecond,
                                 latencyMicroseconds: Timing.median(latencies) * 1e6,
                                 latencyP99Microseconds: Timing.percentile(99, of: latencies) * 1e6,
                                 testAccuracy: Double(correct) / Double(test.count))
        print("  inference: \(format(result.imagesPerSecond, places: 0)) images/s (batch \(batchSize)), "
              + "\(format(result.latencyMicroseconds, places: 1)) µs/image (batch 1; 99th percentile "
              + "\(format(result.latencyP99Microseconds, places: 1)) µs)")
        try ResultRecord.emit(result, appendingTo: resultsPath)
    }

    /// The index of the largest value in each row of a [rows, columns] tensor.
    private func argmaxRows(_ values: Tensor) -> [Int] {
        let width = values.shape[1]
        return values.withUnsafeBufferPointer { buffer in
            stride(from: 0, to: buffer.count, by: width).map { start in
                (start..<start + width).max { buffer[$0] < buffer[$1] }! - start
            }
        }
    }

    private func format(_ value: Double, places: Int) -> String {
        String(format: "%.\(places)f", value)
    }
}
