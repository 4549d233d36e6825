/// Turns each training image by a random angle about its centre, as Keras's `RandomRotation`; in
/// inference the layer is the identity.
///
/// Angles are drawn uniformly in `[-factor, factor] × 2π` radians (positive turns counter-clockwise),
/// a new one for every image and every training step, from the layer's own generator. The image is
/// resampled bilinearly, with 0 where the turned image leaves the frame (Keras's `fill_mode: "constant"`).
///
/// Put augmentation layers first in a model; see ``RandomTranslation`` for why they have no input gradient.
///
/// ```swift
/// RandomRotation(factor: 10.0 / 360, seed: 2)   // up to 10° either way
/// ```
public final class RandomRotation: RandomAffineLayer {
    public let name = "random_rotation"
    /// The largest angle, as a fraction of a full turn (2π).
    public let factor: Float
    /// The seed the layer's generator started from.
    public let seed: UInt64
    /// The generator the angles are drawn from; it moves on with every training-mode forward call.
    public var generator: Xoshiro256
    let pass = AffineAugmentation()

    /// A layer turning training images by up to `factor` of a full turn either way.
    ///
    /// - Parameters:
    ///   - factor: The largest angle as a fraction of 2π, in `0...1`.
    ///   - seed: The seed of the layer's generator.
    public init(factor: Float, seed: UInt64) {
        precondition((0...1).contains(factor), "RandomRotation factor must be in 0...1, got \(factor)")
        self.factor = factor
        self.seed = seed
        generator = Xoshiro256(seed: seed)
    }

    /// The next image's map, from ``generator``.
    func drawTransform() -> AffineMap {
        let g = geometry
        return .rotation(by: symmetricDraw(factor, using: &generator) * 2 * Float.pi, geometry: g)
    }
}
