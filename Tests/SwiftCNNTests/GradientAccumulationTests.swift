import Foundation
import SwiftCNN
import Testing
import TestSupport

/// A ``ProcessGroup`` of threads in one process: each thread deposits its values, and after a barrier
/// every thread adds all of them in rank order — the contract `MPIProcessGroup` keeps across processes.
private final class ThreadGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var arrived = 0, generation = 0
    var floats: [[Float]], doubles: [[Double]]

    init(size: Int) {
        self.size = size
        floats = Array(repeating: [], count: size)
        doubles = Array(repeating: [], count: size)
    }

    func barrier() {
        condition.lock()
        defer { condition.unlock() }
        let current = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == current { condition.wait() }
        }
    }

    final class Member: ProcessGroup {
        let rank: Int
        let group: ThreadGroup
        var size: Int { group.size }

        init(rank: Int, of group: ThreadGroup) {
            self.rank = rank
            self.group = group
        }

        func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Float>) throws {
            sum(values, through: \.floats)
        }

        func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Double>) throws {
            sum(values, through: \.doubles)
        }

        private func sum<Element: BinaryFloatingPoint>(_ values: UnsafeMutableBufferPointer<Element>,
                                                       through slots: ReferenceWritableKeyPath<ThreadGroup, [[Element]]>) {
            group[keyPath: slots][rank] = Array(values)
            group.barrier()
            for index in values.indices {
                var sum: Element = 0
                for rank in 0..<size { sum += group[keyPath: slots][rank][index] }
                values[index] = sum
            }
            group.barrier()
        }

        func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws {
            if rank == root { group.floats[root] = Array(values) }
            group.barrier()
            for index in values.indices { values[index] = group.floats[root][index] }
            group.barrier()
        }
    }
}

@Suite struct GradientAccumulationTests {
    /// 30 points in [−1, 1]⁴ in three classes.
    static let data: LabeledDataset = {
        let inputs = Seeded.uniform([30, 4], seed: 5)
        let labels = (0..<30).map { Int32(abs(Int((inputs[$0, 0] + inputs[$0, 1] - inputs[$0, 3]) * 1.5)) % 3) }
        return LabeledDataset(inputs: inputs, labels: labels, classCount: 3)
    }()

    /// A small network with dropout, so that the slices draw random numbers; `initialSeed` changes the weights.
    static func makeModel(initialSeed: UInt64 = 3) throws -> Sequential {
        try Sequential(inputShape: [4], seed: initialSeed) {
            Dense(units: 16, activation: .relu)
            Dropout(rate: 0.3, seed: 9)
            Dense(units: 3)
        }
    }

    static func bits(_ model: Model) -> [UInt32] {
        model.parameters.flatMap { $0.value.scalars.map(\.bitPattern) }
    }

    /// Accumulating the gradients of three slices (10, 10 and 10 samples of a batch of 30, the slices'
    /// shares weighted by their sizes) gives one update by the whole batch's gradient, which
    /// `computeGradients` computes on all 30 at once. No dropout here: the slices' masks would differ from
    /// the whole batch's.
    @Test func slicesAddUpToTheWholeBatchGradient() throws {
        let model = try Sequential(inputShape: [4], seed: 3) { Dense(units: 16, activation: .tanh); Dense(units: 3) }
        let reference = try Sequential(inputShape: [4], seed: 3) { Dense(units: 16, activation: .tanh); Dense(units: 3) }
        try model.fit(Self.data, epochs: 1, batchSize: 30, optimizer: SGD(learningRate: 0.5), accumulationSteps: 3,
                      verbosity: .quiet)
        _ = TrainingStep(model: reference, optimizer: SGD(learningRate: 0.5))
            .computeGradients(inputs: Self.data.inputs, labels: .classes(Self.data.labels))
        for (trained, start) in zip(model.parameters, reference.parameters) {
            let expected = start.value.scalars.enumerated().map { $1 - 0.5 * start.gradient.scalars[$0] }
            expectClose(trained.value.scalars, expected, absolute: 1e-6)
        }
    }

    /// Two members of a group, each training one slice of every batch of 7 (slices of 3 and 4, the last
    /// batch of 2 one sample each), compute the very bits of one model accumulating over the same two
    /// slices — dropout masks included — and both end with them.
    @Test func aGroupOfTwoComputesTheBitsOfOneAccumulatingTwoSlices() throws {
        let alone = try Self.makeModel()
        try alone.fit(Self.data, epochs: 3, batchSize: 7, optimizer: Adam(learningRate: 0.01), accumulationSteps: 2,
                      verbosity: .quiet)
        let notSliced = try Self.makeModel()
        try notSliced.fit(Self.data, epochs: 3, batchSize: 7, optimizer: Adam(learningRate: 0.01), verbosity: .quiet)
        #expect(Self.bits(notSliced) != Self.bits(alone))

        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var bits: [Int: Result<[UInt32], Error>] = [:]
        }
        let group = ThreadGroup(size: 2), results = Results(), done = DispatchGroup()
        for rank in 0..<2 {
            done.enter()
            let thread = Thread {
                let result = Result {
                    // Rank 1 starts from other weights: rank 0's are broadcast first.
                    let model = try Self.makeModel(initialSeed: rank == 0 ? 3 : 4)
                    try model.fit(Self.data, epochs: 3, batchSize: 7, optimizer: Adam(learningRate: 0.01),
                                  processGroup: ThreadGroup.Member(rank: rank, of: group), verbosity: .quiet)
                    return Self.bits(model)
                }
                results.lock.withLock { results.bits[rank] = result }
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        #expect(try results.bits[0]!.get() == Self.bits(alone))
        #expect(try results.bits[1]!.get() == Self.bits(alone))
    }
}
