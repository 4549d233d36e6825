extension Model {
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
    ///   - data: The training samples; their shape must be the model's ``inputShape``. With class labels
    ///     the model outputs one score per class; with ``LabeledDataset/targets`` (regression, soft labels),
    ///     its outputs take the targets' shape.
    ///   - epochs: The epoch to stop after, counted from 1 (with `initialEpoch`, the total including the
    ///     epochs already trained).
    ///   - batchSize: Samples per step; the last batch of an epoch holds the remainder.
    ///   - optimizer: Updates the parameters; keep a reference to it to save or resume its state. When
    ///     training ends, before the callbacks hear of it, its ``Optimizer/finalizeParameters(_:)`` gives
    ///     the parameters their final values (``MovingAverage`` writes its averages into them).
    ///   - loss: The objective, given the model's outputs and the class labels or targets.
    ///   - schedule: Sets the optimizer's learning rate before every step; by default it is left alone.
    ///   - validationData: Samples to evaluate on after each epoch.
    ///   - validationSplit: Instead of `validationData`, the fraction of `data` (its last samples, taken
    ///     before shuffling, as in Keras) to hold out for validation.
    ///   - shuffleSeed: The seed of the epoch shuffles; by default the model's ``seed``.
    ///   - initialEpoch: The number of epochs already trained, when resuming: training starts at this
    ///     epoch, with the shuffles and schedule an uninterrupted run would have reached.
    ///   - accumulationSteps: Slices each global batch of `batchSize` samples is split into on this process,
    ///     their gradients added up before one update (gradient accumulation: the memory of a smaller batch,
    ///     the updates of the large one). Slice `k` draws its random numbers from a stream of its own (see
    ///     ``TrainingStep/train(batch:of:)``).
    ///   - processGroup: The processes of a data-parallel run, each calling `fit` with the same arguments:
    ///     each global batch is split among them; rank 0's parameters, buffers, generators and shuffle
    ///     seed are copied to all first; the gradients and metrics are summed in rank order; validation is
    ///     shared. With one slice per process, N processes compute the weights one process computes with
    ///     `accumulationSteps` N, bit for bit, on as many threads each (except the running statistics of
    ///     ``BatchNormalization``, which each process keeps for its own slices). Only rank 0 prints;
    ///     callbacks run on every process.
    ///   - verbosity: What to print (see ``Verbosity``).
    ///   - callbacks: Called at the start and end of the run, of each epoch and of each batch.
    /// - Throws: ``ActivationMemoryError`` before the first step when a batch's activations and their
    ///   gradients would take more than ``defaultActivationMemoryLimit``;
    ///   ``TrainingError/nonFiniteLoss(epoch:batch:)`` when a batch's loss is not finite; the
    ///   parameters then hold the values from before that batch's update. Whatever `processGroup` throws
    ///   when a process fails.
    @discardableResult
    public func fit(
        _ data: LabeledDataset, epochs: Int, batchSize: Int = 64, optimizer: Optimizer = Adam(),
        loss: Loss = SoftmaxCrossEntropy(), schedule: LearningRateSchedule? = nil,
        validationData: LabeledDataset? = nil, validationSplit: Double = 0, shuffleSeed: UInt64? = nil,
        initialEpoch: Int = 0, accumulationSteps: Int = 1, processGroup: ProcessGroup? = nil,
        verbosity: Verbosity = .automatic, callbacks: [TrainingCallback] = []
    ) throws -> History {
        precondition(data.sampleShape == inputShape,
                     "fit got samples of shape \(data.sampleShape) for a model with input shape \(inputShape)")
        precondition(data.targetShape.map { $0 == outputShape } ?? true,
                     "fit got targets of shape \(data.targetShape ?? []) for a model with output shape \(outputShape)")
        precondition(batchSize > 0, "fit needs a positive batch size, got \(batchSize)")
        precondition(accumulationSteps > 0, "fit needs positive accumulationSteps, got \(accumulationSteps)")
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
        // Every process shuffles as rank 0 does, or the slices would overlap.
        var generator = Xoshiro256(seed: try processGroup.map { try $0.broadcast(shuffleSeed ?? seed) } ?? shuffleSeed ?? seed)
            .jumped()
        for _ in 0..<initialEpoch {
            training.shuffle(&order, using: &generator)
        }
        let step = TrainingStep(model: self, optimizer: optimizer, loss: loss, accumulationSteps: accumulationSteps,
                                processGroup: processGroup)
        try processGroup?.broadcastState(of: self)
        let reporter = ProgressReporter(verbosity: processGroup?.isPrimary == false ? .quiet : verbosity,
                                        epochCount: epochs)
        let observers: [TrainingCallback] = (reporter.map { [$0] } ?? []) + callbacks
        var history = History()

        try withDenormalsFlushedToZero {
            for observer in observers { observer.onTrainingBegin(model: self) }
            for epoch in initialEpoch..<epochs {
                for observer in observers { observer.onEpochBegin(epoch, model: self) }
                let clock = Stopwatch()
                training.shuffle(&order, using: &generator)
                var measured = BatchMetrics()

                for (batch, range) in batches.enumerated() {
                    if let schedule {
                        optimizer.learningRate = schedule.learningRate(at: TrainingProgress(
                            step: epoch * stepsPerEpoch + batch, stepsPerEpoch: stepsPerEpoch,
                            totalSteps: epochs * stepsPerEpoch))
                    }
                    let batchMetrics = try step.train(batch: order[range], of: training)
                    guard batchMetrics.loss.isFinite else {
                        throw TrainingError.nonFiniteLoss(epoch: epoch, batch: batch)
                    }
                    step.applyGradients()
                    measured += batchMetrics
                    guard !observers.isEmpty else { continue }
                    let record = BatchRecord(
                        epoch: epoch, epochCount: epochs, batch: batch, batchCount: stepsPerEpoch,
                        samples: range.count, epochSamples: measured.sampleCount, loss: batchMetrics.loss,
                        epochLoss: measured.loss, epochAccuracy: measured.accuracy,
                        learningRate: optimizer.learningRate)
                    for observer in observers { observer.onBatchEnd(record, model: self) }
                }

                var record = EpochRecord(epoch: epoch, loss: measured.loss, accuracy: measured.accuracy,
                                         learningRate: optimizer.learningRate, seconds: 0)
                if let validation {
                    let measured = try processGroup.map { try evaluate(validation, loss: loss, processGroup: $0) }
                        ?? evaluate(validation, loss: loss)
                    record.validationLoss = measured.loss
                    record.validationAccuracy = measured.accuracy
                }
                record.seconds = clock.seconds
                history.epochs.append(record)
                let actions = observers.map { $0.onEpochEnd(record, model: self) }
                let stop = actions.contains(.stop)
                if try processGroup.map({ try $0.any(stop) }) ?? stop { break }
            }
            optimizer.finalizeParameters(parameters)
            for observer in observers { observer.onTrainingEnd(history, model: self) }
        }
        return history
    }

    /// Gathers the samples of `data` at `indices` into the model's batch buffers and returns their labels
    /// or targets.
    func fillBatch(_ indices: ArraySlice<Int>, from data: LabeledDataset) -> Labels {
        guard data.targets != nil else {
            data.fillBatch(indices, inputs: &batchInputs, labels: &batchLabels)
            return .classes(batchLabels)
        }
        data.fillBatch(indices, inputs: &batchInputs, targets: &batchTargets)
        return .targets(batchTargets)
    }

    /// The outputs of the model for `inputs`; in inference, a large batch goes through in slices.
    func forward(_ inputs: Tensor, training: Bool) -> Tensor {
        if !training && inputs.shape[0] > Self.inferenceSliceSize {
            return forwardInSlices(inputs, samples: 0..<inputs.shape[0])
        }
        return plan.forward(inputs, training: training)
    }
}
