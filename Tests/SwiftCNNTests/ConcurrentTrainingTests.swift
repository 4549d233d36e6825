import COpenBLAS
import Foundation
import SwiftCNN
import Testing
import TestSupport

/// Two models trained at the same time on two threads give, each, the numbers of training it alone:
/// nothing process-wide (the worker pool, OpenBLAS's threads) may change a result.
@Suite struct ConcurrentTrainingTests {
    /// A small CNN whose Dense products (16 rows × 576 × 128 a chunk) are in the range where OpenBLAS
    /// picks its SGEMM kernel by its thread count: another kernel, other last bits.
    static func makeModel(seed: UInt64) throws -> Sequential {
        try Sequential(inputShape: [12, 12, 1], seed: seed) {
            Conv2D(filters: 16, kernelSize: (3, 3), activation: .relu)
            MaxPool2D(poolSize: (2, 2))
            Flatten()
            Dense(units: 128, activation: .relu)
            Dense(units: 10)
        }
    }

    static let data: LabeledDataset = {
        var generator = Xoshiro256(seed: 8)
        return LabeledDataset(inputs: Tensor(randomUniform: [2048, 12, 12, 1], using: &generator),
                              labels: (0..<2048).map { Int32($0 % 10) }, classCount: 10)
    }()

    /// Every parameter of a model trained from `seed` for 128 steps, as bit patterns.
    static func train(seed: UInt64) throws -> [UInt32] {
        let model = try makeModel(seed: seed)
        try model.fit(data, epochs: 2, batchSize: 32, optimizer: Adam(learningRate: 1e-3), verbosity: .quiet)
        return model.parameters.flatMap { $0.value.scalars.map(\.bitPattern) }
    }

    /// `train(seed:)` for each seed at the same time, each on a thread of its own.
    static func trainAtOnce(seeds: [UInt64]) -> [Result<[UInt32], Error>] {
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var values: [Int: Result<[UInt32], Error>] = [:]
        }
        let results = Results()
        let done = DispatchGroup()
        for (index, seed) in seeds.enumerated() {
            done.enter()
            let thread = Thread {
                let result = Result { try train(seed: seed) }
                results.lock.withLock { results.values[index] = result }
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        return seeds.indices.map { results.values[$0]! }
    }

    @Test func twoModelsTrainedAtOnceMatchTheirSingleRunsBitForBit() throws {
        try withThreadCount {
            let alone = try [Self.train(seed: 1), Self.train(seed: 2)]
            #expect(alone[0] != alone[1])
            for _ in 0..<2 {
                let together = try Self.trainAtOnce(seeds: [1, 2]).map { try $0.get() }
                #expect(together[0] == alone[0], "model 1 differs when trained beside model 2")
                #expect(together[1] == alone[1], "model 2 differs when trained beside model 1")
            }
        }
    }

    /// The mechanism behind the differences: OpenBLAS's thread count is process-wide, and it used to follow
    /// ``Backend/threadCount`` outside SwiftCNN's loops (and be rewritten around each), so a product on one
    /// thread ran with the thread count another thread had just set — and OpenBLAS picks its kernel, and
    /// so the last bits, by that count. Now it stays 1 whatever is set or run.
    @Test func openBLASStaysSingleThreaded() {
        withThreadCount(2) {
            _ = Tensor.matmul(Tensor(shape: [256, 256], repeating: 1), Tensor(shape: [256, 256], repeating: 1))
            #expect(openblas_get_num_threads() == 1)
            #expect(Backend.threadCount == 2)
        }
    }
}
