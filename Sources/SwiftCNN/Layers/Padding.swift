/// How a sliding window (of a convolution or pooling layer) treats the border of the image, as in Keras.
public enum Padding: String, Sendable, Hashable, CaseIterable {
    /// No padding: windows stay inside the image, so the output shrinks.
    /// Output length `⌊(input − window) / stride⌋ + 1`.
    case valid
    /// Pad so that the output length is `⌈input / stride⌉` (the input's size at stride 1). The padding
    /// total, `max((output − 1)·stride + window − input, 0)`, is split with the smaller half before, as in
    /// TensorFlow. Convolutions read padding as zeros; pooling ignores it.
    case same

    /// The output length and the padding before the first cell along one dimension, or nil when a
    /// `valid` window does not fit.
    func placement(inputLength: Int, windowLength: Int, stride: Int) -> (outputLength: Int, paddingBefore: Int)? {
        switch self {
        case .valid:
            guard inputLength >= windowLength else { return nil }
            return ((inputLength - windowLength) / stride + 1, 0)
        case .same:
            let outputLength = (inputLength + stride - 1) / stride
            let total = max((outputLength - 1) * stride + windowLength - inputLength, 0)
            return (outputLength, total / 2)
        }
    }
}

extension WindowGeometry {
    /// The geometry of a `window` sliding with `strides` and `padding` over samples of `inputShape`,
    /// checked for a layer named `layer`.
    ///
    /// - Throws: ``LayerError/incompatibleInput(layer:inputShape:expected:)`` unless `inputShape` is
    ///   `[height, width, channels]`, all positive, and a `valid` window fits inside it.
    init(layer: String, inputShape: [Int], window: (height: Int, width: Int),
         strides: (height: Int, width: Int), padding: Padding) throws {
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(
                layer: layer, inputShape: inputShape, expected: "a positive [height, width, channels]")
        }
        guard let vertical = padding.placement(inputLength: inputShape[0], windowLength: window.height,
                                               stride: strides.height),
              let horizontal = padding.placement(inputLength: inputShape[1], windowLength: window.width,
                                                 stride: strides.width)
        else {
            throw LayerError.incompatibleInput(
                layer: layer, inputShape: inputShape,
                expected: "at least \(window.height)×\(window.width) pixels for a \(window.height)×\(window.width) window without padding")
        }
        self.init(inputHeight: inputShape[0], inputWidth: inputShape[1], channels: inputShape[2],
                  windowHeight: window.height, windowWidth: window.width,
                  strideHeight: strides.height, strideWidth: strides.width,
                  padTop: vertical.paddingBefore, padLeft: horizontal.paddingBefore,
                  outputHeight: vertical.outputLength, outputWidth: horizontal.outputLength)
    }
}
