/// The mean of each channel over the whole image: `[N, height, width, channels]` → `[N, channels]`, as
/// Keras's `GlobalAveragePooling2D`.
///
/// It usually replaces ``Flatten`` between the convolutions and the classifier: the classifier then sees
/// one value per feature map whatever the image size, and has far fewer weights.
///
/// ```swift
/// let model = try Sequential(inputShape: [28, 28, 1]) {
///     Conv2D(filters: 32, kernelSize: 3, activation: .relu)   // [26, 26, 32]
///     GlobalAveragePooling2D()                                 // [32]
///     Dense(units: 10)
/// }
/// ```
///
/// The batch is split across ``Backend/threadCount`` threads when it is large enough to pay for them;
/// each sample's means are computed by one thread, so the numbers do not depend on the thread count.
public final class GlobalAveragePooling2D: Layer {
    public let name = "global_average_pooling2d"
    public let parameters: [Parameter] = []

    /// `[H, W, C]`, set by ``build(inputShape:generator:)``.
    private var inputSampleShape: [Int] = []
    private var positions = 0
    private var channels = 0

    // Workspaces, reused from one batch to the next.
    private var output = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])

    /// A global average pooling layer.
    public init() {}

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(layer: name, inputShape: inputShape,
                                               expected: "a positive [height, width, channels]")
        }
        inputSampleShape = inputShape
        positions = inputShape[0] * inputShape[1]
        channels = inputShape[2]
        return [channels]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(!inputSampleShape.isEmpty, "GlobalAveragePooling2D.forward called before build(inputShape:generator:)")
        precondition(input.rank == 4 && input.shape.dropFirst().elementsEqual(inputSampleShape),
                     "GlobalAveragePooling2D was built for inputs [N] + \(inputSampleShape), got \(input.shape)")
        let batch = input.shape[0]
        output.prepare(batch: batch, sampleShape: [channels])
        let pass = Means(x: input.storage.pointer, y: output.storage.pointer, positions: positions, channels: channels)
        parallelFor(threadChunkCount(rows: batch, width: positions * channels), chunksOf: 0..<batch, pass)
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        precondition(outputGradient.shape == output.shape,
                     "GlobalAveragePooling2D.backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(output.shape)")
        guard needsInputGradient else { return nil }
        let batch = outputGradient.shape[0]
        inputGradient.prepare(batch: batch, sampleShape: inputSampleShape)
        let pass = SharedGradients(dy: outputGradient.storage.pointer, dx: inputGradient.storage.pointer,
                                   positions: positions, channels: channels)
        parallelFor(threadChunkCount(rows: batch, width: positions * channels), chunksOf: 0..<batch, pass)
        return inputGradient
    }

    /// The forward pass, handed to the threads: the means of a range of samples.
    private struct Means: ChunkedWork {
        let x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, positions: Int, channels: Int

        func run(chunk: Int, _ samples: Range<Int>) {
            globalAveragePool(x, positions: positions, channels: channels, samples: samples, into: y)
        }
    }

    /// The backward pass, handed to the threads: the input gradient of a range of samples.
    private struct SharedGradients: ChunkedWork {
        let dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, positions: Int, channels: Int

        func run(chunk: Int, _ samples: Range<Int>) {
            globalAveragePoolBackward(dy, positions: positions, channels: channels, samples: samples, into: dx)
        }
    }
}
