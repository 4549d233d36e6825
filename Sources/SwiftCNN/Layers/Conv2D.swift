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
/// Glorot-uniform; the bias starts at zero. Each pass is one matrix product over the unrolled windows
/// (im2col), so the work runs in OpenBLAS.
public final class Conv2D: Layer {
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
    /// The kernel, `[kernelHeight, kernelWidth, channels, filters]`; empty until the layer is built.
    public let kernel: Parameter
    /// The bias, `[filters]`, or nil when ``useBias`` is false.
    public let bias: Parameter?
    public let parameters: [Parameter]

    private var geometry: WindowGeometry?
    private var kernelShape: [Int] = []
    private var outputSampleShape: [Int] = []

    // Workspaces, reused from one batch to the next.
    private var columns = Tensor(shape: [0])
    private var output = Tensor(shape: [0])
    private var preActivationGradient = Tensor(shape: [0])
    private var columnGradient = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])
    /// The input of the last training-mode forward pass when the input is its own im2col matrix.
    private var pointwiseInput: Tensor?
    private var hasTrainingState = false

    /// A convolution with `filters` output channels and a `kernelSize` window moved by `strides`.
    public init(filters: Int, kernelSize: (height: Int, width: Int), strides: (height: Int, width: Int) = (1, 1),
                padding: Padding = .valid, useBias: Bool = true, activation: Activation = .linear) {
        precondition(filters > 0, "Conv2D needs a positive number of filters, got \(filters)")
        precondition(kernelSize.height > 0 && kernelSize.width > 0,
                     "Conv2D needs a positive kernel size, got \(kernelSize.height)×\(kernelSize.width)")
        precondition(strides.height > 0 && strides.width > 0,
                     "Conv2D needs positive strides, got \(strides.height)×\(strides.width)")
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.useBias = useBias
        self.activation = activation
        kernel = Parameter(name: "kernel", value: Tensor(shape: [0]))
        bias = useBias ? Parameter(name: "bias", value: Tensor(shape: [filters])) : nil
        parameters = [kernel] + (bias.map { [$0] } ?? [])
    }

    /// A convolution with a square `kernelSize` window moved by `strides` in both directions.
    public convenience init(filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid,
                            useBias: Bool = true, activation: Activation = .linear) {
        self.init(filters: filters, kernelSize: (kernelSize, kernelSize), strides: (strides, strides),
                  padding: padding, useBias: useBias, activation: activation)
    }

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        let geometry = try WindowGeometry(layer: name, inputShape: inputShape, window: kernelSize,
                                          strides: strides, padding: padding)
        self.geometry = geometry
        let receptiveField = kernelSize.height * kernelSize.width
        kernelShape = [kernelSize.height, kernelSize.width, geometry.channels, filters]
        outputSampleShape = [geometry.outputHeight, geometry.outputWidth, filters]
        kernel.value = Tensor(glorotUniform: kernelShape, fanIn: receptiveField * geometry.channels,
                              fanOut: receptiveField * filters, using: &generator)
        kernel.gradient = Tensor(shape: kernelShape)
        bias?.value = Tensor(shape: [filters])
        bias?.gradient = Tensor(shape: [filters])
        return outputSampleShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard let geometry else { preconditionFailure("Conv2D.forward called before build(inputShape:generator:)") }
        precondition(geometry.acceptsInput(input),
                     "Conv2D was built for inputs [N] + \(geometry.inputSampleShape), got \(input.shape)")
        let batch = input.shape[0]
        let rows = batch * geometry.outputPositions
        let patches: UnsafeMutablePointer<Float>
        if geometry.isPointwise {
            patches = input.storage.pointer
            pointwiseInput = training ? input : nil
        } else {
            im2col(input, geometry: geometry, into: &columns)
            patches = columns.storage.pointer
        }
        output.prepare(batch: batch, sampleShape: outputSampleShape)
        OpenBLAS.sgemm(.none, .none, m: rows, n: filters, k: geometry.patchLength,
                       a: patches, lda: geometry.patchLength,
                       b: kernel.value.storage.pointer, ldb: filters,
                       c: output.storage.pointer, ldc: filters)
        output.addBias(bias?.value, thenApply: activation)
        hasTrainingState = training
        return output
    }

    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let geometry, hasTrainingState else {
            preconditionFailure("Conv2D.backward needs a training-mode forward pass first")
        }
        precondition(outputGradient.shape == output.shape,
                     "Conv2D.backward got a gradient of shape \(outputGradient.shape) for outputs of shape \(output.shape)")
        let rows = outputGradient.count / filters
        let patchLength = geometry.patchLength

        let gradient: Tensor
        if activation == .linear {
            gradient = outputGradient
        } else {
            preActivationGradient.setToActivationGradient(outputGradient, output: output, activation: activation)
            gradient = preActivationGradient
        }
        if let bias {
            gradient.sumRows(into: &bias.gradient)
        }

        let patches = geometry.isPointwise ? pointwiseInput!.storage.pointer : columns.storage.pointer
        kernel.gradient.prepare(shape: kernelShape)
        OpenBLAS.sgemm(.transposed, .none, m: patchLength, n: filters, k: rows,
                       a: patches, lda: patchLength,
                       b: gradient.storage.pointer, ldb: filters,
                       c: kernel.gradient.storage.pointer, ldc: filters)

        guard needsInputGradient else { return nil }
        if geometry.isPointwise {
            inputGradient.prepare(batch: outputGradient.shape[0], sampleShape: geometry.inputSampleShape)
            OpenBLAS.sgemm(.none, .transposed, m: rows, n: patchLength, k: filters,
                           a: gradient.storage.pointer, lda: filters,
                           b: kernel.value.storage.pointer, ldb: filters,
                           c: inputGradient.storage.pointer, ldc: patchLength)
        } else {
            columnGradient.prepare(batch: rows, sampleShape: geometry.patchShape)
            OpenBLAS.sgemm(.none, .transposed, m: rows, n: patchLength, k: filters,
                           a: gradient.storage.pointer, lda: filters,
                           b: kernel.value.storage.pointer, ldb: filters,
                           c: columnGradient.storage.pointer, ldc: patchLength)
            col2im(columnGradient, geometry: geometry, into: &inputGradient)
        }
        return inputGradient
    }
}
