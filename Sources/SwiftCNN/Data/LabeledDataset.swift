/// Samples with class labels: `inputs` of shape `[N, ...]` and one class index per sample — or, for
/// regression and soft labels, one target tensor per sample (``init(inputs:targets:)``).
///
/// A dataset is a value; subsets (``prefix(_:)``, ``subset(_:)``, ``split(validationFraction:)``) are
/// new datasets. Training reads it in shuffled mini-batches without ever copying the whole set: each
/// epoch permutes an array of sample indices, and each batch is gathered into buffers the caller keeps,
/// so once they have grown to the batch size, gathering allocates nothing.
///
/// ```swift
/// let mnist = try MNIST()
/// var generator = Xoshiro256(seed: 42)
/// var order = mnist.train.sampleOrder()
/// var images = Tensor(shape: [0]), labels: [Int32] = []
/// for _ in 0..<epochs {
///     mnist.train.shuffle(&order, using: &generator)
///     for range in mnist.train.batchRanges(batchSize: 32) {
///         mnist.train.fillBatch(order[range], inputs: &images, labels: &labels)
///         // images: [32, 28, 28, 1], labels: 32 class indices (the last batch may be smaller)
///     }
/// }
/// ```
public struct LabeledDataset: Sendable {
    /// All samples, stacked along the first dimension: `[count] + sampleShape`.
    public let inputs: Tensor
    /// The class index of each sample, in `0..<classCount`; empty when the samples have ``targets``.
    public let labels: [Int32]
    /// The number of classes; labels are in `0..<classCount`. For ``targets``, the size of their last axis.
    public let classCount: Int
    /// The target of each sample, `[N] + targetShape`, in place of class labels: what the model's outputs
    /// are trained towards with a loss such as ``MeanSquaredError`` (regression) or
    /// ``SoftmaxCrossEntropy`` (soft labels, one distribution per sample). Nil for class labels.
    public let targets: Tensor?
    /// The shape of one sample: ``inputs``'s shape without its first dimension.
    public let sampleShape: [Int]
    /// The shape of one sample's target, or nil for class labels. Stored, so that filling a batch does
    /// not build the array again.
    public let targetShape: [Int]?

    /// A dataset of `inputs` (`[N, ...]`) labelled by `labels` (N class indices).
    ///
    /// - Parameters:
    ///   - inputs: the samples, `[N, ...]`.
    ///   - labels: one class index per sample.
    ///   - classCount: the number of classes; by default one more than the largest label. Give it when a
    ///     subset might not contain the highest class.
    public init(inputs: Tensor, labels: [Int32], classCount: Int? = nil) {
        precondition(inputs.rank >= 1, "LabeledDataset inputs need a sample dimension; shape is \(inputs.shape)")
        precondition(inputs.shape[0] == labels.count,
                     "LabeledDataset has inputs of shape \(inputs.shape) but \(labels.count) labels")
        let largest = Int(labels.max() ?? -1)
        precondition(labels.allSatisfy { $0 >= 0 }, "LabeledDataset labels must be class indices ≥ 0")
        let classes = classCount ?? (largest + 1)
        precondition(largest < classes,
                     "LabeledDataset has label \(largest) but only \(classes) classes")
        self.inputs = inputs
        self.labels = labels
        self.classCount = classes
        targets = nil
        sampleShape = Array(inputs.shape.dropFirst())
        targetShape = nil
    }

    /// A dataset of `inputs` (`[N, ...]`) with one target per sample, `targets` (`[N] + targetShape`): as
    /// Keras's `fit(x, y)` with a `y` of floats, for regression or soft labels.
    public init(inputs: Tensor, targets: Tensor) {
        precondition(inputs.rank >= 1 && targets.rank >= 2 && inputs.shape[0] == targets.shape[0],
                     "LabeledDataset needs inputs [N, ...] and targets [N, ...] with the same N; got \(inputs.shape) and \(targets.shape)")
        self.inputs = inputs
        self.targets = targets
        labels = []
        classCount = targets.shape[targets.rank - 1]
        sampleShape = Array(inputs.shape.dropFirst())
        targetShape = Array(targets.shape.dropFirst())
    }

    /// The number of samples.
    public var count: Int { inputs.shape[0] }

    /// Whether the dataset has no samples.
    public var isEmpty: Bool { count == 0 }
}

// MARK: - Subsets

extension LabeledDataset {
    /// The samples at positions `range`, in order.
    public func subset(_ range: Range<Int>) -> LabeledDataset {
        precondition(range.lowerBound >= 0 && range.upperBound <= count,
                     "Subset \(range) is out of range for a dataset of \(count) samples")
        let subsetInputs = Self.samples(range, of: inputs)
        if let targets {
            return LabeledDataset(inputs: subsetInputs, targets: Self.samples(range, of: targets))
        }
        return LabeledDataset(inputs: subsetInputs, labels: Array(labels[range]), classCount: classCount)
    }

    /// The samples of `tensor` (`[N, ...]`) at positions `range`, copied.
    static func samples(_ range: Range<Int>, of tensor: Tensor) -> Tensor {
        let sampleShape = Array(tensor.shape.dropFirst()), size = sampleShape.reduce(1, *)
        let scalars = tensor.withUnsafeBufferPointer { $0[(range.lowerBound * size)..<(range.upperBound * size)] }
        return Tensor(shape: [range.count] + sampleShape, scalars: scalars)
    }

    /// The first `maxLength` samples (all of them if there are fewer).
    public func prefix(_ maxLength: Int) -> LabeledDataset {
        precondition(maxLength >= 0, "prefix needs a non-negative length, got \(maxLength)")
        return subset(0..<min(maxLength, count))
    }

    /// The dataset split in two: the last `validationFraction` of the samples (rounded down) for
    /// validation, the rest for training.
    ///
    /// As with Keras's `validation_split`, the samples are not shuffled first, so the split is the same
    /// every time; shuffle beforehand if the order of the samples carries meaning.
    public func split(validationFraction: Double) -> (training: LabeledDataset, validation: LabeledDataset) {
        precondition((0...1).contains(validationFraction),
                     "validationFraction must be in 0...1, got \(validationFraction)")
        let boundary = count - Int(Double(count) * validationFraction)
        return (subset(0..<boundary), subset(boundary..<count))
    }
}

// MARK: - Mini-batches

extension LabeledDataset {
    /// The sample indices in their stored order, `0..<count`: the array that ``shuffle(_:using:)``
    /// permutes each epoch.
    public func sampleOrder() -> [Int] {
        Array(0..<count)
    }

    /// Permutes `order` in place (Fisher–Yates), drawing from `generator`.
    ///
    /// The permutation depends only on the generator's state and `order`, never on the standard
    /// library's shuffling algorithm, so a seed gives the same epochs in every Swift version.
    public func shuffle(_ order: inout [Int], using generator: inout Xoshiro256) {
        guard order.count > 1 else { return }
        for last in stride(from: order.count - 1, to: 0, by: -1) {
            let other = Int(Self.uniformIndex(below: UInt64(last + 1), using: &generator))
            order.swapAt(last, other)
        }
    }

    /// A uniformly random integer in `0..<bound`, without modulo bias (Lemire's multiply-and-reject).
    private static func uniformIndex(below bound: UInt64, using generator: inout Xoshiro256) -> UInt64 {
        var product = generator.next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = generator.next().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }

    /// The positions in an epoch order that make up each mini-batch of `batchSize`; the last batch
    /// holds the remainder and may be smaller.
    public func batchRanges(batchSize: Int) -> [Range<Int>] {
        precondition(batchSize > 0, "batchSize must be positive, got \(batchSize)")
        return stride(from: 0, to: count, by: batchSize).map { $0..<Swift.min($0 + batchSize, count) }
    }

    /// Gathers the samples at `indices` into `inputs` (shape `[indices.count] + sampleShape`) and their
    /// labels into `labels`, in the order given.
    ///
    /// Both buffers are reused: when `inputs` is uniquely held and large enough and `labels` has the
    /// capacity, nothing is allocated. Keep them across batches and epochs.
    public func fillBatch(_ indices: ArraySlice<Int>, inputs batchInputs: inout Tensor, labels batchLabels: inout [Int32]) {
        precondition(targets == nil, "This dataset has targets, not class labels: fill batches with fillBatch(_:inputs:targets:)")
        Self.gather(indices, from: inputs, sampleShape: sampleShape, into: &batchInputs)
        batchLabels.removeAll(keepingCapacity: true)
        for index in indices { batchLabels.append(labels[index]) }
    }

    /// Gathers the samples at `indices` into `inputs` and their targets into `targets`
    /// (`[indices.count] + targetShape`), in the order given, reusing both buffers as
    /// ``fillBatch(_:inputs:labels:)`` does.
    public func fillBatch(_ indices: ArraySlice<Int>, inputs batchInputs: inout Tensor, targets batchTargets: inout Tensor) {
        guard let targets, let targetShape else {
            preconditionFailure("This dataset has class labels, not targets: fill batches with fillBatch(_:inputs:labels:)")
        }
        Self.gather(indices, from: inputs, sampleShape: sampleShape, into: &batchInputs)
        Self.gather(indices, from: targets, sampleShape: targetShape, into: &batchTargets)
    }

    /// Copies the samples of `source` (`[N] + sampleShape`) at `indices` into `batch`, in order.
    private static func gather(_ indices: ArraySlice<Int>, from source: Tensor, sampleShape: [Int],
                               into batch: inout Tensor) {
        let count = source.shape[0]
        batch.prepare(batch: indices.count, sampleShape: sampleShape)
        let size = sampleShape.reduce(1, *)
        let from = source.storage.pointer, to = batch.storage.pointer
        for (position, index) in indices.enumerated() {
            precondition(index >= 0 && index < count,
                         "Sample index \(index) is out of range for a dataset of \(count) samples")
            to.advanced(by: position &* size).update(from: from.advanced(by: index &* size), count: size)
        }
    }

    /// The samples at `indices` as a new batch: convenient for evaluation and inspection; training loops
    /// use ``fillBatch(_:inputs:labels:)`` with reused buffers instead.
    public func batch(_ indices: ArraySlice<Int>) -> (inputs: Tensor, labels: [Int32]) {
        var batchInputs = Tensor(shape: [0])
        var batchLabels: [Int32] = []
        fillBatch(indices, inputs: &batchInputs, labels: &batchLabels)
        return (batchInputs, batchLabels)
    }
}
