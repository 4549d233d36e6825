// dpooled, pooled, winners: [N,OH/2,OW/2,F] → dz: [N,OH,OW,F], F a multiple of 16. Naive reference:
// `maxPoolBackwardReference`, times the activation's derivative at the convolution's output.

import CVectorKernels

/// The gradient of a convolution's sums from the gradient of the 2×2 max pooling fused after it
/// (``DirectConvolution/convolveAndMaxPool(_:pooledRows:into:winners:scratch:)``): each pooled gradient
/// goes to the cell of its window that won (`winners`, 0–3 row-major), times ReLU's derivative read off
/// the pooled value when `relu`; every other cell gets zero, the row and column that an odd output size
/// leaves outside every window among them. Overwrites samples `samples` of `dz`, each element once, by
/// the C kernel for `instructions`.
func scatterMaxPoolGradient(_ dpooled: UnsafePointer<Float>, pooled: UnsafePointer<Float>, winners: UnsafePointer<UInt8>,
                            relu: Bool, outputHeight: Int, outputWidth: Int, filters: Int, samples: Range<Int>,
                            into dz: UnsafeMutablePointer<Float>, instructions: VectorInstructions = .best) {
    let sampleCount = outputHeight &* outputWidth &* filters
    let pooledSampleCount = outputHeight / 2 &* (outputWidth / 2) &* filters
    for n in samples {
        let pooledOffset = n &* pooledSampleCount
        cnn_scatter_max_pool_gradient(instructions.isa, dpooled + pooledOffset, pooled + pooledOffset,
                                      winners + pooledOffset, relu ? 1 : 0, Int32(outputHeight), Int32(outputWidth),
                                      Int32(filters), dz + n &* sampleCount)
    }
}

/// ``scatterMaxPoolGradient(_:pooled:winners:relu:outputHeight:outputWidth:filters:samples:into:instructions:)``
/// handed to the threads a range of samples at a time.
struct MaxPoolGradientScatter: ChunkedWork {
    let dpooled: UnsafePointer<Float>, pooled: UnsafePointer<Float>, winners: UnsafePointer<UInt8>
    let relu: Bool
    let outputHeight: Int, outputWidth: Int, filters: Int
    let dz: UnsafeMutablePointer<Float>

    func run(chunk: Int, _ samples: Range<Int>) {
        scatterMaxPoolGradient(dpooled, pooled: pooled, winners: winners, relu: relu, outputHeight: outputHeight,
                               outputWidth: outputWidth, filters: filters, samples: samples, into: dz)
    }
}
