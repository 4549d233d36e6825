/// Flattens each sample to one dimension: `[N, d₁, d₂, …]` → `[N, d₁·d₂·…]`, in row-major (channels-last)
/// order, as Keras's `Flatten`.
///
/// Both passes are reshapes that share the tensor's storage; no element is copied.
public final class Flatten: Layer {
    public let name = "flatten"
    public let parameters: [Parameter] = []

    private var inputSampleShape: [Int] = []
    private var features = 0
    // Batched shapes, rebuilt only when the batch size changes.
    private var batchedInputShape: [Int] = []
    private var batchedOutputShape: [Int] = []

    /// A flattening layer.
    public init() {}

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(layer: name, inputShape: inputShape,
                                               expected: "at least one positive dimension")
        }
        inputSampleShape = inputShape
        features = inputShape.reduce(1, *)
        batchedInputShape = []
        batchedOutputShape = []
        return [features]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(input.rank == inputSampleShape.count + 1 && input.shape.dropFirst().elementsEqual(inputSampleShape),
                     "Flatten was built for inputs [N] + \(inputSampleShape), got \(input.shape)")
        let batch = input.shape[0]
        if batchedOutputShape.first != batch {
            batchedOutputShape = [batch, features]
            batchedInputShape = [batch] + inputSampleShape
        }
        return input.reshaped(to: batchedOutputShape)
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        precondition(outputGradient.shape == batchedOutputShape,
                     "Flatten.backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(batchedOutputShape)")
        return needsInputGradient ? outputGradient.reshaped(to: batchedInputShape) : nil
    }
}
