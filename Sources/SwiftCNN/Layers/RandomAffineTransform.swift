import Foundation

// The affine augmentations (RandomTranslation, RandomRotation, RandomZoom) each draw one 2×3 matrix per
// sample and resample through it with resampleAffine. A matrix maps an output pixel (oy, ox) to the
// point it reads in the input, in pixel indices, with rotation and zoom about the image centre.

/// An affine map from output pixels to input points, `(sy, sx) = (a·oy + b·ox + c, d·oy + e·ox + f)`.
struct AffineMap {
    var a: Float, b: Float, c: Float
    var d: Float, e: Float, f: Float

    /// Writes the six coefficients, in the order ``resampleAffine(_:geometry:transforms:samples:into:)`` reads.
    func write(to pointer: UnsafeMutablePointer<Float>) {
        pointer[0] = a; pointer[1] = b; pointer[2] = c
        pointer[3] = d; pointer[4] = e; pointer[5] = f
    }

    /// The map that leaves every pixel in place.
    static let identity = AffineMap(a: 1, b: 0, c: 0, d: 0, e: 1, f: 0)

    /// `self` after `inner`: the point `self` maps `inner`'s image of a pixel to. Resampling through it is
    /// resampling through `inner` and then through `self` in a single pass.
    func composed(with inner: AffineMap) -> AffineMap {
        AffineMap(a: a * inner.a + b * inner.d, b: a * inner.b + b * inner.e, c: a * inner.c + b * inner.f + c,
                        d: d * inner.a + e * inner.d, e: d * inner.b + e * inner.e, f: d * inner.c + e * inner.f + f)
    }

    /// The output shifted by (`dy`, `dx`) pixels: each output pixel reads the input that far back.
    static func translation(dy: Float, dx: Float) -> AffineMap {
        AffineMap(a: 1, b: 0, c: -dy, d: 0, e: 1, f: -dx)
    }

    /// The image turned counter-clockwise (as shown, rows going down) by `angle` radians about its centre.
    static func rotation(by angle: Float, geometry g: ResamplingGeometry) -> AffineMap {
        let cy = Float(g.height - 1) / 2, cx = Float(g.width - 1) / 2
        let cosine = cos(angle), sine = sin(angle)
        return AffineMap(a: cosine, b: sine, c: cy - cosine * cy - sine * cx,
                               d: -sine, e: cosine, f: cx + sine * cy - cosine * cx)
    }

    /// The input seen `zoomY`, `zoomX` times as large about the centre: above 1 zooms out (the output
    /// shows more of the input, smaller), below 1 zooms in.
    static func zoom(y zoomY: Float, x zoomX: Float, geometry g: ResamplingGeometry) -> AffineMap {
        let cy = Float(g.height - 1) / 2, cx = Float(g.width - 1) / 2
        return AffineMap(a: zoomY, b: 0, c: cy - zoomY * cy, d: 0, e: zoomX, f: cx - zoomX * cx)
    }
}

/// An augmentation layer that draws one affine map per image: adjacent ones run as one resampling pass
/// (see ``FusedAffineAugmentation``).
protocol AffineAugmentationLayer: AugmentationLayer {
    /// The geometry the layer was built for.
    var geometry: ResamplingGeometry { get }
    /// The next image's map, drawn from the layer's generator.
    func drawTransform() -> AffineMap
}

/// The shared pass of the affine augmentation layers: `transform(n)` is drawn for every sample, in
/// order, then the batch is resampled in parallel.
final class AffineAugmentation {
    let workspace = AugmentationWorkspace()

    func apply(_ input: Tensor, transform: (ResamplingGeometry) -> AffineMap) -> Tensor {
        let batch = input.shape[0]
        let transforms = workspace.draws.reserve(batch * 6)
        for n in 0..<batch { transform(workspace.geometry).write(to: transforms + n * 6) }
        return workspace.run(input) { [self] _, chunk in resample(chunk) }
    }

    private func resample(_ samples: Range<Int>) {
        resampleAffine(workspace.input, geometry: workspace.geometry, transforms: workspace.draws.pointer,
                       samples: samples, into: workspace.outputPointer)
    }
}

/// One of the random affine layers (``RandomTranslation``, ``RandomRotation``, ``RandomZoom``): a random
/// augmentation whose pass is the shared affine resampling; each says only how it draws a map.
protocol RandomAffineLayer: AffineAugmentationLayer, RandomAugmentationLayer {
    /// The layer's resampling pass and workspace.
    var pass: AffineAugmentation { get }
}

extension RandomAffineLayer {
    var workspace: AugmentationWorkspace { pass.workspace }

    var geometry: ResamplingGeometry { pass.workspace.geometry }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else { return input }
        return pass.apply(input) { _ in drawTransform() }
    }
}
