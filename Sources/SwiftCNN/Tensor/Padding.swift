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
