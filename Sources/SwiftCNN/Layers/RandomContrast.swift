/// Scales each training image's contrast by a random factor, as Keras's `RandomContrast`; in inference
/// the layer is the identity.
///
/// For every image and channel, a contrast `k` is drawn uniformly in `[1 − factor, 1 + factor]` and each
/// pixel becomes `(x − mean) · k + mean`, where `mean` is the channel's mean over the image; the result is
/// clipped to ``valueRange`` (Keras's `value_range`), `0...1` for pixels scaled as MNIST's.
///
/// Put augmentation layers first in a model; see ``RandomTranslation`` for why they have no input gradient.
///
/// ```swift
/// RandomContrast(factor: 0.3, seed: 4)
/// ```
public final class RandomContrast: RandomAugmentationLayer {
    public let name = "random_contrast"
    /// The largest change of the contrast, as a fraction.
    public let factor: Float
    /// The range outputs are clipped to: that of the input pixels.
    public let valueRange: ClosedRange<Float>
    /// The seed the layer's generator started from.
    public let seed: UInt64
    /// The generator the contrasts are drawn from; it moves on with every training-mode forward call.
    public var generator: Xoshiro256
    let workspace = AugmentationWorkspace()

    /// A layer changing the contrast of training images by up to `factor` either way.
    ///
    /// - Parameters:
    ///   - factor: The largest change of the contrast, in `0...1`.
    ///   - valueRange: The range of the pixels, which outputs are clipped to; `0...1` by default.
    ///   - seed: The seed of the layer's generator.
    public init(factor: Float, valueRange: ClosedRange<Float> = 0...1, seed: UInt64) {
        precondition((0...1).contains(factor), "RandomContrast factor must be in 0...1, got \(factor)")
        precondition(valueRange.lowerBound.isFinite && valueRange.upperBound.isFinite,
                     "RandomContrast value range must be finite, got \(valueRange)")
        self.factor = factor
        self.valueRange = valueRange
        self.seed = seed
        generator = Xoshiro256(seed: seed)
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else { return input }
        let draws = input.shape[0] * workspace.geometry.channels
        let contrasts = workspace.draws.reserve(draws)
        for index in 0..<draws { contrasts[index] = 1 + symmetricDraw(factor, using: &generator) }
        return workspace.run(input) { [self] _, chunk in adjust(chunk) }
    }

    private func adjust(_ samples: Range<Int>) {
        adjustContrast(workspace.input, geometry: workspace.geometry, contrasts: workspace.draws.pointer,
                       valueRange: valueRange, samples: samples, into: workspace.outputPointer)
    }
}

// MARK: - Kernel

// x, y: [N,H,W,C]; contrasts: [N,C].

/// `y[n,h,w,c] = clamp((x[n,h,w,c] − mean[n,c]) · contrasts[n,c] + mean[n,c], valueRange)` for samples
/// `samples`, the mean summed in pixel order.
func adjustContrast(_ x: UnsafePointer<Float>, geometry g: ResamplingGeometry, contrasts: UnsafePointer<Float>,
                    valueRange: ClosedRange<Float>, samples: Range<Int>, into y: UnsafeMutablePointer<Float>) {
    let channels = g.channels, pixels = g.height &* g.width
    let low = valueRange.lowerBound, high = valueRange.upperBound
    for n in samples {
        let image = x + n &* g.sampleCount, out = y + n &* g.sampleCount
        for c in 0..<channels {
            var sum: Float = 0
            for p in 0..<pixels { sum += image[p &* channels &+ c] }
            let mean = sum / Float(pixels), k = contrasts[n &* channels &+ c]
            for p in 0..<pixels {
                let index = p &* channels &+ c
                out[index] = Swift.min(high, Swift.max(low, (image[index] - mean) * k + mean))
            }
        }
    }
}
