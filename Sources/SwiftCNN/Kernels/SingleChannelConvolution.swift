// x: [N,H,W,1], w: [KH,KW,1,F], b: [F] → y: [N,OH,OW,F], F a multiple of 16, 3×3 or 5×5 windows;
// with 2×2 max pooling fused: pooled and winners [N,OH/2,OW/2,F]. dy like y, dpooled like pooled,
// dw like w. Naive references: `convolutionReference`, `convolutionParameterGradientsReference`.
// A convolution over one input channel (a first layer on grey images) has only KH·KW terms per output:
// too thin a product for a matrix multiply to run well, and not worth unrolling into im2col. Its
// kernels are C (`CVectorKernels`), because they need AVX-512 and FMA, which Swift code in a library
// cannot ask for; this file is the only one that calls them.

import CVectorKernels

/// One pass of a single-channel convolution: its geometry, weights and activation, and the kernels
/// that run it over ranges of rows or samples, so that layers can split a batch across threads. Each
/// thread hands its own scratch of ``scratchFloats`` floats.
struct SingleChannelConvolution: DirectConvolution {
    let geometry: WindowGeometry
    let filters: Int
    let kernel: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    let activation: Activation
    var instructions = VectorInstructions.best

    /// Whether these kernels can run a convolution with this geometry and filter count.
    static func applies(to g: WindowGeometry, filters: Int) -> Bool {
        g.channels == 1 && filters % 16 == 0 && g.windowHeight == g.windowWidth
            && (g.windowHeight == 3 || g.windowHeight == 5)
    }

    /// Floats of scratch each thread needs: a zero-padded copy of one image when the layer pads, and for
    /// the unpooled gradients one image's activation gradient.
    var scratchFloats: Int {
        padded.scratchFloats + (activation == .linear ? 0 : geometry.outputPositions * filters)
    }

    func convolveRows(_ c: inout cnn_convolution, of image: UnsafePointer<Float>, first: Int, count: Int,
                      into output: UnsafeMutablePointer<Float>, scratch _: UnsafeMutablePointer<Float>) {
        cnn_convolve_rows(instructions.isa, &c, image, Int32(first), Int32(count), output)
    }

    func convolveAndMaxPoolRows(_ c: inout cnn_convolution, of image: UnsafePointer<Float>, first: Int, count: Int,
                                into pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<UInt8>,
                                scratch _: UnsafeMutablePointer<Float>) {
        cnn_convolve_max_pool_rows(instructions.isa, &c, image, Int32(first), Int32(count), pooled, winners)
    }

    /// The parameter gradients over samples `samples`: `dw = Σ x-window ⊗ dz` and `db = Σ dz`, where `dz` is
    /// `dy` times the activation's derivative at the output `y`. Both are overwritten.
    func parameterGradients(_ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                            samples: Range<Int>, kernelGradient dw: UnsafeMutablePointer<Float>,
                            biasGradient db: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>) {
        var c = description
        startSums(dw, db)
        let imageSize = geometry.outputPositions &* filters
        let dz = scratch + padded.scratchFloats
        for n in samples {
            var gradient = dy + n &* imageSize
            if activation != .linear {
                activationGradient(gradient, output: y + n &* imageSize, activation: activation,
                                   rows: geometry.outputPositions, width: filters, into: dz, addingColumnSumsTo: nil)
                gradient = UnsafePointer(dz)
            }
            cnn_convolution_gradients(instructions.isa, &c, padded.sample(n, of: x, scratch: scratch),
                                      Int32(geometry.outputHeight), gradient, dw, db)
        }
    }

    /// The parameter gradients through the fused max pooling over samples `samples`, from the pooled
    /// outputs' gradient and the forward pass's `pooled` and `winners`. Both are overwritten.
    func maxPoolParameterGradients(_ x: UnsafePointer<Float>, pooledGradient dpooled: UnsafePointer<Float>,
                                   pooled: UnsafePointer<Float>, winners: UnsafePointer<UInt8>, samples: Range<Int>,
                                   kernelGradient dw: UnsafeMutablePointer<Float>, biasGradient db: UnsafeMutablePointer<Float>?,
                                   scratch: UnsafeMutablePointer<Float>) {
        var c = description
        startSums(dw, db)
        let height = geometry.outputHeight / 2, imageSize = height &* (geometry.outputWidth / 2) &* filters
        for n in samples {
            let offset = n &* imageSize
            cnn_convolution_max_pool_gradients(instructions.isa, &c, padded.sample(n, of: x, scratch: scratch), Int32(height),
                                               dpooled + offset, pooled + offset, winners + offset, dw, db)
        }
    }

    private func startSums(_ dw: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>?) {
        dw.update(repeating: 0, count: geometry.windowHeight &* geometry.windowWidth &* filters)
        db?.update(repeating: 0, count: filters)
    }
}
