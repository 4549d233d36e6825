import SwiftCNNVision

/// One answer of the classifier: what `POST /predict` returns.
public struct Prediction: Sendable {
    /// Where the time went, in seconds.
    public struct Timing: Sendable {
        /// Decoding the picture (zero for pixels sent as JSON).
        public var decode: Double
        /// Cropping, scaling and centring it as MNIST's digits are.
        public var preprocess: Double
        /// The network's forward pass.
        public var inference: Double
    }

    /// The probability of each class, which sum to 1.
    public var probabilities: [Float]
    /// The `side`×`side` grey image the network saw, ink 1 on paper 0.
    public var preprocessed: Image
    /// How long each step took.
    public var timing: Timing

    /// The most probable class (the lowest on ties).
    public var digit: Int {
        probabilities.indices.max { probabilities[$0] < probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 > $1) } ?? 0
    }
}
