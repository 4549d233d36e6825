// inputs: [N] + inputShape → outputs: [N] + outputShape, through the layers a slice of samples at a time.

extension Model {
    /// The most samples that go through the layers together in inference.
    ///
    /// A large batch taken through layer by layer streams every activation through main memory (the
    /// reference CNN's first convolution alone writes 86 MB for 1000 images); a slice of 64 keeps them in
    /// the cores' caches, and each layer still splits the slice across threads.
    static let inferenceSliceSize = 64

    /// The inference-mode outputs of the layers for samples `samples` of `inputs`, computed in slices of
    /// at most ``inferenceSliceSize`` samples into a workspace (returned), so that a warmed-up call
    /// allocates nothing. All slices have the same size; the last one is padded with zero samples whose
    /// outputs are dropped, so no layer sees its batch size change.
    func forwardInSlices(_ inputs: Tensor, samples: Range<Int>) -> Tensor {
        let count = samples.count
        let sliceCount = (count + Self.inferenceSliceSize - 1) / Self.inferenceSliceSize
        let sliceSize = (count + sliceCount - 1) / sliceCount
        let sampleSize = inputs.count / inputs.shape[0]
        let first = inputs.storage.pointer + samples.lowerBound * sampleSize
        slicedOutputs.prepare(batch: count, sampleShape: outputShape)
        let outputSize = slicedOutputs.count / count
        for slice in 0..<sliceCount {
            let start = slice * sliceSize, end = Swift.min(start + sliceSize, count)
            sliceInputs.prepare(batch: sliceSize, sampleShape: inputShape)
            let destination = sliceInputs.storage.pointer
            destination.update(from: first + start * sampleSize, count: (end - start) * sampleSize)
            (destination + (end - start) * sampleSize).update(repeating: 0, count: (sliceSize - end + start) * sampleSize)
            let activations = plan.forward(sliceInputs, training: false)
            (slicedOutputs.storage.pointer + start * outputSize)
                .update(from: activations.storage.pointer, count: (end - start) * outputSize)
        }
        return slicedOutputs
    }
}
