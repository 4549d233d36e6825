/// Adjacent affine augmentation layers (``RandomTranslation``, ``RandomRotation``, ``RandomZoom``) run as
/// one step of a model's plan (``AffineAugmentationFusion``, applied pair by pair to a whole run): each image's maps are drawn from each layer's own generator, as the layers
/// would draw them, composed into one, and the batch is resampled once instead of once per layer.
///
/// One pass costs a third of three, and interpolates once rather than blurring three times; what one
/// layer would turn out of the frame and the next bring back stays in. The layers keep their generators,
/// so saving, checkpoints and summaries see them as before.
final class FusedAffineAugmentation: AffineAugmentationLayer {
    let name = "fused_affine_augmentation"
    var parameters: [Parameter] { [] }
    /// The layers, in the order the model applies them.
    private let layers: [any AffineAugmentationLayer]
    private let pass = AffineAugmentation()

    /// `first` then `second` in one pass, or nil unless both are affine augmentation layers (or fused
    /// runs of them) built for the same images.
    init?(_ first: Layer, then second: Layer) {
        guard let first = first as? any AffineAugmentationLayer, let second = second as? any AffineAugmentationLayer,
              first.geometry == second.geometry else { return nil }
        layers = [first, second]
        let g = first.geometry
        guard (try? pass.workspace.build(inputShape: [g.height, g.width, g.channels], layer: name)) != nil else {
            return nil
        }
    }

    /// The layers' shape: they are built already and keep the image's shape.
    func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        try pass.workspace.build(inputShape: inputShape, layer: name)
    }

    var geometry: ResamplingGeometry { layers[0].geometry }

    /// The layers' maps for the next image, drawn in order and composed.
    func drawTransform() -> AffineMap {
        var transform = AffineMap.identity
        for layer in layers { transform = transform.composed(with: layer.drawTransform()) }
        return transform
    }

    func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else { return input }
        return pass.apply(input) { _ in drawTransform() }
    }

    /// Returns nil: the layers come before every layer with parameters, so no gradient is asked of them.
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard !needsInputGradient else { augmentationHasNoInputGradient(name) }
        return nil
    }
}
