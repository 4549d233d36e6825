/// A fully connected layer: `activation(x · kernel + bias)` for a batch of feature vectors `[N, F]`.
///
/// The kernel has shape `[F, units]`, Keras's layout, and starts Glorot-uniform; the bias starts at
/// zero. Images must be flattened first (``Flatten``).
///
/// ```swift
/// let hidden = Dense(units: 64, activation: .relu)
/// let logits = Dense(units: 10)   // linear: feed it to SoftmaxCrossEntropy
/// ```
public final class Dense: Layer {
    public let name = "dense"
    /// The number of output features.
    public let units: Int
    /// The non-linearity applied to `x · kernel + bias`, fused into the layer.
    public let activation: Activation
    /// Whether the layer adds ``bias``.
    public let useBias: Bool
    /// The weights, `[F, units]`; empty until the layer is built.
    public let kernel: Parameter
    /// The bias, `[units]`, or nil when ``useBias`` is false.
    public let bias: Parameter?
    public let parameters: [Parameter]

    private var inputFeatures = 0
    private var outputSampleShape: [Int]
    private var output = Tensor(shape: [0])
    private var preActivationGradient = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])
    /// The input of the last training-mode forward call, released by backward so that the layer
    /// before can reuse its output workspace.
    private var input: Tensor?

    /// A layer with `units` outputs.
    public init(units: Int, activation: Activation = .linear, useBias: Bool = true) {
        precondition(units > 0, "Dense needs at least one unit, got \(units)")
        self.units = units
        self.activation = activation
        self.useBias = useBias
        outputSampleShape = [units]
        kernel = Parameter(name: "kernel", value: Tensor(shape: [0, units]))
        bias = useBias ? Parameter(name: "bias", value: Tensor(shape: [units])) : nil
        parameters = [kernel] + (bias.map { [$0] } ?? [])
    }

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        guard inputShape.count == 1, inputShape[0] > 0 else {
            throw LayerError.incompatibleInput(
                layer: name, inputShape: inputShape,
                expected: "feature vectors [F] (add Flatten before Dense for images)")
        }
        inputFeatures = inputShape[0]
        kernel.value = Tensor(glorotUniform: [inputFeatures, units], fanIn: inputFeatures, fanOut: units,
                              using: &generator)
        kernel.gradient = Tensor(shape: [inputFeatures, units])
        if let bias {
            bias.value = Tensor(shape: [units])
            bias.gradient = Tensor(shape: [units])
        }
        return outputSampleShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(inputFeatures > 0, "Dense(units: \(units)) used before it was built")
        precondition(input.rank == 2 && input.shape[1] == inputFeatures && input.shape[0] > 0,
                     "Dense built for inputs [N, \(inputFeatures)] (N > 0) was given \(input.shape)")
        checkParameterShapes()
        let batch = input.shape[0]
        output.prepare(batch: batch, sampleShape: outputSampleShape)
        OpenBLAS.sgemm(.none, .none, m: batch, n: units, k: inputFeatures,
                       a: input.storage.pointer, lda: inputFeatures,
                       b: kernel.value.storage.pointer, ldb: units,
                       c: output.storage.pointer, ldc: units)
        output.addBias(bias?.value, thenApply: activation)
        self.input = training ? input : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let input else {
            preconditionFailure("Dense.backward needs a training-mode forward call first")
        }
        self.input = nil
        precondition(outputGradient.shape == output.shape,
                     "Dense output gradient has shape \(outputGradient.shape), its output \(output.shape)")
        let batch = input.shape[0]

        // The incoming gradient belongs to the next layer, so the activation's derivative is applied
        // to a copy of it.
        let gradient: Tensor
        if activation == .linear {
            gradient = outputGradient
        } else {
            preActivationGradient.setToActivationGradient(outputGradient, output: output, activation: activation)
            gradient = preActivationGradient
        }
        let dz = gradient.storage.pointer

        kernel.gradient.prepare(shape: kernel.value.shape)
        OpenBLAS.sgemm(.transposed, .none, m: inputFeatures, n: units, k: batch,
                       a: input.storage.pointer, lda: inputFeatures,
                       b: dz, ldb: units,
                       c: kernel.gradient.storage.pointer, ldc: units)
        if let bias {
            gradient.sumRows(into: &bias.gradient)
        }

        guard needsInputGradient else { return nil }
        inputGradient.prepare(shape: input.shape)
        OpenBLAS.sgemm(.none, .transposed, m: batch, n: inputFeatures, k: units,
                       a: dz, lda: units,
                       b: kernel.value.storage.pointer, ldb: units,
                       c: inputGradient.storage.pointer, ldc: inputFeatures)
        return inputGradient
    }

    /// Parameters can be replaced from outside (loading weights); a wrong shape would make SGEMM read
    /// past the end, so it stops here instead.
    private func checkParameterShapes() {
        let shape = kernel.value.shape
        precondition(shape.count == 2 && shape[0] == inputFeatures && shape[1] == units,
                     "Dense kernel has shape \(shape), expected [\(inputFeatures), \(units)]")
        if let bias {
            precondition(bias.value.shape.count == 1 && bias.value.shape[0] == units,
                         "Dense bias has shape \(bias.value.shape), expected [\(units)]")
        }
    }
}
