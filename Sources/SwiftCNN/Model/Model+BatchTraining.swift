extension Model {
    /// Trains on one batch: the forward pass, the loss, the backward pass and one update by `optimizer`,
    /// exactly as each step of
    /// ``fit(_:epochs:batchSize:optimizer:loss:schedule:validationData:validationSplit:shuffleSeed:initialEpoch:accumulationSteps:processGroup:verbosity:callbacks:)``
    /// does. Keras calls this `train_on_batch`; it is for training loops of your own.
    ///
    /// ```swift
    /// let loss = try model.train(onBatch: images, labels: digits, optimizer: adam)
    /// ```
    ///
    /// - Parameters:
    ///   - inputs: `[N] + inputShape`.
    ///   - labels: `N` class indices.
    ///   - optimizer: Applies the batch's gradients to the parameters.
    ///   - loss: The objective; softmax cross-entropy by default.
    /// - Returns: The batch's mean loss, computed before the update.
    /// - Throws: ``TrainingError/nonFiniteLoss(epoch:batch:)`` (epoch and batch 0) when the loss is NaN or
    ///   infinite; the parameters are then left as they were.
    @discardableResult
    public func train(onBatch inputs: Tensor, labels: [Int32], optimizer: Optimizer,
                      loss: Loss = SoftmaxCrossEntropy()) throws -> Float {
        precondition(inputs.rank == inputShape.count + 1 && inputs.shape.dropFirst().elementsEqual(inputShape),
                     "train(onBatch:) expects inputs of shape [N] + \(inputShape), got \(inputs.shape)")
        precondition(labels.count == inputs.shape[0],
                     "train(onBatch:) got \(labels.count) labels for \(inputs.shape[0]) samples")
        let step: TrainingStep
        if let reused = batchStep, reused.optimizer === optimizer {
            step = reused
            step.loss = loss
        } else {
            step = TrainingStep(model: self, optimizer: optimizer, loss: loss)
            batchStep = step
        }
        return try withDenormalsFlushedToZero {
            try step.run(inputs: inputs, labels: .classes(labels)).loss
        }
    }
}
