/// Max pooling over channels-last images: each channel's largest value in each window, as Keras's
/// `MaxPooling2D`.
///
/// Inputs are `[N, height, width, channels]`; outputs `[N, outputHeight, outputWidth, channels]`.
///
/// ```swift
/// MaxPool2D(poolSize: 2)                  // [26, 26, 32] → [13, 13, 32]
/// MaxPool2D(poolSize: 3, strides: 2, padding: .same)
/// ```
///
/// The forward pass records which cell won each window, so the backward pass routes each gradient
/// straight to it.
public final class MaxPool2D: Layer {
    public let name = "max_pooling2d"
    /// The window size.
    public var poolSize: (height: Int, width: Int) { window.size }
    /// The step between windows; the pool size unless given.
    public var strides: (height: Int, width: Int) { window.strides }
    /// How windows treat the border; padding cells never win.
    public var padding: Padding { window.padding }
    public let parameters: [Parameter] = []

    private let window: PoolingWindow

    private var geometry: WindowGeometry?
    private var output = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])
    /// Where each output's maximum came from (see ``maxPool(_:geometry:outputRows:into:argmax:)``).
    private let argmax = ScratchBuffer<Int32>()
    /// The pointers of the pass in progress, for the threads' chunks.
    private var pass: (source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>,
                       winners: UnsafeMutablePointer<Int32>)?

    /// Max pooling over `poolSize` windows moved by `strides` (by default the pool size, so windows tile
    /// the image).
    public init(poolSize: (height: Int, width: Int), strides: (height: Int, width: Int)? = nil,
                padding: Padding = .valid) {
        window = PoolingWindow(layer: "MaxPool2D", size: poolSize, strides: strides, padding: padding)
    }

    /// Max pooling over square `poolSize` windows moved by `strides` in both directions (by default the
    /// pool size).
    public convenience init(poolSize: Int = 2, strides: Int? = nil, padding: Padding = .valid) {
        self.init(poolSize: (poolSize, poolSize), strides: strides.map { ($0, $0) }, padding: padding)
    }

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        let geometry = try window.geometry(layer: name, inputShape: inputShape)
        precondition(geometry.inputSampleCount <= Int(Int32.max),
                     "MaxPool2D records argmax as 32-bit offsets; samples of shape \(inputShape) are too large")
        self.geometry = geometry
        return geometry.pooledSampleShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard let geometry else { preconditionFailure("MaxPool2D.forward called before build(inputShape:generator:)") }
        precondition(geometry.acceptsInput(input),
                     "MaxPool2D was built for inputs [N] + \(geometry.inputSampleShape), got \(input.shape)")
        let batch = input.shape[0]
        output.prepare(batch: batch, sampleShape: geometry.pooledSampleShape)
        pass = (UnsafePointer(input.storage.pointer), output.storage.pointer, argmax.reserve(output.count))
        let rows = batch * geometry.outputHeight
        parallelFor(Swift.min(Backend.threadCount, rows), chunksOf: 0..<rows, poolRows)
        pass = nil
        return output
    }

    private func poolRows(_ chunk: Int, _ rows: Range<Int>) {
        guard let pass, let geometry else { return }
        maxPool(pass.source, geometry: geometry, outputRows: rows, into: pass.destination, argmax: pass.winners)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let geometry else { preconditionFailure("MaxPool2D.backward called before build(inputShape:generator:)") }
        precondition(outputGradient.shape == output.shape,
                     "MaxPool2D.backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(output.shape)")
        guard needsInputGradient else { return nil }
        let batch = outputGradient.shape[0]
        inputGradient.prepare(batch: batch, sampleShape: geometry.inputSampleShape)
        pass = (UnsafePointer(outputGradient.storage.pointer), inputGradient.storage.pointer, argmax.reserve(output.count))
        parallelFor(Swift.min(Backend.threadCount, batch), chunksOf: 0..<batch, routeGradients)
        pass = nil
        return inputGradient
    }

    private func routeGradients(_ chunk: Int, _ samples: Range<Int>) {
        guard let pass, let geometry else { return }
        maxPoolBackward(pass.source, argmax: pass.winners, geometry: geometry, samples: samples, into: pass.destination)
    }
}
