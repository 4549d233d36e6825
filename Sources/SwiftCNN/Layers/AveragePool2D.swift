/// Average pooling over channels-last images: each channel's mean over each window, as Keras's
/// `AveragePooling2D`.
///
/// Inputs are `[N, height, width, channels]`; outputs `[N, outputHeight, outputWidth, channels]`.
///
/// ```swift
/// AveragePool2D(poolSize: 2)                        // [26, 26, 32] → [13, 13, 32]
/// AveragePool2D(poolSize: 3, strides: 1, padding: .same)
/// ```
///
/// With `.same` padding, windows at the border average only the cells inside the image, as in Keras.
public final class AveragePool2D: Layer {
    public let name = "average_pooling2d"
    /// The window size.
    public var poolSize: (height: Int, width: Int) { window.size }
    /// The step between windows; the pool size unless given.
    public var strides: (height: Int, width: Int) { window.strides }
    /// How windows treat the border; padding cells are left out of the average.
    public var padding: Padding { window.padding }
    public let parameters: [Parameter] = []

    private let window: PoolingWindow

    private var geometry: WindowGeometry?
    private var output = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])
    /// The pointers of the pass in progress, for the threads' chunks.
    private var pass: (source: UnsafePointer<Float>, destination: UnsafeMutablePointer<Float>)?

    /// Average pooling over `poolSize` windows moved by `strides` (by default the pool size, so windows
    /// tile the image).
    public init(poolSize: (height: Int, width: Int), strides: (height: Int, width: Int)? = nil,
                padding: Padding = .valid) {
        window = PoolingWindow(layer: "AveragePool2D", size: poolSize, strides: strides, padding: padding)
    }

    /// Average pooling over square `poolSize` windows moved by `strides` in both directions (by default
    /// the pool size).
    public convenience init(poolSize: Int = 2, strides: Int? = nil, padding: Padding = .valid) {
        self.init(poolSize: (poolSize, poolSize), strides: strides.map { ($0, $0) }, padding: padding)
    }

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        let geometry = try window.geometry(layer: name, inputShape: inputShape)
        self.geometry = geometry
        return geometry.pooledSampleShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard let geometry else { preconditionFailure("AveragePool2D.forward called before build(inputShape:generator:)") }
        precondition(geometry.acceptsInput(input),
                     "AveragePool2D was built for inputs [N] + \(geometry.inputSampleShape), got \(input.shape)")
        let batch = input.shape[0]
        output.prepare(batch: batch, sampleShape: geometry.pooledSampleShape)
        pass = (UnsafePointer(input.storage.pointer), output.storage.pointer)
        let rows = batch * geometry.outputHeight
        parallelFor(Swift.min(Backend.threadCount, rows), chunksOf: 0..<rows, poolRows)
        pass = nil
        return output
    }

    private func poolRows(_ chunk: Int, _ rows: Range<Int>) {
        guard let pass, let geometry else { return }
        averagePool(pass.source, geometry: geometry, outputRows: rows, into: pass.destination)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let geometry else { preconditionFailure("AveragePool2D.backward called before build(inputShape:generator:)") }
        precondition(outputGradient.shape == output.shape,
                     "AveragePool2D.backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(output.shape)")
        guard needsInputGradient else { return nil }
        let batch = outputGradient.shape[0]
        inputGradient.prepare(batch: batch, sampleShape: geometry.inputSampleShape)
        pass = (UnsafePointer(outputGradient.storage.pointer), inputGradient.storage.pointer)
        parallelFor(Swift.min(Backend.threadCount, batch), chunksOf: 0..<batch, spreadGradients)
        pass = nil
        return inputGradient
    }

    private func spreadGradients(_ chunk: Int, _ samples: Range<Int>) {
        guard let pass, let geometry else { return }
        averagePoolBackward(pass.source, geometry: geometry, samples: samples, into: pass.destination)
    }
}
