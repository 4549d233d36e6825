/// A depthwise 2-D convolution over channels-last images: each input channel convolved on its own with
/// `depthMultiplier` kernels, with an optional bias and a fused activation, as Keras's `DepthwiseConv2D`.
///
/// Inputs are `[N, height, width, channels]`; outputs `[N, outputHeight, outputWidth, channels · depthMultiplier]`,
/// output channel `c · depthMultiplier + m` holding input channel `c` convolved with its kernel `m`. Followed
/// by a 1×1 ``Conv2D``, it makes the depthwise separable convolution of MobileNet-style networks, far
/// cheaper than a full convolution of the same window.
///
/// ```swift
/// DepthwiseConv2D(kernelSize: 3, padding: .same, activation: .relu)   // [28, 28, 32] → [28, 28, 32]
/// DepthwiseConv2D(kernelSize: (5, 3), strides: (2, 2), depthMultiplier: 2)  // [28, 28, 8] → [12, 13, 16]
/// ```
///
/// The kernel is stored `[kernelHeight, kernelWidth, channels, depthMultiplier]`, as in Keras, and starts
/// Glorot-uniform with Keras's fans for that shape (fan-in `kernelHeight · kernelWidth · channels`, fan-out
/// `kernelHeight · kernelWidth · depthMultiplier`, Keras's rule for any convolution kernel); the bias,
/// `[channels · depthMultiplier]`, starts at zero; ``kernelInitializer`` and ``biasInitializer`` change
/// that, with the same fans.
///
/// The forward pass splits the batch's output rows, the backward pass its samples, across
/// ``Backend/threadCount`` threads. Parameter gradients are summed per chunk of the batch and then
/// combined in chunk order; the chunks depend on the batch size alone, so any thread count gives the same
/// numbers.
public final class DepthwiseConv2D: Layer {
    public let name = "depthwise_conv2d"
    /// The window size.
    public let kernelSize: (height: Int, width: Int)
    /// The step between windows.
    public let strides: (height: Int, width: Int)
    /// How windows treat the border.
    public let padding: Padding
    /// The number of output channels per input channel.
    public let depthMultiplier: Int
    /// Whether a bias is added to each output channel.
    public let useBias: Bool
    /// The non-linearity applied to the output.
    public let activation: Activation
    /// How the kernel's first value is drawn.
    public let kernelInitializer: Initializer
    /// How the bias's first value is drawn.
    public let biasInitializer: Initializer
    /// The kernel, `[kernelHeight, kernelWidth, channels, depthMultiplier]`; empty until the layer is built.
    public let kernel: Parameter
    /// The bias, `[channels · depthMultiplier]` (empty until the layer is built), or nil when ``useBias``
    /// is false.
    public let bias: Parameter?
    public let parameters: [Parameter]

    private(set) var geometry: WindowGeometry?
    private var kernelShape: [Int] = []
    private var biasShape: [Int] = []
    private var outputSampleShape: [Int] = []

    // Workspaces, reused from one batch to the next.
    private var output = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])
    /// Per chunk of the backward pass: its partial parameter gradients and one sample's activation gradient.
    private let scratch = ScratchBuffer<Float>()
    /// The input of the last training-mode forward pass, released by backward so that the layer before
    /// can reuse its output workspace.
    private var input: Tensor?

    /// A depthwise convolution with `depthMultiplier` kernels of `kernelSize` per input channel, moved by
    /// `strides`.
    ///
    /// - Parameters:
    ///   - kernelSize: The window's height and width.
    ///   - strides: The step between windows, down and across.
    ///   - padding: How windows treat the border.
    ///   - depthMultiplier: The number of output channels per input channel.
    ///   - useBias: Whether a bias is added to each output channel.
    ///   - activation: The non-linearity applied to the output.
    ///   - kernelInitializer: How the kernel's first value is drawn; see ``Initializer`` for the fans.
    ///   - biasInitializer: How the bias's first value is drawn.
    public init(kernelSize: (height: Int, width: Int), strides: (height: Int, width: Int) = (1, 1),
                padding: Padding = .valid, depthMultiplier: Int = 1, useBias: Bool = true,
                activation: Activation = .linear, kernelInitializer: Initializer = .glorotUniform,
                biasInitializer: Initializer = .zeros) {
        precondition(kernelSize.height > 0 && kernelSize.width > 0,
                     "DepthwiseConv2D needs a positive kernel size, got \(kernelSize.height)×\(kernelSize.width)")
        precondition(strides.height > 0 && strides.width > 0,
                     "DepthwiseConv2D needs positive strides, got \(strides.height)×\(strides.width)")
        precondition(depthMultiplier > 0, "DepthwiseConv2D needs a positive depth multiplier, got \(depthMultiplier)")
        kernelInitializer.requireValid(for: "DepthwiseConv2D's kernel")
        biasInitializer.requireValid(for: "DepthwiseConv2D's bias")
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.depthMultiplier = depthMultiplier
        self.useBias = useBias
        self.activation = activation
        kernel = Parameter(name: "kernel", value: Tensor(shape: [0]))
        bias = useBias ? Parameter(name: "bias", value: Tensor(shape: [0])) : nil
        parameters = [kernel] + (bias.map { [$0] } ?? [])
    }

    /// A depthwise convolution with `depthMultiplier` square `kernelSize` kernels per input channel, moved
    /// by `strides` in both directions.
    ///
    /// - Parameters:
    ///   - kernelSize: The window's height and width.
    ///   - strides: The step between windows, down and across.
    ///   - padding: How windows treat the border.
    ///   - depthMultiplier: The number of output channels per input channel.
    ///   - useBias: Whether a bias is added to each output channel.
    ///   - activation: The non-linearity applied to the output.
    ///   - kernelInitializer: How the kernel's first value is drawn; see ``Initializer`` for the fans.
    ///   - biasInitializer: How the bias's first value is drawn.
    public convenience init(kernelSize: Int, strides: Int = 1, padding: Padding = .valid, depthMultiplier: Int = 1,
                            useBias: Bool = true, activation: Activation = .linear,
                            kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros) {
        self.init(kernelSize: (kernelSize, kernelSize), strides: (strides, strides), padding: padding,
                  depthMultiplier: depthMultiplier, useBias: useBias, activation: activation,
                  kernelInitializer: kernelInitializer, biasInitializer: biasInitializer)
    }

    /// - Throws: ``LayerError/incompatibleInput(layer:inputShape:expected:)`` unless `inputShape` is a
    ///   positive `[height, width, channels]` that a `valid` window fits in, with at most `Int32.max`
    ///   output channels.
    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        let geometry = try WindowGeometry(layer: name, inputShape: inputShape, window: kernelSize,
                                          strides: strides, padding: padding)
        let (outputChannels, overflow) = geometry.channels.multipliedReportingOverflow(by: depthMultiplier)
        guard !overflow, outputChannels <= Int(Int32.max) else {
            throw LayerError.incompatibleInput(
                layer: name, inputShape: inputShape,
                expected: "at most \(Int32.max) output channels (channels × depth multiplier \(depthMultiplier))")
        }
        self.geometry = geometry
        let receptiveField = kernelSize.height * kernelSize.width
        let kernelShape = [kernelSize.height, kernelSize.width, geometry.channels, depthMultiplier]
        let biasShape = [outputChannels]
        let fanIn = receptiveField * geometry.channels, fanOut = receptiveField * depthMultiplier
        self.kernelShape = kernelShape
        self.biasShape = biasShape
        outputSampleShape = [geometry.outputHeight, geometry.outputWidth, outputChannels]
        kernel.prepare(shape: kernelShape) {
            kernelInitializer.tensor(shape: kernelShape, fanIn: fanIn, fanOut: fanOut, using: &generator)
        }
        bias?.prepare(shape: biasShape) {
            biasInitializer.tensor(shape: biasShape, fanIn: fanIn, fanOut: fanOut, using: &generator)
        }
        return outputSampleShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard let geometry else { preconditionFailure("DepthwiseConv2D.forward called before build(inputShape:generator:)") }
        precondition(geometry.acceptsInput(input),
                     "DepthwiseConv2D was built for inputs [N] + \(geometry.inputSampleShape), got \(input.shape)")
        checkParameterShapes()
        let batch = input.shape[0], rows = batch * geometry.outputHeight
        output.prepare(batch: batch, sampleShape: outputSampleShape)
        let pass = ForwardPass(x: input.storage.pointer, w: kernel.value.storage.pointer,
                               b: bias.map { UnsafePointer($0.value.storage.pointer) }, y: output.storage.pointer,
                               depthMultiplier: depthMultiplier, activation: activation, geometry: geometry)
        parallelFor(Swift.min(Backend.threadCount, rows), chunksOf: 0..<rows, pass)
        self.input = training ? input : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let geometry, let input else {
            preconditionFailure("DepthwiseConv2D.backward needs a training-mode forward pass first")
        }
        self.input = nil
        precondition(outputGradient.shape == output.shape,
                     "DepthwiseConv2D.backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(output.shape)")
        checkParameterShapes()
        let batch = outputGradient.shape[0], chunkCount = threadIndependentChunkCount(for: batch)
        kernel.gradient.prepare(shape: kernelShape)
        bias?.gradient.prepare(shape: biasShape)
        if needsInputGradient {
            inputGradient.prepare(batch: batch, sampleShape: geometry.inputSampleShape)
        }
        let outputChannels = biasShape[0], kernelCount = kernel.value.count
        let activationScratch = activation == .linear ? 0 : cacheLineAligned(floats: geometry.outputPositions * outputChannels)
        let chunkSize = PartialGradients.size(kernelCount: kernelCount, biasCount: outputChannels) + activationScratch
        let partials = PartialGradients(kernel: kernel.gradient.storage.pointer, bias: bias?.gradient.storage.pointer,
                                        kernelCount: kernelCount, biasCount: outputChannels,
                                        buffers: scratch.reserve(chunkCount * chunkSize), chunkSize: chunkSize)
        let pass = BackwardPass(x: input.storage.pointer, w: kernel.value.storage.pointer, y: output.storage.pointer,
                                dy: outputGradient.storage.pointer,
                                dx: needsInputGradient ? inputGradient.storage.pointer : nil, partials: partials,
                                depthMultiplier: depthMultiplier, activation: activation, geometry: geometry)
        parallelFor(chunkCount, chunksOf: 0..<batch, pass)
        partials.combine(chunks: chunkCount)
        return needsInputGradient ? inputGradient : nil
    }

    /// The forward pass, handed to the threads: a range of output rows (sample r / OH, row r % OH).
    private struct ForwardPass: ChunkedWork {
        let x: UnsafePointer<Float>, w: UnsafePointer<Float>, b: UnsafePointer<Float>?
        let y: UnsafeMutablePointer<Float>
        let depthMultiplier: Int, activation: Activation, geometry: WindowGeometry

        func run(chunk: Int, _ rows: Range<Int>) {
            depthwiseConvolve(x, kernel: w, bias: b, depthMultiplier: depthMultiplier, activation: activation,
                              geometry: geometry, outputRows: rows, into: y)
        }
    }

    /// The backward pass, handed to the threads: a range of samples, whose parameter gradients each chunk
    /// sums in its own place of `partials`.
    private struct BackwardPass: ChunkedWork {
        let x: UnsafePointer<Float>, w: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>
        let dx: UnsafeMutablePointer<Float>?
        let partials: PartialGradients
        let depthMultiplier: Int, activation: Activation, geometry: WindowGeometry

        func run(chunk: Int, _ samples: Range<Int>) {
            let (dw, db) = partials.sums(forChunk: chunk)
            depthwiseConvolutionBackward(x, kernel: w, output: y, outputGradient: dy, activation: activation,
                                         depthMultiplier: depthMultiplier, geometry: geometry, samples: samples,
                                         scratch: partials.scratch(forChunk: chunk), kernelGradient: dw,
                                         biasGradient: db, inputGradient: dx)
        }
    }

    /// Parameters can be replaced from outside (loading weights); a wrong shape would make the kernels
    /// read past the end, so it stops here instead.
    private func checkParameterShapes() {
        precondition(kernel.value.shape == kernelShape,
                     "DepthwiseConv2D kernel has shape \(kernel.value.shape), expected \(kernelShape)")
        if let bias {
            precondition(bias.value.shape == biasShape,
                         "DepthwiseConv2D bias has shape \(bias.value.shape), expected \(biasShape)")
        }
    }
}
