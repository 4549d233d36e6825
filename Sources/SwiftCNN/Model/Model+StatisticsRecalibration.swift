extension Model {
    /// Estimates the running statistics of every layer that keeps them (``BatchNormalization``'s mean and
    /// variance) afresh from `inputs` (`[N] + inputShape`), as PyTorch's `torch.optim.swa_utils.update_bn`
    /// does.
    ///
    /// The inputs go through the model in batches of `batchSize`, in inference mode: augmentation and
    /// dropout are off, as they are when the model is used. Each normalisation layer normalises every batch
    /// with the batch's own statistics, as in training, and its running mean and variance become the mean
    /// and variance of all the values it saw. Running averages kept during training lag behind the
    /// weights and describe augmented, dropped-out activations; after averaging the weights
    /// (``MovingAverage``) they describe weights the model no longer has. Call this on training images
    /// after `fit` (or let ``RecalibrateStatistics`` do it); models without such layers are unchanged.
    public func recalibrateStatistics(on inputs: Tensor, batchSize: Int = 256) {
        checkInputs(inputs, batchSize: batchSize)
        precondition(inputs.shape[0] > 0, "recalibrateStatistics needs at least one sample")
        inferenceLock.lock()
        defer { inferenceLock.unlock() }
        let count = inputs.shape[0], sampleSize = inputs.count / count
        for layer in layers { layer.beginStatisticsRecalibration() }
        for start in stride(from: 0, to: count, by: batchSize) {
            let end = Swift.min(start + batchSize, count)
            // Each batch whole, into the inference workspace: slicing it as forwardInSlices does would
            // change the statistics each normalisation normalises with.
            sliceInputs.prepare(batch: end - start, sampleShape: inputShape)
            sliceInputs.storage.pointer.update(from: inputs.storage.pointer + start * sampleSize,
                                               count: (end - start) * sampleSize)
            _ = plan.forward(sliceInputs, training: false)
        }
        for layer in layers { layer.endStatisticsRecalibration() }
    }

    /// ``recalibrateStatistics(on:batchSize:)-(Tensor,_)`` on the inputs of `data`; the labels are not used.
    public func recalibrateStatistics(on data: LabeledDataset, batchSize: Int = 256) {
        recalibrateStatistics(on: data.inputs, batchSize: batchSize)
    }
}
