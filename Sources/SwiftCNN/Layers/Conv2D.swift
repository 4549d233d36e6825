/// A 2-D convolution over channels-last images, with an optional bias and a fused activation: Keras's
/// `Conv2D`.
///
/// Inputs are `[N, height, width, channels]`; outputs `[N, outputHeight, outputWidth, filters]`.
///
/// ```swift
/// Conv2D(filters: 32, kernelSize: 3, activation: .relu)           // [28, 28, 1] → [26, 26, 32]
/// Conv2D(filters: 64, kernelSize: (5, 5), strides: (2, 2), padding: .same)  // [28, 28, 32] → [14, 14, 64]
/// ```
///
/// The kernel is stored `[kernelHeight, kernelWidth, channels, filters]` (HWIO), as in Keras, and starts
/// Glorot-uniform and the bias at zero, unless ``kernelInitializer`` and ``biasInitializer`` say otherwise. Each pass is a matrix product over the unrolled windows
/// (im2col), run in OpenBLAS, unless a direct vector kernel does it faster (see ``Algorithm``): a
/// convolution over a single input channel with a 3×3 or 5×5 window and a multiple of 16 filters, whose
/// products would be too thin to run well; and, where measured faster, the forward pass, the kernel
/// gradient and the stride-1 input gradient of convolutions over several channels with multiples of 16
/// filters, read in place rather than copied into im2col rows.
///
/// The batch is split into chunks run on ``Backend/threadCount`` threads, each unrolling a few image rows
/// at a time into a block that stays in its core's cache, multiplying it, and adding the bias and
/// activation to the result while it is still there. Parameter gradients are summed per chunk and then
/// combined in chunk order; the chunks depend on the batch size alone, so any thread count gives the same
/// numbers.
public final class Conv2D: Layer, ActivationFusing {
    public let name = "conv2d"
    /// The number of output channels.
    public let filters: Int
    /// The window size.
    public let kernelSize: (height: Int, width: Int)
    /// The step between windows.
    public let strides: (height: Int, width: Int)
    /// How windows treat the border.
    public let padding: Padding
    /// Whether a bias is added to each output channel.
    public let useBias: Bool
    /// The non-linearity applied to the output.
    public let activation: Activation
    /// How the passes are computed; it changes the speed, not the results beyond rounding.
    public let algorithm: Algorithm
    /// How the kernel's first value is drawn.
    public let kernelInitializer: Initializer
    /// How the bias's first value is drawn.
    public let biasInitializer: Initializer
    /// The kernel, `[kernelHeight, kernelWidth, channels, filters]`; empty until the layer is built.
    public let kernel: Parameter
    /// The bias, `[filters]`, or nil when ``useBias`` is false.
    public let bias: Parameter?
    public let parameters: [Parameter]

    private(set) var geometry: WindowGeometry?
    /// Where the direct input gradient's windows land, for stride 1 (``ChannelConvolution/inputGradientGeometry(of:filters:)``).
    private(set) var inputGradientGeometry: WindowGeometry?
    private(set) var kernelShape: [Int] = []
    let biasShape: [Int]
    /// The shape of one sample's output.
    private(set) var outputSampleShape: [Int] = []
    /// Whether the passes run the single-channel kernels rather than im2col and matrix products.
    private(set) var convolvesDirectly = false

    // Workspaces, reused from one batch to the next.
    private var output = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])
    private let scratch = ScratchBuffer<Float>()
    /// The kernel turned for the direct input gradient (``ChannelConvolution/inputGradient(over:channels:kernel:flipped:)``).
    let flippedKernel = ScratchBuffer<Float>()
    /// The kernel, or the turned kernel, in BF16 pairs for the pass running (``ChannelConvolution/inBFloat16(packingInto:)``):
    /// each pass packs the weights it multiplies by, so the passes can share it.
    let bfloat16Kernel = ScratchBuffer<UInt16>()
    /// The kernel in Winograd's domain (``WinogradConvolution``), and a copy of the kernel it was transformed
    /// from, `winogradSourceCount` floats: a forward pass transforms it again only when the weights
    /// changed, so that inference on one image does not spend its time transforming (2 threads: the other
    /// core would also read the fresh transform from this core's cache).
    let winogradKernel = ScratchBuffer<Float>(), winogradSource = ScratchBuffer<Float>()
    var winogradSourceCount = 0
    /// The turned kernel of the input gradient in Winograd's domain.
    let winogradFlippedKernel = ScratchBuffer<Float>()
    /// The input of the last training-mode forward pass, released by backward so that the layer before
    /// can reuse its output workspace.
    private var input: Tensor?

    /// The im2col block each thread fills at a time, in floats (1 MB): small enough to stay in a core's L2
    /// cache next to the product's other operands, large enough that each product amortises packing
    /// the kernel. Blocks of 128 KB to 2 MB measured within a few percent of each other on the reference
    /// CNN; an unblocked batch was slower.
    private static let blockFloats = 256 * 1024

    /// A convolution with `filters` output channels and a `kernelSize` window moved by `strides`.
    ///
    /// The initializers draw the parameters when the layer is first built; see ``Initializer`` for the fans.
    public convenience init(filters: Int, kernelSize: (height: Int, width: Int), strides: (height: Int, width: Int) = (1, 1),
                            padding: Padding = .valid, useBias: Bool = true, activation: Activation = .linear,
                            algorithm: Algorithm = .automatic, kernelInitializer: Initializer = .glorotUniform,
                            biasInitializer: Initializer = .zeros) {
        self.init(filters: filters, kernelSize: kernelSize, strides: strides, padding: padding, activation: activation,
                  algorithm: algorithm, kernel: Parameter(name: "kernel", value: Tensor(shape: [0])),
                  bias: useBias ? Parameter(name: "bias", value: Tensor(shape: [0])) : nil,
                  kernelInitializer: kernelInitializer, biasInitializer: biasInitializer)
    }

    /// A convolution whose parameters are `kernel` and `bias`, which another layer may share.
    init(filters: Int, kernelSize: (height: Int, width: Int), strides: (height: Int, width: Int),
         padding: Padding, activation: Activation, algorithm: Algorithm, kernel: Parameter, bias: Parameter?,
         kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros) {
        precondition(filters > 0, "Conv2D needs a positive number of filters, got \(filters)")
        precondition(kernelSize.height > 0 && kernelSize.width > 0,
                     "Conv2D needs a positive kernel size, got \(kernelSize.height)×\(kernelSize.width)")
        precondition(strides.height > 0 && strides.width > 0,
                     "Conv2D needs positive strides, got \(strides.height)×\(strides.width)")
        kernelInitializer.requireValid(for: "Conv2D's kernel")
        biasInitializer.requireValid(for: "Conv2D's bias")
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        useBias = bias != nil
        self.activation = activation
        self.algorithm = algorithm
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        biasShape = [filters]
        self.kernel = kernel
        self.bias = bias
        parameters = [kernel] + (bias.map { [$0] } ?? [])
    }

    /// A convolution with a square `kernelSize` window moved by `strides` in both directions.
    public convenience init(filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid,
                            useBias: Bool = true, activation: Activation = .linear, algorithm: Algorithm = .automatic,
                            kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros) {
        self.init(filters: filters, kernelSize: (kernelSize, kernelSize), strides: (strides, strides),
                  padding: padding, useBias: useBias, activation: activation, algorithm: algorithm,
                  kernelInitializer: kernelInitializer, biasInitializer: biasInitializer)
    }

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        let geometry = try WindowGeometry(layer: name, inputShape: inputShape, window: kernelSize,
                                          strides: strides, padding: padding)
        self.geometry = geometry
        inputGradientGeometry = ChannelConvolution.inputGradientGeometry(of: geometry, filters: filters)
        convolvesDirectly = algorithm != .matrixProduct && SingleChannelConvolution.applies(to: geometry, filters: filters)
        let receptiveField = kernelSize.height * kernelSize.width
        kernelShape = [kernelSize.height, kernelSize.width, geometry.channels, filters]
        outputSampleShape = [geometry.outputHeight, geometry.outputWidth, filters]
        let kernelShape = self.kernelShape, biasShape = self.biasShape
        let fanIn = receptiveField * geometry.channels, fanOut = receptiveField * filters
        kernel.prepare(shape: kernelShape) {
            kernelInitializer.tensor(shape: kernelShape, fanIn: fanIn, fanOut: fanOut, using: &generator)
        }
        bias?.prepare(shape: biasShape) {
            biasInitializer.tensor(shape: biasShape, fanIn: fanIn, fanOut: fanOut, using: &generator)
        }
        return outputSampleShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard let geometry else { preconditionFailure("Conv2D.forward called before build(inputShape:generator:)") }
        precondition(geometry.acceptsInput(input),
                     "Conv2D was built for inputs [N] + \(geometry.inputSampleShape), got \(input.shape)")
        checkParameterShapes()
        let batch = input.shape[0]
        output.prepare(batch: batch, sampleShape: outputSampleShape)
        let g = geometry, imageRows = batch * g.outputHeight
        let chunkCount = threadIndependentChunkCount(for: imageRows, minimumChunk: 64 / g.outputWidth)
        let rowLength = g.outputWidth * g.patchLength
        let blockRows = Swift.max(1, Self.blockFloats / rowLength)
        let kernels = forwardKernels(geometry: g, precision: Backend.precision)
        let blockSize = kernels.map { cacheLineAligned(floats: $0.scratchFloats) }
            ?? (g.isPointwise ? 0 : cacheLineAligned(floats: blockRows * rowLength))
        let pass = ForwardPass(
            x: input.storage.pointer, y: output.storage.pointer, w: kernel.value.storage.pointer,
            b: bias?.value.storage.pointer, blocks: scratch.reserve(chunkCount * blockSize),
            blockRows: blockRows, blockSize: blockSize, geometry: g, filters: filters, activation: activation,
            kernels: kernels)
        parallelFor(chunkCount, chunksOf: 0..<imageRows, pass)
        self.input = training ? input : nil
        return output
    }

    /// The forward pass, handed to the threads: a range of output image rows (sample r / OH, row r % OH),
    /// one block at a time — im2col, product, bias and activation, while the block is in cache.
    private struct ForwardPass: ChunkedWork {
        let x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
        let w: UnsafePointer<Float>, b: UnsafePointer<Float>?
        /// One block per chunk, `blockSize` floats apart: an im2col block of `blockRows` image rows, or
        /// the direct kernels' scratch.
        let blocks: UnsafeMutablePointer<Float>
        let blockRows: Int, blockSize: Int
        let geometry: WindowGeometry, filters: Int, activation: Activation
        /// The direct kernel, when one computes the pass.
        let kernels: AnyDirectConvolution?

        func run(chunk: Int, _ rows: Range<Int>) {
            if let kernels {
                kernels.convolve(x, outputRows: rows, into: y, scratch: blocks + chunk &* blockSize)
                return
            }
            let g = geometry, patchLength = g.patchLength
            let rowsPerBlock = Conv2D.equalBlockLength(rows.count, atMost: blockRows)
            var start = rows.lowerBound
            while start < rows.upperBound {
                let end = Swift.min(start &+ rowsPerBlock, rows.upperBound)
                let first = start &* g.outputWidth, count = (end &- start) &* g.outputWidth
                let patches: UnsafePointer<Float>
                if g.isPointwise {
                    patches = x + first &* patchLength
                } else {
                    let block = blocks + chunk &* blockSize
                    im2col(x, geometry: g, imageRows: start..<end, into: block)
                    patches = UnsafePointer(block)
                }
                let y = self.y + first &* filters
                OpenBLAS.sgemm(.none, .none, m: count, n: filters, k: patchLength,
                               a: patches, lda: patchLength, b: w, ldb: filters, c: y, ldc: filters)
                addBias(b, thenApply: activation, toRows: y, count: count, width: filters)
                start = end
            }
        }
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let input else { preconditionFailure("Conv2D.backward needs a training-mode forward pass first") }
        self.input = nil
        precondition(outputGradient.shape == output.shape,
                     "Conv2D.backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(output.shape)")
        return gradients(of: input, outputGradient: outputGradient, throughActivationAt: output,
                         needsInputGradient: needsInputGradient)
    }

    /// Sets the parameter gradients of a training-mode pass over `input`, and returns the input gradient
    /// when `needsInputGradient`. `outputGradient` is the gradient of the outputs `output`, through whose
    /// activation it still goes; with no `output`, it is already the gradient of the sums before the
    /// activation, as a fused layer that applied the activation's derivative itself hands it.
    func gradients(of input: Tensor, outputGradient: Tensor, throughActivationAt output: Tensor?,
                   needsInputGradient: Bool) -> Tensor? {
        guard let geometry else { preconditionFailure("Conv2D.backward called before build(inputShape:generator:)") }
        precondition(output != nil || !convolvesDirectly,
                     "The single-channel kernels take the gradient through the layer's own activation")
        let activation = output == nil ? Activation.linear : self.activation
        let batch = outputGradient.shape[0]
        let g = geometry, chunkCount = threadIndependentChunkCount(for: batch)
        kernel.gradient.prepare(shape: kernelShape)
        bias?.gradient.prepare(shape: biasShape)
        if needsInputGradient {
            inputGradient.prepare(batch: batch, sampleShape: g.inputSampleShape)
        }
        let direct = convolvesDirectly && !needsInputGradient ? directPass(geometry: g) : nil
        let transposed = needsInputGradient ? inputGradientPass(geometry: g) : nil
        // A pointwise convolution's product reads the input in place, with no im2col copy to save. The
        // kernel gradient needs no packed kernel.
        let windows = direct == nil && !g.isPointwise ? kernelGradientPass(geometry: g) : nil
        let positions = g.outputPositions, patchLength = g.patchLength
        let blockSamples = direct != nil ? 1 : Swift.max(1, Self.blockFloats / (positions * patchLength))
        let blockRows = blockSamples * positions
        // Per chunk: partial kernel and bias gradients, then its blocks (im2col or the direct kernel's
        // padded sample, their gradient, and the activation gradient), or the single-channel kernel's row
        // of activation gradients.
        let partialSize = PartialGradients.size(kernelCount: patchLength * filters, biasCount: filters)
        let columnsSize = direct != nil || g.isPointwise ? 0
            : windows?.kernelGradientScratchFloats ?? cacheLineAligned(floats: blockRows * patchLength)
        let columnGradientSize = !needsInputGradient ? 0
            : transposed?.scratchFloats ?? (g.isPointwise ? 0 : cacheLineAligned(floats: blockRows * patchLength))
        let gradientSize = direct.map { cacheLineAligned(floats: $0.scratchFloats) }
            ?? (activation == .linear ? 0 : cacheLineAligned(floats: blockRows * filters))
        let chunkSize = partialSize + columnsSize + columnGradientSize + gradientSize
        // With no output the pass never reads y: the activation is linear and the single-channel kernels,
        // which read it, are not the ones running.
        let pass = BackwardPass(
            x: input.storage.pointer, y: (output ?? outputGradient).storage.pointer, dy: outputGradient.storage.pointer,
            w: kernel.value.storage.pointer, dx: needsInputGradient ? inputGradient.storage.pointer : nil,
            partials: PartialGradients(kernel: kernel.gradient.storage.pointer, bias: bias?.gradient.storage.pointer,
                                       kernelCount: patchLength * filters, biasCount: filters,
                                       buffers: scratch.reserve(chunkCount * chunkSize), chunkSize: chunkSize),
            columnsSize: columnsSize, columnGradientSize: columnGradientSize, blockSamples: blockSamples,
            geometry: g, filters: filters, activation: activation, direct: direct, windows: windows,
            transposed: transposed)
        parallelFor(chunkCount, chunksOf: 0..<batch, pass)
        pass.partials.combine(chunks: chunkCount)
        return needsInputGradient ? inputGradient : nil
    }

    /// The backward pass, handed to the threads: a range of samples, one block at a time — activation
    /// gradient and bias sums, the kernel gradient (the direct kernel, or im2col and a product), and the
    /// input gradient (the direct kernel, or a product and col2im).
    private struct BackwardPass: ChunkedWork {
        let x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>, w: UnsafePointer<Float>
        let dx: UnsafeMutablePointer<Float>?
        /// Each chunk's region: its partial gradients, then its blocks.
        let partials: PartialGradients
        let columnsSize: Int, columnGradientSize: Int
        let blockSamples: Int
        let geometry: WindowGeometry, filters: Int, activation: Activation
        /// The single-channel kernels, when they compute the parameter gradients (no input gradient needed).
        let direct: SingleChannelConvolution?
        /// The several-channel or Winograd kernel, when it computes the kernel gradient: its scratch takes
        /// the place of the im2col block.
        let windows: AnyDirectConvolution?
        /// The direct kernel, when it computes the input gradient: its scratch (a padded sample of the
        /// output gradient, or in BF16 its padded BF16 rows) takes the place of the column gradient.
        let transposed: AnyDirectConvolution?

        func run(chunk: Int, _ samples: Range<Int>) {
            let g = geometry, patchLength = g.patchLength
            let (dw, db) = partials.sums(forChunk: chunk)
            let blocks = partials.scratch(forChunk: chunk)
            if let direct {
                direct.parameterGradients(x, outputGradient: dy, output: y, samples: samples,
                                          kernelGradient: dw, biasGradient: db, scratch: blocks)
                return
            }
            let columns = blocks, columnGradient = columns + columnsSize
            let gradientBlock = columnGradient + columnGradientSize
            let positions = g.outputPositions
            db?.update(repeating: 0, count: filters)
            let samplesPerBlock = Conv2D.equalBlockLength(samples.count, atMost: blockSamples)
            var start = samples.lowerBound
            while start < samples.upperBound {
                let end = Swift.min(start &+ samplesPerBlock, samples.upperBound)
                let first = start &* positions, count = (end &- start) &* positions
                let dz: UnsafePointer<Float>
                if activation == .linear {
                    dz = dy + first &* filters
                    if let db { addColumnSums(of: dz, rows: count, width: filters, to: db) }
                } else {
                    activationGradient(dy + first &* filters, output: y + first &* filters, activation: activation,
                                       rows: count, width: filters, into: gradientBlock, addingColumnSumsTo: db)
                    dz = UnsafePointer(gradientBlock)
                }
                if let windows {
                    if start == samples.lowerBound { dw.update(repeating: 0, count: patchLength &* filters) }
                    windows.addKernelGradient(of: x, samples: start..<end, outputGradient: dz, to: dw, scratch: columns)
                } else {
                    let patches: UnsafePointer<Float>
                    if g.isPointwise {
                        patches = x + first &* patchLength
                    } else {
                        im2col(x, geometry: g, imageRows: (start &* g.outputHeight)..<(end &* g.outputHeight), into: columns)
                        patches = UnsafePointer(columns)
                    }
                    OpenBLAS.sgemm(.transposed, .none, m: patchLength, n: filters, k: count,
                                   a: patches, lda: patchLength, b: dz, ldb: filters,
                                   beta: start == samples.lowerBound ? 0 : 1, c: dw, ldc: filters)
                }
                if let dx {
                    if let transposed {
                        transposed.convolve(dz, outputRows: 0..<((end &- start) &* g.inputHeight),
                                            into: dx + start &* g.inputSampleCount, scratch: columnGradient)
                    } else if g.isPointwise {
                        OpenBLAS.sgemm(.none, .transposed, m: count, n: patchLength, k: filters,
                                       a: dz, lda: filters, b: w, ldb: filters,
                                       c: dx + first &* patchLength, ldc: patchLength)
                    } else {
                        OpenBLAS.sgemm(.none, .transposed, m: count, n: patchLength, k: filters,
                                       a: dz, lda: filters, b: w, ldb: filters, c: columnGradient, ldc: patchLength)
                        col2im(columnGradient, geometry: g, samples: start..<end, into: dx)
                    }
                }
                start = end
            }
        }
    }

    /// The length of the blocks that split `count` items into as few blocks of at most `maximum` as can
    /// be, all of about the same length: full blocks and a remainder would end on a thin product.
    private static func equalBlockLength(_ count: Int, atMost maximum: Int) -> Int {
        let blocks = (count &+ maximum &- 1) / maximum
        return (count &+ blocks &- 1) / Swift.max(1, blocks)
    }

    func fusing(_ activation: Activation) -> Layer? {
        guard self.activation == .linear else { return nil }
        return Conv2D(filters: filters, kernelSize: kernelSize, strides: strides, padding: padding,
                      activation: activation, algorithm: algorithm, kernel: kernel, bias: bias,
                      kernelInitializer: kernelInitializer, biasInitializer: biasInitializer)
    }

    /// Parameters can be replaced from outside (loading weights); a wrong shape would make the kernels
    /// read past the end, so it stops here instead.
    func checkParameterShapes() {
        precondition(kernel.value.shape == kernelShape,
                     "Conv2D kernel has shape \(kernel.value.shape), expected \(kernelShape)")
        if let bias {
            precondition(bias.value.shape == biasShape, "Conv2D bias has shape \(bias.value.shape), expected \(biasShape)")
        }
    }
}
