/// Zooms each training image in or out by a random amount about its centre, as Keras's `RandomZoom`;
/// in inference the layer is the identity.
///
/// The zoom is `1 + z` with `z` drawn uniformly in `[-heightFactor, heightFactor]`; as in Keras, a
/// positive `z` zooms out (the digit gets smaller) and a negative one zooms in. Without a
/// `widthFactor` the width is zoomed by the same draw, keeping the aspect ratio; with one, the width
/// gets its own draw. The image is resampled bilinearly, with 0 where the frame shows more than the
/// image (Keras's `fill_mode: "constant"`).
///
/// Put augmentation layers first in a model; see ``RandomTranslation`` for why they have no input gradient.
///
/// ```swift
/// RandomZoom(heightFactor: 0.1, seed: 3)
/// ```
public final class RandomZoom: RandomAffineLayer {
    public let name = "random_zoom"
    /// The largest vertical zoom change, as a fraction.
    public let heightFactor: Float
    /// The largest horizontal zoom change, or nil to zoom the width as the height.
    public let widthFactor: Float?
    /// The seed the layer's generator started from.
    public let seed: UInt64
    /// The generator the zooms are drawn from; it moves on with every training-mode forward call.
    public var generator: Xoshiro256
    let pass = AffineAugmentation()

    /// A layer zooming training images by up to `heightFactor` (and `widthFactor`) in or out.
    ///
    /// - Parameters:
    ///   - heightFactor: The largest change of the vertical zoom, in `0..<1`.
    ///   - widthFactor: The largest change of the horizontal zoom, in `0..<1`, or nil (the default) to
    ///     zoom the width as the height.
    ///   - seed: The seed of the layer's generator.
    public init(heightFactor: Float, widthFactor: Float? = nil, seed: UInt64) {
        precondition(heightFactor >= 0 && heightFactor < 1 && (widthFactor.map { $0 >= 0 && $0 < 1 } ?? true),
                     "RandomZoom factors must be in 0..<1, got \(heightFactor), \(String(describing: widthFactor))")
        self.heightFactor = heightFactor
        self.widthFactor = widthFactor
        self.seed = seed
        generator = Xoshiro256(seed: seed)
    }

    /// The next image's map, from ``generator``.
    func drawTransform() -> AffineMap {
        let g = geometry
        let zoomY = 1 + symmetricDraw(heightFactor, using: &generator)
        let zoomX = widthFactor.map { 1 + symmetricDraw($0, using: &generator) } ?? zoomY
        return .zoom(y: zoomY, x: zoomX, geometry: g)
    }
}
