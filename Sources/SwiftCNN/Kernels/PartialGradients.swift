/// Where each thread of a backward pass sums its share of a layer's kernel and bias gradients, so that
/// threads never add into the same floats: the first chunk straight into the layer's gradients, every
/// other chunk into the front of its own region of a scratch buffer. ``combine(chunks:)`` then adds the
/// partial sums in chunk order, so chunks that depend on the batch alone (``threadIndependentChunkCount(for:minimumChunk:)``)
/// give the same numbers on any number of threads.
struct PartialGradients {
    /// The layer's gradients, which chunk 0 sums into and which end up holding the total.
    let kernel: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?
    let kernelCount: Int, biasCount: Int
    /// One region of `chunkSize` floats per chunk; the partial sums take the first ``size`` of each.
    let buffers: UnsafeMutablePointer<Float>, chunkSize: Int

    /// Floats the partial sums take at the front of each chunk's region.
    static func size(kernelCount: Int, biasCount: Int) -> Int {
        cacheLineAligned(floats: kernelCount) + cacheLineAligned(floats: biasCount)
    }

    var size: Int { Self.size(kernelCount: kernelCount, biasCount: biasCount) }

    /// Where chunk `chunk` sums its kernel and bias gradients.
    func sums(forChunk chunk: Int) -> (kernel: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?) {
        guard chunk > 0 else { return (kernel, bias) }
        let base = buffers + chunk &* chunkSize
        return (base, bias.map { _ in base + cacheLineAligned(floats: kernelCount) })
    }

    /// The rest of chunk `chunk`'s region, after its partial sums.
    func scratch(forChunk chunk: Int) -> UnsafeMutablePointer<Float> {
        buffers + (chunk &* chunkSize &+ size)
    }

    /// Adds the partial sums of chunks 1..<chunks to the layer's gradients, in chunk order.
    func combine(chunks: Int) {
        for chunk in 1..<Swift.max(1, chunks) {
            let (kernelSums, biasSums) = sums(forChunk: chunk)
            for index in 0..<kernelCount { kernel[index] += kernelSums[index] }
            if let bias, let biasSums {
                for index in 0..<biasCount { bias[index] += biasSums[index] }
            }
        }
    }
}
