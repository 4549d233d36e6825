// Inference may be called on one model from any number of threads at once: the passes share the
// layers' workspaces, so each runs under the model's inference lock, and the results equal one thread's.
extension Model {
    /// The mean loss and the accuracy (in 0...1) of the model on `data`, computed in inference mode in
    /// batches of `batchSize`. With ``LabeledDataset/targets``, a sample counts as correct when the
    /// largest output is where the largest target is (Keras's categorical accuracy).
    public func evaluate(_ data: LabeledDataset, batchSize: Int = 256,
                         loss: Loss = SoftmaxCrossEntropy()) -> (loss: Float, accuracy: Float) {
        precondition(data.sampleShape == inputShape,
                     "evaluate got samples of shape \(data.sampleShape) for a model with input shape \(inputShape)")
        precondition(!data.isEmpty, "evaluate needs at least one sample")
        precondition(batchSize > 0, "evaluate needs a positive batch size, got \(batchSize)")
        let measured = measure(data, batches: data.batchRanges(batchSize: batchSize)[...], loss: loss)
        return (measured.loss, measured.accuracy)
    }

    /// What the model measures on the samples of `data` in `batches`, each a range of samples.
    func measure(_ data: LabeledDataset, batches: ArraySlice<Range<Int>>, loss: Loss) -> BatchMetrics {
        var measured = BatchMetrics()
        for range in batches {
            let outputs = exclusively { forwardInSlices(data.inputs, samples: range) }
            let targets = data.targets.map { Labels.targets(LabeledDataset.samples(range, of: $0)) }
                ?? Labels.classes(Array(data.labels[range]))
            measured += BatchMetrics(lossSum: Double(loss.value(predictions: outputs, labels: targets)) * Double(range.count),
                                     correctCount: targets.correctCount(of: outputs), sampleCount: range.count)
        }
        return measured
    }

    /// The model's outputs for `inputs` (`[N] + inputShape`) — the logits, for a classifier — computed in
    /// inference mode in batches of `batchSize`.
    public func callAsFunction(_ inputs: Tensor, batchSize: Int = 256) -> Tensor {
        outputs(for: inputs, batchSize: batchSize) { $0 }
    }

    /// Class probabilities for `inputs` (`[N] + inputShape`): the softmax of the model's outputs over
    /// their last axis, or the outputs themselves when the model already ends in ``Softmax``.
    public func predict(_ inputs: Tensor, batchSize: Int = 256) -> Tensor {
        guard !(layers[layers.count - 1] is Softmax) else { return self(inputs, batchSize: batchSize) }
        return outputs(for: inputs, batchSize: batchSize) { outputSoftmax.forward($0, training: false) }
    }

    /// The most likely class of each input (`[N] + inputShape`): the index of the largest output over
    /// the last axis, the first one on ties.
    public func predictedClasses(for inputs: Tensor, batchSize: Int = 256) -> [Int] {
        let outputs = self(inputs, batchSize: batchSize)
        let width = outputs.shape[outputs.rank - 1]
        return outputs.withUnsafeBufferPointer { values in
            stride(from: 0, to: values.count, by: width).map { start in
                var best = start
                for index in start..<(start + width) where values[index] > values[best] {
                    best = index
                }
                return best - start
            }
        }
    }

    /// The inference-mode outputs for `inputs`, batch by batch, each batch's outputs passed through
    /// `transform` before being copied into the result.
    private func outputs(for inputs: Tensor, batchSize: Int, transform: (Tensor) -> Tensor) -> Tensor {
        checkInputs(inputs, batchSize: batchSize)
        let count = inputs.shape[0]
        if count <= batchSize {
            return exclusively { transform(forward(inputs, training: false)) }
        }
        let outputSize = outputShape.reduce(1, *)
        var result = Tensor(shape: [count] + outputShape)
        for start in stride(from: 0, to: count, by: batchSize) {
            let end = min(start + batchSize, count)
            let outputs = exclusively { transform(forwardInSlices(inputs, samples: start..<end)) }
            result.withUnsafeMutableBufferPointer { destination in
                outputs.withUnsafeBufferPointer { source in
                    _ = UnsafeMutableBufferPointer(rebasing: destination[(start * outputSize)..<(end * outputSize)])
                        .update(fromContentsOf: source)
                }
            }
        }
        return result
    }

    /// Stops the program unless `inputs` is a batch `[N] + inputShape` and `batchSize` is positive.
    func checkInputs(_ inputs: Tensor, batchSize: Int) {
        precondition(inputs.rank == inputShape.count + 1 && inputs.shape.dropFirst().elementsEqual(inputShape),
                     "The model takes inputs [N] + \(inputShape), got \(inputs.shape)")
        precondition(batchSize > 0, "batchSize must be positive, got \(batchSize)")
    }

    /// `body`, run while this thread holds the model's inference lock.
    @inline(__always)
    private func exclusively<Result>(_ body: () -> Result) -> Result {
        inferenceLock.lock()
        defer { inferenceLock.unlock() }
        return body()
    }
}
