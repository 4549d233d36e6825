@testable import SwiftCNN

// The range kernels of Im2Col.swift and Pooling.swift run over a whole batch on the calling thread, with
// Tensor workspaces as the layers use them (prepared, reused, never cleared first), so that the tests
// can compare them with the naive references.

func im2col(_ x: Tensor, geometry g: WindowGeometry, into columns: inout Tensor) {
    let batch = x.shape[0]
    columns.prepare(batch: batch * g.outputPositions, sampleShape: [g.patchLength])
    im2col(x.storage.pointer, geometry: g, imageRows: 0..<(batch * g.outputHeight), into: columns.storage.pointer)
}

func col2im(_ columns: Tensor, geometry g: WindowGeometry, into x: inout Tensor) {
    let batch = columns.shape[0] / g.outputPositions
    x.prepare(batch: batch, sampleShape: g.inputSampleShape)
    col2im(columns.storage.pointer, geometry: g, samples: 0..<batch, into: x.storage.pointer)
}

func maxPool(_ x: Tensor, geometry g: WindowGeometry, into y: inout Tensor, argmax: inout [Int32]) {
    let batch = x.shape[0]
    y.prepare(batch: batch, sampleShape: g.pooledSampleShape)
    argmax = [Int32](repeating: -1, count: y.count)
    let output = y.storage.pointer
    argmax.withUnsafeMutableBufferPointer { winners in
        maxPool(x.storage.pointer, geometry: g, outputRows: 0..<(batch * g.outputHeight), into: output,
                argmax: winners.baseAddress!)
    }
}

func maxPoolBackward(_ outputGradient: Tensor, argmax: [Int32], geometry g: WindowGeometry,
                     into inputGradient: inout Tensor) {
    let batch = outputGradient.shape[0]
    inputGradient.prepare(batch: batch, sampleShape: g.inputSampleShape)
    let destination = inputGradient.storage.pointer
    argmax.withUnsafeBufferPointer { winners in
        maxPoolBackward(outputGradient.storage.pointer, argmax: winners.baseAddress!, geometry: g, samples: 0..<batch,
                        into: destination)
    }
}

func averagePool(_ x: Tensor, geometry g: WindowGeometry, into y: inout Tensor) {
    let batch = x.shape[0]
    y.prepare(batch: batch, sampleShape: g.pooledSampleShape)
    averagePool(x.storage.pointer, geometry: g, outputRows: 0..<(batch * g.outputHeight), into: y.storage.pointer)
}

func averagePoolBackward(_ outputGradient: Tensor, geometry g: WindowGeometry, into inputGradient: inout Tensor) {
    let batch = outputGradient.shape[0]
    inputGradient.prepare(batch: batch, sampleShape: g.inputSampleShape)
    averagePoolBackward(outputGradient.storage.pointer, geometry: g, samples: 0..<batch,
                        into: inputGradient.storage.pointer)
}

/// The output of a direct convolution kernel over `x`, its rows computed in the pieces `split` (all at
/// once by default) into an output filled with NaN first, so that a row left unwritten shows.
func convolve<Kernels: DirectConvolution>(_ kernels: Kernels, _ x: Tensor, scratch: Tensor,
                                          split: [Range<Int>]? = nil) -> Tensor {
    let g = kernels.geometry, batch = x.shape[0]
    let y = Tensor(shape: [batch, g.outputHeight, g.outputWidth, kernels.filters])
    y.storage.pointer.update(repeating: .nan, count: y.count)
    for rows in split ?? [0..<(batch * g.outputHeight)] {
        kernels.convolve(x.storage.pointer, outputRows: rows, into: y.storage.pointer, scratch: scratch.storage.pointer)
    }
    return y
}

/// The pooled output and winners of a direct convolution kernel with 2×2 max pooling fused, over `x`, its
/// pooled rows computed in the pieces `split` (all at once by default), the output filled with NaN first.
func convolveAndMaxPool<Kernels: DirectConvolution>(_ kernels: Kernels, _ x: Tensor, pooling: WindowGeometry,
                                                    scratch: Tensor, split: [Range<Int>]? = nil) -> (Tensor, [UInt8]) {
    let pooled = Tensor(shape: [x.shape[0]] + pooling.pooledSampleShape)
    pooled.storage.pointer.update(repeating: .nan, count: pooled.count)
    let winners = [UInt8](unsafeUninitializedCapacity: pooled.count) { buffer, count in
        for rows in split ?? [0..<(x.shape[0] * pooling.outputHeight)] {
            kernels.convolveAndMaxPool(x.storage.pointer, pooledRows: rows, into: pooled.storage.pointer,
                                       winners: buffer.baseAddress!, scratch: scratch.storage.pointer)
        }
        count = pooled.count
    }
    return (pooled, winners)
}
