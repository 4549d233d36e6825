import Dispatch
import Foundation
import SwiftCNN
import TestSupport
import Testing

/// Regression test for inference called on one model from several threads at once, as a server does:
/// it used to trap, corrupt memory or return wrong probabilities, since the passes share the layers'
/// workspaces.
@Suite struct ConcurrentInferenceTests {
    @Test func predictFromFourThreadsGivesWhatOneThreadGives() throws {
        try withThreadCount { try predictFromFourThreads() }
    }

    private func predictFromFourThreads() throws {
        let model = try Sequential.referenceCNN(seed: 3, inputNormalization: Normalization(mean: [0.13], variance: [0.09]))
        var generator = Xoshiro256(seed: 8)
        // Four inputs of different batch sizes, some above the inference slice size, so that the sliced
        // and the whole-batch paths both run while other threads use the same workspaces.
        let inputs = [1, 7, 100, 300].map { Tensor(randomUniform: [$0, 28, 28, 1], in: 0...1, using: &generator) }
        let expected = inputs.map { model.predict($0) }
        let expectedEvaluation = model.evaluate(LabeledDataset(inputs: inputs[2], labels: (0..<100).map { Int32($0 % 10) }))

        let results = ResultBox(count: inputs.count * 8)
        // Model is not Sendable (training is not thread-safe); its inference is, which is what this checks.
        nonisolated(unsafe) let shared = model
        DispatchQueue.concurrentPerform(iterations: inputs.count * 8) { index in
            let probabilities = shared.predict(inputs[index % inputs.count])
            results.set(index, probabilities)
        }
        for index in 0..<(inputs.count * 8) {
            #expect(results.get(index) == expected[index % inputs.count], "call \(index)")
        }
        #expect(model.evaluate(LabeledDataset(inputs: inputs[2], labels: (0..<100).map { Int32($0 % 10) }))
            == expectedEvaluation)
    }
}

/// Results written by several threads, each to its own slot.
private final class ResultBox: @unchecked Sendable {
    private var values: [Tensor]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: Tensor(shape: [0]), count: count) }

    func set(_ index: Int, _ value: Tensor) { lock.withLock { values[index] = value } }
    func get(_ index: Int) -> Tensor { lock.withLock { values[index] } }
}
