extension Sequential {
    /// Trains the model on `data` for `epochs` epochs of shuffled mini-batches and returns what each
    /// epoch measured.
    ///
    /// Each step runs the layers forward in training mode, computes the loss and its gradient in one
    /// pass, runs the layers backward and lets `optimizer` update the parameters; a warmed-up step
    /// allocates nothing. The sample order of each epoch comes from a generator seeded with
    /// `shuffleSeed` (by default the model's ``seed``) and jumped once (``Xoshiro256/jump()``), so that
    /// it shares no draws with the initial weights; a run is reproducible: the same seeds give the same
    /// weights, shuffles and losses. Training fails rather than continue once a batch's loss
    /// is NaN or infinite. While it runs, the calling thread flushes subnormal floats to zero (callbacks
    /// included), which keeps x86 arithmetic at full speed; the previous mode is restored afterwards.
    ///
    /// - Parameters:
    ///   - data: The training samples; their shape must be the model's ``inputShape``.
    ///   - epochs: The epoch to stop after, counted from 1 (with `initialEpoch`, the total including the
    ///     epochs already trained).
    ///   - batchSize: Samples per step; the last batch of an epoch holds the remainder.
    ///   - optimizer: Updates the parameters; keep a reference to it to save or resume its state.
    ///   - loss: The objective, given the model's outputs and the class labels.
    ///   - schedule: Sets the optimizer's learning rate before every step; by default it is left alone.
    ///   - validationData: Samples to evaluate on after each epoch.
    ///   - validationSplit: Instead of `validationData`, the fraction of `data` (its last samples, taken
    ///     before shuffling, as in Keras) to hold out for validation.
    ///   - shuffleSeed: The seed of the epoch shuffles; by default the model's ``seed``.
    ///   - initialEpoch: The number of epochs already trained, when resuming: training starts at this
    ///     epoch, with the shuffles and schedule an uninterrupted run would have reached.
    ///   - verbosity: What to print (see ``Verbosity``).
    ///   - callbacks: Called at the start and end of the run, of each epoch and of each batch.
    /// - Throws: ``ActivationMemoryError`` before the first step when a batch's activations and their
    ///   gradients would take more than ``defaultActivationMemoryLimit``;
    ///   ``TrainingError/nonFiniteLoss(epoch:batch:)`` when a batch's loss is not finite; the
    ///   parameters then hold the values from before that batch's update.
    @discardableResult
    public func fit(
        _ data: LabeledDataset, epochs: Int, batchSize: Int = 64, optimizer: Optimizer = Adam(),
        loss: Loss = SoftmaxCrossEntropy(), schedule: LearningRateSchedule? = nil,
        validationData: LabeledDataset? = nil, validationSplit: Double = 0, shuffleSeed: UInt64? = nil,
        initialEpoch: Int = 0, verbosity: Verbosity = .automatic, callbacks: [TrainingCallback] = []
    ) throws -> History {
        precondition(data.sampleShape == inputShape,
                     "fit got samples of shape \(data.sampleShape) for a model with input shape \(inputShape)")
        precondition(batchSize > 0, "fit needs a positive batch size, got \(batchSize)")
        precondition(initialEpoch >= 0 && initialEpoch < epochs,
                     "fit needs 0 ≤ initialEpoch < epochs, got initialEpoch \(initialEpoch) and epochs \(epochs)")
        precondition(validationSplit >= 0 && validationSplit < 1,
                     "validationSplit must be in 0..<1, got \(validationSplit)")
        precondition(validationSplit == 0 || validationData == nil,
                     "fit takes validationData or validationSplit, not both")

        let (training, validation) = validationSplit > 0
            ? data.split(validationFraction: validationSplit) : (data, validationData)
        precondition(!training.isEmpty, "fit needs at least one training sample")
        if let validation {
            precondition(validation.sampleShape == inputShape,
                         "fit got validation samples of shape \(validation.sampleShape) for a model with input shape \(inputShape)")
        }

        try checkActivationMemory(batchSize: Swift.min(batchSize, training.count), training: true)
        let batches = training.batchRanges(batchSize: batchSize)
        let stepsPerEpoch = batches.count
        var order = training.sampleOrder()
        var generator = Xoshiro256(seed: shuffleSeed ?? seed).jumped()
        for _ in 0..<initialEpoch {
            training.shuffle(&order, using: &generator)
        }
        let reporter = ProgressReporter(verbosity: verbosity, epochCount: epochs)
        let observers: [TrainingCallback] = (reporter.map { [$0] } ?? []) + callbacks
        var history = History()

        try withDenormalsFlushedToZero {
            for observer in observers { observer.onTrainingBegin(model: self) }
            for epoch in initialEpoch..<epochs {
                for observer in observers { observer.onEpochBegin(epoch, model: self) }
                let clock = Stopwatch()
                training.shuffle(&order, using: &generator)
                var lossSum: Double = 0
                var correct = 0, seen = 0

                for (batch, range) in batches.enumerated() {
                    if let schedule {
                        optimizer.learningRate = schedule.learningRate(at: TrainingProgress(
                            step: epoch * stepsPerEpoch + batch, stepsPerEpoch: stepsPerEpoch,
                            totalSteps: epochs * stepsPerEpoch))
                    }
                    training.fillBatch(order[range], inputs: &batchInputs, labels: &batchLabels)
                    let measured = computeGradients(inputs: batchInputs, labels: batchLabels, loss: loss)
                    guard measured.loss.isFinite else {
                        throw TrainingError.nonFiniteLoss(epoch: epoch, batch: batch)
                    }
                    applyGradients(using: optimizer)

                    lossSum += Double(measured.loss) * Double(range.count)
                    correct += measured.correctCount
                    seen += range.count
                    guard !observers.isEmpty else { continue }
                    let record = BatchRecord(
                        epoch: epoch, epochCount: epochs, batch: batch, batchCount: stepsPerEpoch,
                        samples: range.count, epochSamples: seen, loss: measured.loss,
                        epochLoss: Float(lossSum / Double(seen)), epochAccuracy: Float(correct) / Float(seen),
                        learningRate: optimizer.learningRate)
                    for observer in observers { observer.onBatchEnd(record, model: self) }
                }

                var record = EpochRecord(epoch: epoch, loss: Float(lossSum / Double(seen)),
                                         accuracy: Float(correct) / Float(seen),
                                         learningRate: optimizer.learningRate, seconds: 0)
                if let validation {
                    let measured = evaluate(validation, loss: loss)
                    record.validationLoss = measured.loss
                    record.validationAccuracy = measured.accuracy
                }
                record.seconds = clock.seconds
                history.epochs.append(record)
                let actions = observers.map { $0.onEpochEnd(record, model: self) }
                if actions.contains(.stop) { break }
            }
            for observer in observers { observer.onTrainingEnd(history, model: self) }
        }
        return history
    }

    /// Runs one batch forward and backward: afterwards every parameter's ``Parameter/gradient`` holds
    /// the gradient of the batch's mean loss, and nothing has been applied yet.
    ///
    /// This is the seam for data-parallel training: between this and ``applyGradients(using:)`` all
    /// gradients are complete, so a batch can be split across cores here and the gradients summed
    /// before the single update.
    func computeGradients(inputs: Tensor, labels: [Int32], loss: Loss) -> (loss: Float, correctCount: Int) {
        let measured = forwardWithLoss(inputs, labels: labels, loss: loss)
        var gradient = lossGradient
        for index in plan.indices.reversed() {
            guard let inputGradient = plan[index].backward(gradient, needsInputGradient: index > firstTrainedStep)
            else { break }
            gradient = inputGradient
        }
        return measured
    }

    /// Updates the parameters from the gradients that ``computeGradients(inputs:labels:loss:)`` left.
    func applyGradients(using optimizer: Optimizer) {
        optimizer.update(parameters)
    }

    /// The training-mode forward pass and the loss, its gradient written to ``lossGradient``.
    ///
    /// A function of its own so that the outputs it holds are released before the backward pass and the
    /// next batch, letting every layer reuse its workspaces.
    private func forwardWithLoss(_ inputs: Tensor, labels: [Int32], loss: Loss) -> (loss: Float, correctCount: Int) {
        let outputs = forward(inputs, training: true)
        let targets = Labels.classes(labels)
        let value = loss.valueAndGradient(predictions: outputs, labels: targets, into: &lossGradient)
        return (value, targets.correctCount(of: outputs))
    }

    /// The outputs of all layers applied in turn.
    func forward(_ inputs: Tensor, training: Bool) -> Tensor {
        if !training && inputs.shape[0] > Self.inferenceSliceSize {
            return forwardInSlices(inputs, samples: 0..<inputs.shape[0])
        }
        return applyLayers(to: inputs, training: training)
    }

    /// The outputs of all layers applied in turn, without slicing.
    func applyLayers(to inputs: Tensor, training: Bool) -> Tensor {
        var activations = inputs
        for layer in plan {
            activations = layer.forward(activations, training: training)
        }
        return activations
    }
}
