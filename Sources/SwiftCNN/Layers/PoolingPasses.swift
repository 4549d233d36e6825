/// The window options, workspaces and passes shared by ``MaxPool2D`` and ``AveragePool2D``, which
/// differ only in their kernels: max pooling records which cell won each window, so that the backward
/// pass routes each gradient straight to it.
///
/// A class, so that a layer holding it in a `let` keeps its workspaces from one batch to the next.
final class PoolingPasses {
    enum Kind { case max, average }

    let kind: Kind
    /// The layer's type name, for messages.
    let layer: String
    let size: (height: Int, width: Int)
    let strides: (height: Int, width: Int)
    let padding: Padding

    private var geometry: WindowGeometry?
    private var output = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])
    /// Where each output's maximum came from (see ``maxPool(_:geometry:outputRows:into:argmax:)``);
    /// unused by average pooling.
    private let argmax = ScratchBuffer<Int32>()

    /// `size` windows moved by `strides` (by default `size`, so windows tile the image), for the layer
    /// type named `layer`; stops unless the size and strides are positive.
    init(_ kind: Kind, layer: String, size: (height: Int, width: Int), strides: (height: Int, width: Int)?,
         padding: Padding) {
        let strides = strides ?? size
        precondition(size.height > 0 && size.width > 0 && strides.height > 0 && strides.width > 0,
                     "\(layer) needs a positive pool size and strides, got \(size) and \(strides)")
        self.kind = kind
        self.layer = layer
        self.size = size
        self.strides = strides
        self.padding = padding
    }

    /// - Throws: ``LayerError/incompatibleInput(layer:inputShape:expected:)`` naming the layer `name`, as
    ///   ``WindowGeometry/init(layer:inputShape:window:strides:padding:)`` does.
    func build(name: String, inputShape: [Int]) throws -> [Int] {
        let geometry = try WindowGeometry(layer: name, inputShape: inputShape, window: size, strides: strides,
                                          padding: padding)
        precondition(kind == .average || geometry.inputSampleCount <= Int(Int32.max),
                     "\(layer) records argmax as 32-bit offsets; samples of shape \(inputShape) are too large")
        self.geometry = geometry
        return geometry.pooledSampleShape
    }

    func forward(_ input: Tensor) -> Tensor {
        guard let geometry else { preconditionFailure("\(layer).forward called before build(inputShape:generator:)") }
        precondition(geometry.acceptsInput(input),
                     "\(layer) was built for inputs [N] + \(geometry.inputSampleShape), got \(input.shape)")
        let batch = input.shape[0]
        output.prepare(batch: batch, sampleShape: geometry.pooledSampleShape)
        let pass = Pooled(kind: kind, x: input.storage.pointer, y: output.storage.pointer, winners: winners,
                          geometry: geometry)
        let rows = batch * geometry.outputHeight
        parallelFor(Swift.min(Backend.threadCount, rows), chunksOf: 0..<rows, pass)
        return output
    }

    /// The forward pass, handed to the threads: a range of output rows (sample r / OH, row r % OH); max
    /// pooling records in `winners` where each maximum came from.
    private struct Pooled: ChunkedWork {
        let kind: Kind
        let x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<Int32>
        let geometry: WindowGeometry

        func run(chunk: Int, _ rows: Range<Int>) {
            switch kind {
            case .max: maxPool(x, geometry: geometry, outputRows: rows, into: y, argmax: winners)
            case .average: averagePool(x, geometry: geometry, outputRows: rows, into: y)
            }
        }
    }

    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let geometry else { preconditionFailure("\(layer).backward called before build(inputShape:generator:)") }
        precondition(outputGradient.shape == output.shape,
                     "\(layer).backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(output.shape)")
        guard needsInputGradient else { return nil }
        let batch = outputGradient.shape[0]
        inputGradient.prepare(batch: batch, sampleShape: geometry.inputSampleShape)
        let pass = RoutedGradients(kind: kind, dy: outputGradient.storage.pointer, dx: inputGradient.storage.pointer,
                                   winners: winners, geometry: geometry)
        parallelFor(Swift.min(Backend.threadCount, batch), chunksOf: 0..<batch, pass)
        return inputGradient
    }

    /// The backward pass, handed to the threads: the input gradient of a range of samples, each output's
    /// gradient sent to the cell that won its window (max) or shared across it (average).
    private struct RoutedGradients: ChunkedWork {
        let kind: Kind
        let dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, winners: UnsafePointer<Int32>
        let geometry: WindowGeometry

        func run(chunk: Int, _ samples: Range<Int>) {
            switch kind {
            case .max: maxPoolBackward(dy, argmax: winners, geometry: geometry, samples: samples, into: dx)
            case .average: averagePoolBackward(dy, geometry: geometry, samples: samples, into: dx)
            }
        }
    }

    /// The argmax record for the current output (empty for average pooling).
    private var winners: UnsafeMutablePointer<Int32> { argmax.reserve(kind == .max ? output.count : 0) }
}

/// A pooling layer whose passes are a ``PoolingPasses``: ``MaxPool2D`` and ``AveragePool2D``.
protocol PoolingLayer: Layer {
    var passes: PoolingPasses { get }
}

extension PoolingLayer {
    public var parameters: [Parameter] { [] }

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        try passes.build(name: name, inputShape: inputShape)
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        passes.forward(input)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        passes.backward(outputGradient, needsInputGradient: needsInputGradient)
    }
}
