/// A fully connected layer: `activation(x · kernel + bias)` for a batch of feature vectors `[N, F]`.
///
/// The kernel has shape `[F, units]`, Keras's layout, and starts Glorot-uniform and the bias at zero,
/// unless ``kernelInitializer`` and ``biasInitializer`` say otherwise. Images must be flattened first (``Flatten``).
///
/// ```swift
/// let hidden = Dense(units: 64, activation: .relu)
/// let logits = Dense(units: 10)   // linear: feed it to SoftmaxCrossEntropy
/// ```
public final class Dense: Layer, ActivationFusing {
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
    /// How the kernel's first value is drawn.
    public let kernelInitializer: Initializer
    /// How the bias's first value is drawn.
    public let biasInitializer: Initializer

    private var inputFeatures = 0
    private var outputSampleShape: [Int]
    private var output = Tensor(shape: [0])
    private var preActivationGradient = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])
    /// The input of the last training-mode forward call, released by backward so that the layer
    /// before can reuse its output workspace.
    private var input: Tensor?

    /// A layer with `units` outputs.
    ///
    /// The initializers draw the parameters when the layer is first built; see ``Initializer`` for the fans.
    public convenience init(units: Int, activation: Activation = .linear, useBias: Bool = true,
                            kernelInitializer: Initializer = .glorotUniform, biasInitializer: Initializer = .zeros) {
        self.init(units: units, activation: activation, kernel: Parameter(name: "kernel", value: Tensor(shape: [0, units])),
                  bias: useBias ? Parameter(name: "bias", value: Tensor(shape: [0])) : nil,
                  kernelInitializer: kernelInitializer, biasInitializer: biasInitializer)
    }

    /// A layer whose parameters are `kernel` and `bias`, which another layer may share.
    private init(units: Int, activation: Activation, kernel: Parameter, bias: Parameter?,
                 kernelInitializer: Initializer, biasInitializer: Initializer) {
        precondition(units > 0, "Dense needs at least one unit, got \(units)")
        kernelInitializer.requireValid(for: "Dense's kernel")
        biasInitializer.requireValid(for: "Dense's bias")
        self.kernelInitializer = kernelInitializer
        self.biasInitializer = biasInitializer
        self.units = units
        self.activation = activation
        useBias = bias != nil
        outputSampleShape = [units]
        self.kernel = kernel
        self.bias = bias
        parameters = [kernel] + (bias.map { [$0] } ?? [])
    }

    func fusing(_ activation: Activation) -> Layer? {
        guard self.activation == .linear else { return nil }
        return Dense(units: units, activation: activation, kernel: kernel, bias: bias,
                     kernelInitializer: kernelInitializer, biasInitializer: biasInitializer)
    }

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        guard inputShape.count == 1, inputShape[0] > 0 else {
            throw LayerError.incompatibleInput(
                layer: name, inputShape: inputShape,
                expected: "feature vectors [F] (add Flatten before Dense for images)")
        }
        inputFeatures = inputShape[0]
        let inputFeatures = self.inputFeatures, units = self.units
        kernel.prepare(shape: [inputFeatures, units]) {
            kernelInitializer.tensor(shape: [inputFeatures, units], fanIn: inputFeatures, fanOut: units, using: &generator)
        }
        bias?.prepare(shape: [units]) {
            biasInitializer.tensor(shape: [units], fanIn: inputFeatures, fanOut: units, using: &generator)
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
        let pass = ForwardPass(x: input.storage.pointer, w: kernel.value.storage.pointer, b: bias?.value.storage.pointer,
                               y: output.storage.pointer, batch: batch, inputFeatures: inputFeatures, units: units,
                               activation: activation, splitsUnits: units > batch)
        if pass.splitsUnits {
            parallelFor(chunkCount(columns: units, of: batch), chunksOf: 0..<units, pass)
        } else {
            parallelFor(chunkCount(rows: batch), chunksOf: 0..<batch, pass)
        }
        self.input = training ? input : nil
        return output
    }

    /// The forward pass, handed to the threads: `y = activation(x · kernel + bias)` for a range of samples,
    /// or for a range of units when `splitsUnits`.
    ///
    /// Each chunk's product packs again the operand it does not split, so the pass splits the one whose
    /// partner is smaller: the samples when the kernel `[F, units]` is smaller than the inputs `[N, F]`,
    /// the units otherwise (a 9216 → 128 layer at batch 64 computed its forward pass in 1.71 ms split into
    /// two halves of units, against 2.11 ms in four quarters of samples, on one core of an AMD EPYC, family
    /// 25 model 17, with OpenBLAS 0.3.21's Cooperlake kernels).
    private struct ForwardPass: ChunkedWork {
        let x: UnsafePointer<Float>, w: UnsafePointer<Float>, b: UnsafePointer<Float>?
        let y: UnsafeMutablePointer<Float>
        let batch: Int, inputFeatures: Int, units: Int, activation: Activation
        let splitsUnits: Bool

        func run(chunk: Int, _ range: Range<Int>) {
            let first = range.lowerBound
            if splitsUnits {
                OpenBLAS.sgemm(.none, .none, m: batch, n: range.count, k: inputFeatures,
                               a: x, lda: inputFeatures, b: w + first, ldb: units, c: y + first, ldc: units)
                for row in 0..<batch {
                    addBias(b.map { $0 + first }, thenApply: activation, toRows: y + (row &* units &+ first),
                            count: 1, width: range.count)
                }
            } else {
                OpenBLAS.sgemm(.none, .none, m: range.count, n: units, k: inputFeatures,
                               a: x + first &* inputFeatures, lda: inputFeatures, b: w, ldb: units,
                               c: y + first &* units, ldc: units)
                addBias(b, thenApply: activation, toRows: y + first &* units, count: range.count, width: units)
            }
        }
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
        if activation != .linear {
            preActivationGradient.prepare(shape: output.shape)
        }
        if needsInputGradient {
            inputGradient.prepare(shape: input.shape)
        }
        kernel.gradient.prepare(shape: kernel.value.shape)
        let dz = activation == .linear ? outputGradient.storage.pointer : preActivationGradient.storage.pointer
        // As in the forward pass, the input gradient `[N, F]` is split by samples or by features, whichever
        // leaves the smaller operand to pack again: a 9216 → 128 layer at batch 64 took 1.80 ms in eighths
        // of features against 2.53 ms in quarters of samples (same core and kernels as the forward pass's).
        let splitsFeatures = needsInputGradient && inputFeatures > batch
        if activation != .linear || needsInputGradient && !splitsFeatures {
            let pass = InputGradientPass(dy: outputGradient.storage.pointer, y: output.storage.pointer,
                                         w: kernel.value.storage.pointer, dz: dz,
                                         dx: needsInputGradient && !splitsFeatures ? inputGradient.storage.pointer : nil,
                                         inputFeatures: inputFeatures, units: units, activation: activation)
            parallelFor(chunkCount(rows: batch), chunksOf: 0..<batch, pass)
        }
        if splitsFeatures {
            let pass = FeatureGradientPass(dz: dz, w: kernel.value.storage.pointer, dx: inputGradient.storage.pointer,
                                           batch: batch, inputFeatures: inputFeatures, units: units)
            parallelFor(chunkCount(columns: inputFeatures, of: batch), chunksOf: 0..<inputFeatures, pass)
        }
        let pass = KernelGradientPass(x: input.storage.pointer, dz: dz, dw: kernel.gradient.storage.pointer,
                                      batch: batch, inputFeatures: inputFeatures, units: units)
        parallelFor(chunkCount(rows: inputFeatures), chunksOf: 0..<inputFeatures, pass)
        if let bias {
            bias.gradient.prepare(shape: bias.value.shape)
            let db = bias.gradient.storage.pointer
            db.update(repeating: 0, count: units)
            addColumnSums(of: dz, rows: batch, width: units, to: db)
        }
        return needsInputGradient ? inputGradient : nil
    }

    /// The first part of the backward pass, handed to the threads: for a range of samples, the activation
    /// gradient `dz` (unless the activation is linear and `dz` is `dy`) and the input gradient
    /// `dx = dz · kernelᵀ` when one is needed.
    private struct InputGradientPass: ChunkedWork {
        let dy: UnsafePointer<Float>, y: UnsafePointer<Float>, w: UnsafePointer<Float>
        let dz: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?
        let inputFeatures: Int, units: Int, activation: Activation

        func run(chunk: Int, _ rows: Range<Int>) {
            let first = rows.lowerBound
            if activation != .linear {
                activationGradient(dy + first &* units, output: y + first &* units, activation: activation,
                                   rows: rows.count, width: units, into: dz + first &* units, addingColumnSumsTo: nil)
            }
            if let dx {
                OpenBLAS.sgemm(.none, .transposed, m: rows.count, n: inputFeatures, k: units,
                               a: dz + first &* units, lda: units, b: w, ldb: units,
                               c: dx + first &* inputFeatures, ldc: inputFeatures)
            }
        }
    }

    /// The input gradient `dx = dz · kernelᵀ` for a range of features (columns of `dx`), handed to the threads.
    private struct FeatureGradientPass: ChunkedWork {
        let dz: UnsafePointer<Float>, w: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
        let batch: Int, inputFeatures: Int, units: Int

        func run(chunk: Int, _ features: Range<Int>) {
            let first = features.lowerBound
            OpenBLAS.sgemm(.none, .transposed, m: batch, n: features.count, k: units,
                           a: dz, lda: units, b: w + first &* units, ldb: units, c: dx + first, ldc: inputFeatures)
        }
    }

    /// The second part of the backward pass, handed to the threads: a range of rows (input features) of
    /// the kernel gradient, `xᵀ · dz`, from those features' columns of the input.
    private struct KernelGradientPass: ChunkedWork {
        let x: UnsafePointer<Float>, dz: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>
        let batch: Int, inputFeatures: Int, units: Int

        func run(chunk: Int, _ features: Range<Int>) {
            OpenBLAS.sgemm(.transposed, .none, m: features.count, n: units, k: batch,
                           a: x + features.lowerBound, lda: inputFeatures, b: dz, ldb: units,
                           c: dw + features.lowerBound &* units, ldc: units)
        }
    }

    /// How many chunks a product of `rows` rows is split into: one when the whole product is too small to
    /// be worth a hand-off, and never by the thread count, which would move rows within SGEMM's tiles.
    private func chunkCount(rows: Int) -> Int {
        inputFeatures * units * Swift.max(1, output.shape.first ?? 1) >= 1 << 18
            ? threadIndependentChunkCount(for: rows, minimumChunk: 16) : 1
    }

    /// How many chunks a product split along its `columns` (of `rows` rows each) is cut into: as
    /// ``chunkCount(rows:)``, with chunks of at least 64 columns, since each packs the whole other operand.
    private func chunkCount(columns: Int, of rows: Int) -> Int {
        inputFeatures * units * rows >= 1 << 18 ? threadIndependentChunkCount(for: columns, minimumChunk: 64) : 1
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
