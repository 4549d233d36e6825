extension Model {
    /// ``evaluate(_:batchSize:loss:)`` shared among the processes of `processGroup`: each measures a
    /// consecutive share of the batches, and the shares' sums and counts are added up, so every process
    /// returns the accuracy of the whole of `data`. The batches are those of one process, so each sample's
    /// outputs, and the accuracy, are those one process computes with the same number of threads.
    ///
    /// - Throws: What `processGroup` throws when a process fails.
    public func evaluate(_ data: LabeledDataset, batchSize: Int = 256, loss: Loss = SoftmaxCrossEntropy(),
                         processGroup: ProcessGroup) throws -> (loss: Float, accuracy: Float) {
        precondition(data.sampleShape == inputShape,
                     "evaluate got samples of shape \(data.sampleShape) for a model with input shape \(inputShape)")
        precondition(!data.isEmpty, "evaluate needs at least one sample")
        precondition(batchSize > 0, "evaluate needs a positive batch size, got \(batchSize)")
        let measured = try processGroup.sum(measure(data, share: processGroup, batchSize: batchSize, loss: loss))
        return (measured.loss, measured.accuracy)
    }

    /// What the model measures on this process's share of `data`'s batches.
    func measure(_ data: LabeledDataset, share group: ProcessGroup, batchSize: Int, loss: Loss) -> BatchMetrics {
        let batches = data.batchRanges(batchSize: batchSize)
        let first = batches.count * group.rank / group.size
        let end = batches.count * (group.rank + 1) / group.size
        return measure(data, batches: batches[first..<end], loss: loss)
    }
}
