/// A placeholder for the tensors a model will compute: what Keras calls a symbolic (Keras) tensor.
///
/// Functional models are described by applying layers to symbolic tensors, starting from an ``Input(shape:)``;
/// nothing is computed until ``Model/init(inputs:outputs:seed:)`` builds the model from them:
///
/// ```swift
/// let input = Input(shape: [28, 28, 1])
/// let x = Conv2D(filters: 16, kernelSize: 3, padding: .same, activation: .relu)(input)
/// let y = Conv2D(filters: 16, kernelSize: 3, padding: .same)(x)
/// let sum = ReLU()(Add()([x, y]))
/// let logits = Dense(units: 10)(Flatten()(sum))
/// let model = try Model(inputs: input, outputs: logits, seed: 1)
/// ```
///
/// Shapes are checked when the model is built, which names the layers and shapes that do not fit.
public final class SymbolicTensor {
    /// Where the tensor comes from: a model input of a given sample shape, or a layer applied to others.
    enum Source {
        case input(shape: [Int])
        case layer(Layer, inputs: [SymbolicTensor])
    }

    let source: Source

    init(_ source: Source) {
        self.source = source
    }

    /// The tensors this one is computed from; none for an ``Input(shape:)``.
    var inputs: [SymbolicTensor] {
        if case let .layer(_, inputs) = source { return inputs }
        return []
    }
}

/// The input of a functional model: a ``SymbolicTensor`` for samples of `shape` (without the batch
/// dimension), as Keras's `keras.Input(shape=…)`.
///
/// ```swift
/// let input = Input(shape: [28, 28, 1])
/// ```
public func Input(shape: [Int]) -> SymbolicTensor {
    SymbolicTensor(.input(shape: shape))
}

extension Layer {
    /// This layer applied to `input`, for a functional model: a symbolic tensor for its output.
    ///
    /// A layer instance is applied once; a model that applies one twice is refused when it is built.
    public func callAsFunction(_ input: SymbolicTensor) -> SymbolicTensor {
        SymbolicTensor(.layer(self, inputs: [input]))
    }
}

extension MergeLayer {
    /// This layer applied to `inputs`, in order, for a functional model: a symbolic tensor for its output.
    public func callAsFunction(_ inputs: [SymbolicTensor]) -> SymbolicTensor {
        SymbolicTensor(.layer(self, inputs: inputs))
    }
}
