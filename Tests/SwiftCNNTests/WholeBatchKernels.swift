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
