// x: [N,H,W,C] → y: [N,OH,OW,F], or pooled and winners: [N,OH/2,OW/2,F]. Whichever direct kernel a pass runs.

import CVectorKernels

/// Whichever direct kernel runs a convolution, as one type: a pass holds it in place, with no existential
/// box to allocate, and a layer's code stays the same whichever kernel the algorithm and the shape pick.
enum AnyDirectConvolution: DirectConvolution {
    case singleChannel(SingleChannelConvolution)
    case channels(ChannelConvolution)
    case winograd(WinogradConvolution)

    // Each requirement switches over the cases: an `any DirectConvolution` would box the larger kernels
    // on the heap at every access.
    var geometry: WindowGeometry {
        switch self {
        case .singleChannel(let kernels): return kernels.geometry
        case .channels(let kernels): return kernels.geometry
        case .winograd(let kernels): return kernels.geometry
        }
    }

    var filters: Int {
        switch self {
        case .singleChannel(let kernels): return kernels.filters
        case .channels(let kernels): return kernels.filters
        case .winograd(let kernels): return kernels.filters
        }
    }

    var kernel: UnsafePointer<Float> {
        switch self {
        case .singleChannel(let kernels): return kernels.kernel
        case .channels(let kernels): return kernels.kernel
        case .winograd(let kernels): return kernels.kernel
        }
    }

    var bias: UnsafePointer<Float>? {
        switch self {
        case .singleChannel(let kernels): return kernels.bias
        case .channels(let kernels): return kernels.bias
        case .winograd(let kernels): return kernels.bias
        }
    }

    var activation: Activation {
        switch self {
        case .singleChannel(let kernels): return kernels.activation
        case .channels(let kernels): return kernels.activation
        case .winograd(let kernels): return kernels.activation
        }
    }

    var instructions: VectorInstructions {
        switch self {
        case .singleChannel(let kernels): return kernels.instructions
        case .channels(let kernels): return kernels.instructions
        case .winograd(let kernels): return kernels.instructions
        }
    }

    var scratchFloats: Int {
        switch self {
        case .singleChannel(let kernels): return kernels.scratchFloats
        case .channels(let kernels): return kernels.scratchFloats
        case .winograd(let kernels): return kernels.scratchFloats
        }
    }

    var padsWhileReading: Bool {
        switch self {
        case .singleChannel(let kernels): return kernels.padsWhileReading
        case .channels(let kernels): return kernels.padsWhileReading
        case .winograd(let kernels): return kernels.padsWhileReading
        }
    }

    func convolveRows(_ c: inout cnn_convolution, of image: UnsafePointer<Float>, first: Int, count: Int,
                      into output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        switch self {
        case .singleChannel(let kernels): kernels.convolveRows(&c, of: image, first: first, count: count, into: output, scratch: scratch)
        case .channels(let kernels): kernels.convolveRows(&c, of: image, first: first, count: count, into: output, scratch: scratch)
        case .winograd(let kernels): kernels.convolveRows(&c, of: image, first: first, count: count, into: output, scratch: scratch)
        }
    }

    func convolveAndMaxPoolRows(_ c: inout cnn_convolution, of image: UnsafePointer<Float>, first: Int, count: Int,
                                into pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<UInt8>,
                                scratch: UnsafeMutablePointer<Float>) {
        switch self {
        case .singleChannel(let kernels):
            kernels.convolveAndMaxPoolRows(&c, of: image, first: first, count: count, into: pooled, winners: winners, scratch: scratch)
        case .channels(let kernels):
            kernels.convolveAndMaxPoolRows(&c, of: image, first: first, count: count, into: pooled, winners: winners, scratch: scratch)
        case .winograd(let kernels):
            kernels.convolveAndMaxPoolRows(&c, of: image, first: first, count: count, into: pooled, winners: winners, scratch: scratch)
        }
    }
}

// x: [N,H,W,C], dz: [N,OH,OW,F] → dw: [KH,KW,C,F] += Σ windows ⊗ dz.
extension AnyDirectConvolution {
    /// Floats of scratch each thread hands ``addKernelGradient(of:samples:outputGradient:to:scratch:)``.
    var kernelGradientScratchFloats: Int {
        switch self {
        case .singleChannel: preconditionFailure("The single-channel kernels compute their own parameter gradients")
        case .channels(let kernels): return kernels.kernelGradientScratchFloats
        case .winograd(let kernels): return kernels.kernelGradientScratchFloats
        }
    }

    /// Adds the kernel gradient of samples `samples` of `x` to `dw` by the several-channel or Winograd kernel
    /// (see ``ChannelConvolution/addKernelGradient(of:samples:outputGradient:to:scratch:)``).
    func addKernelGradient(of x: UnsafePointer<Float>, samples: Range<Int>, outputGradient dz: UnsafePointer<Float>,
                           to dw: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        switch self {
        case .singleChannel: preconditionFailure("The single-channel kernels compute their own parameter gradients")
        case .channels(let kernels):
            kernels.addKernelGradient(of: x, samples: samples, outputGradient: dz, to: dw, scratch: scratch)
        case .winograd(let kernels):
            kernels.addKernelGradient(of: x, samples: samples, outputGradient: dz, to: dw, scratch: scratch)
        }
    }
}
