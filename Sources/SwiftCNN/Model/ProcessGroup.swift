/// The processes of a data-parallel training run, and the few collective operations it needs: what a
/// communication library (MPI, in the `SwiftCNNDistributed` product) provides to
/// ``Model/fit(_:epochs:batchSize:optimizer:loss:schedule:validationData:validationSplit:shuffleSeed:initialEpoch:accumulationSteps:processGroup:verbosity:callbacks:)``.
///
/// Every process calls the operations in the same order. The sums add the processes' values in rank
/// order, `((v₀ + v₁) + v₂) + …`, and give every process the same bits: that fixed order is what makes
/// a run on N processes equal to one process accumulating the gradients of the same N slices.
/// An operation that cannot complete (a process failed) throws rather than waits for ever.
public protocol ProcessGroup: AnyObject {
    /// This process's index, in `0..<size`; rank 0 prints and saves.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }

    /// Replaces `values` on every process with the element-wise sum of all processes' `values`, added
    /// in rank order.
    func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Float>) throws

    /// Replaces `values` on every process with the element-wise sum of all processes' `values`, added
    /// in rank order.
    func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Double>) throws

    /// Replaces `values` on every process with those of process `root`.
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws
}

extension ProcessGroup {
    /// Whether this process is rank 0, the one that prints and saves.
    public var isPrimary: Bool { rank == 0 }

    /// The metrics of all processes added in rank order, as sums with counts.
    public func sum(_ metrics: BatchMetrics) throws -> BatchMetrics {
        try withUnsafeTemporaryAllocation(of: Double.self, capacity: 3) { values in
            values[0] = metrics.lossSum
            values[1] = Double(metrics.correctCount)
            values[2] = Double(metrics.sampleCount)
            try sumInRankOrder(values)
            return BatchMetrics(lossSum: values[0], correctCount: Int(values[1]), sampleCount: Int(values[2]))
        }
    }

    /// Whether `flag` is true on any process.
    func any(_ flag: Bool) throws -> Bool {
        try withUnsafeTemporaryAllocation(of: Double.self, capacity: 1) { values in
            values[0] = flag ? 1 : 0
            try sumInRankOrder(values)
            return values[0] > 0
        }
    }

    /// Sets every parameter, buffer and generator of `model` to rank 0's, so that the processes start
    /// alike whatever they were built or loaded with.
    func broadcastState(of model: Model) throws {
        for parameter in model.parameters {
            try parameter.value.withUnsafeMutableBufferPointer { try broadcast($0, from: 0) }
        }
        for layer in model.layers {
            var buffers = layer.buffers
            guard !buffers.isEmpty else { continue }
            for name in buffers.keys.sorted() {
                try buffers[name]!.withUnsafeMutableBufferPointer { try broadcast($0, from: 0) }
            }
            layer.buffers = buffers
        }
        var failure: Error?
        for layer in model.layers {
            layer.withEachGenerator { generator in
                guard failure == nil else { return }
                do {
                    generator = Xoshiro256(state: try generator.state.map { try broadcast($0) })
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
    }

    /// Rank 0's `value`, carried bit for bit as the bit patterns of two floats.
    func broadcast(_ value: UInt64) throws -> UInt64 {
        try withUnsafeTemporaryAllocation(of: Float.self, capacity: 2) { halves in
            halves[0] = Float(bitPattern: UInt32(truncatingIfNeeded: value))
            halves[1] = Float(bitPattern: UInt32(truncatingIfNeeded: value >> 32))
            try broadcast(halves, from: 0)
            return UInt64(halves[0].bitPattern) | UInt64(halves[1].bitPattern) << 32
        }
    }
}
