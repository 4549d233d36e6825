/// Adjacent affine augmentation layers (``RandomTranslation``, ``RandomRotation``, ``RandomZoom``) run as
/// one step of a model's plan: each image's maps are drawn from each layer's own generator, as the layers
/// would draw them, composed into one, and the batch is resampled once instead of once per layer.
///
/// One pass costs a third of three, and interpolates once rather than blurring three times; what one
/// layer would turn out of the frame and the next bring back stays in. The layers keep their generators,
/// so saving, checkpoints and summaries see them as before.
final class FusedAffineAugmentation: Layer {
    let name = "fused_affine_augmentation"
    var parameters: [Parameter] { [] }
    /// The layers, in the order the model applies them.
    private let layers: [any AffineAugmentationLayer]
    private let pass = AffineAugmentation()

    private init(_ layers: [any AffineAugmentationLayer]) throws {
        self.layers = layers
        let g = layers[0].geometry
        _ = try pass.workspace.build(inputShape: [g.height, g.width, g.channels], layer: name)
    }

    /// `layers` with every run of two or more adjacent affine augmentation layers, built for the same
    /// images, replaced by one fused step.
    static func fused(_ layers: [Layer]) -> [Layer] {
        var result: [Layer] = []
        var run: [any AffineAugmentationLayer] = []
        func flush() {
            if run.count >= 2, let fused = try? FusedAffineAugmentation(run) {
                result.append(fused)
            } else {
                result += run.map { $0 as Layer }
            }
            run = []
        }
        for layer in layers {
            if let affine = layer as? any AffineAugmentationLayer,
               run.isEmpty || run[0].geometry == affine.geometry {
                run.append(affine)
            } else {
                flush()
                if let affine = layer as? any AffineAugmentationLayer { run.append(affine) } else { result.append(layer) }
            }
        }
        flush()
        return result
    }

    /// The layers' shape: they are built already and keep the image's shape.
    func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        try pass.workspace.build(inputShape: inputShape, layer: name)
    }

    func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else { return input }
        return pass.apply(input) { _ in
            var transform = AffineMap.identity
            for layer in layers { transform = transform.composed(with: layer.drawTransform()) }
            return transform
        }
    }

    /// Returns nil: the layers come before every layer with parameters, so no gradient is asked of them.
    func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard !needsInputGradient else { augmentationHasNoInputGradient(name) }
        return nil
    }
}
