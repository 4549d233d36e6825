// What the augmentation layers share: the image geometry they were built for, the batch being
// transformed while the threads run, the reused output, and buffers for the per-sample random draws.
// Draws are made serially, sample after sample, before the parallel pass, so a layer's output depends
// only on its generator and never on the number of threads.

/// The reusable state of one augmentation layer's training-mode pass.
final class AugmentationWorkspace {
    private(set) var geometry = ResamplingGeometry(height: 0, width: 0, channels: 0)
    /// The per-sample draws of the current batch (transforms, factors, noise fields), as the layer lays them out.
    let draws = ScratchBuffer<Float>()
    /// Intermediate results per sample, for the layers that need them (smoothed displacement fields).
    let scratch = ScratchBuffer<Float>()
    /// The batch being transformed, held only during ``run(_:_:)``: keeping it longer would make the layer
    /// before reallocate its output at every step.
    private var source: Tensor?
    private var output = Tensor(shape: [0])
    /// One image's shape, `[height, width, channels]`, kept so that a step builds no array.
    private var sampleShape: [Int] = []
    /// The number of samples in the batch of the pass in progress.
    private(set) var batch = 0

    /// Checks that `inputShape` is an image `[height, width, channels]` and remembers its geometry.
    ///
    /// - Throws: ``LayerError/incompatibleInput(layer:inputShape:expected:)`` naming `layer` otherwise.
    func build(inputShape: [Int], layer: String) throws -> [Int] {
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(layer: layer, inputShape: inputShape,
                                               expected: "an image [height, width, channels] of positive sizes")
        }
        geometry = ResamplingGeometry(height: inputShape[0], width: inputShape[1], channels: inputShape[2])
        sampleShape = inputShape
        return inputShape
    }

    /// The input of the pass in progress.
    var input: UnsafePointer<Float> {
        UnsafePointer(source!.storage.pointer)
    }

    /// The output of the pass in progress.
    var outputPointer: UnsafeMutablePointer<Float> {
        output.storage.pointer
    }

    /// Transforms `input` sample by sample: `body(chunk)` writes samples `chunk` of the output from
    /// ``input`` (and the draws), on fixed chunks of the batch spread over the threads.
    func run(_ input: Tensor, _ body: @escaping (_ index: Int, _ chunk: Range<Int>) -> Void) -> Tensor {
        precondition(input.shape.count == 4 && input.shape.dropFirst().elementsEqual(sampleShape),
                     "Augmentation layer built for images of \(sampleShape) got a batch of \(input.shape)")
        batch = input.shape[0]
        output.prepare(batch: batch, sampleShape: sampleShape)
        source = input
        parallelFor(threadChunkCount(rows: batch, width: geometry.sampleCount, minimumElements: 1 << 12),
                    chunksOf: 0..<batch, body)
        source = nil
        return output
    }
}

/// A draw uniformly distributed in `[-factor, factor]`.
@inline(__always)
func symmetricDraw(_ factor: Float, using generator: inout Xoshiro256) -> Float {
    (2 * generator.nextUnitFloat() - 1) * factor
}

/// The message of the augmentation layers' backward pass when asked for an input gradient.
func augmentationHasNoInputGradient(_ layer: String) -> Never {
    preconditionFailure("\(layer) has no input gradient: put augmentation layers before every layer with parameters")
}
