/// Shifts each training image by a random fraction of its height and width, as Keras's
/// `RandomTranslation`; in inference the layer is the identity.
///
/// Shifts are drawn uniformly in `[-heightFactor, heightFactor] × height` and
/// `[-widthFactor, widthFactor] × width` pixels, a new pair for every image and every training step,
/// from the layer's own generator. The image is resampled bilinearly and what comes in from outside is
/// filled with 0 (Keras's `fill_mode: "constant"`): the background of MNIST-like images, so put
/// augmentation layers before any standardisation.
///
/// Augmentation layers belong at the start of a model, before every layer with parameters: training then
/// never asks them for an input gradient, and they have none (``Layer/backward(_:needsInputGradient:)`` stops
/// with a message if asked). Their generator is in ``Layer/generators``, so training checkpoints resume the
/// same draws.
///
/// ```swift
/// RandomTranslation(heightFactor: 0.1, widthFactor: 0.1, seed: 1)
/// ```
public final class RandomTranslation: RandomAffineLayer {
    public let name = "random_translation"
    /// The largest shift, as a fraction of the image height.
    public let heightFactor: Float
    /// The largest shift, as a fraction of the image width.
    public let widthFactor: Float
    /// The seed the layer's generator started from.
    public let seed: UInt64
    /// The generator the shifts are drawn from; it moves on with every training-mode forward call.
    public var generator: Xoshiro256
    let pass = AffineAugmentation()

    /// A layer shifting training images by up to `heightFactor` of their height and `widthFactor` of
    /// their width, either way.
    ///
    /// - Parameters:
    ///   - heightFactor: The largest vertical shift as a fraction of the height, in `0...1`.
    ///   - widthFactor: The largest horizontal shift as a fraction of the width, in `0...1`.
    ///   - seed: The seed of the layer's generator.
    public init(heightFactor: Float, widthFactor: Float, seed: UInt64) {
        precondition((0...1).contains(heightFactor) && (0...1).contains(widthFactor),
                     "RandomTranslation factors must be in 0...1, got \(heightFactor), \(widthFactor)")
        self.heightFactor = heightFactor
        self.widthFactor = widthFactor
        self.seed = seed
        generator = Xoshiro256(seed: seed)
    }

    /// The next image's map, from ``generator``.
    func drawTransform() -> AffineMap {
        let g = geometry
        let dy = symmetricDraw(heightFactor, using: &generator) * Float(g.height)
        let dx = symmetricDraw(widthFactor, using: &generator) * Float(g.width)
        return .translation(dy: dy, dx: dx)
    }
}
