import Foundation

/// Distorts each training image by a random smooth displacement field, the elastic distortion of
/// Simard, Steinkraus and Platt (2003) and torchvision's `ElasticTransform`; in inference the layer is the
/// identity.
///
/// For every image, two fields of uniform draws in `[-1, 1]` (one vertical, one horizontal displacement
/// per pixel) are smoothed by a Gaussian of standard deviation ``sigma`` pixels (zero beyond the border),
/// scaled by ``alpha`` and used to move each pixel; the image is resampled bilinearly, with 0 outside.
/// Small `sigma` gives random jitter, large `sigma` almost a translation; Simard et al. used `sigma` 4
/// and `alpha` 34 on MNIST's 28×28 digits, which gives wobbles of a pixel or two, much as a different
/// hand would.
///
/// Put augmentation layers first in a model; see ``RandomTranslation`` for why they have no input gradient.
///
/// ```swift
/// RandomElasticDeformation(alpha: 34, sigma: 4, seed: 6)
/// ```
public final class RandomElasticDeformation: RandomAugmentationLayer {
    public let name = "random_elastic_deformation"
    /// The scale of the smoothed displacement fields, in pixels.
    public let alpha: Float
    /// The standard deviation of the Gaussian smoothing the fields, in pixels.
    public let sigma: Float
    /// The seed the layer's generator started from.
    public let seed: UInt64
    /// The generator the fields are drawn from; it moves on with every training-mode forward call.
    public var generator: Xoshiro256
    let workspace = AugmentationWorkspace()
    /// The smoothing weights from −radius to radius, summing to 1.
    private var weights: [Float] = []

    /// A layer distorting training images by fields smoothed with `sigma` and scaled by `alpha`.
    ///
    /// - Parameters:
    ///   - alpha: The scale of the displacements, in pixels; non-negative and finite.
    ///   - sigma: The smoothing's standard deviation, in pixels, in `0.1...100`.
    ///   - seed: The seed of the layer's generator.
    public init(alpha: Float = 34, sigma: Float = 4, seed: UInt64) {
        precondition(alpha >= 0 && alpha.isFinite, "RandomElasticDeformation alpha must be non-negative and finite, got \(alpha)")
        precondition((0.1...100).contains(sigma), "RandomElasticDeformation sigma must be in 0.1...100, got \(sigma)")
        self.alpha = alpha
        self.sigma = sigma
        self.seed = seed
        generator = Xoshiro256(seed: seed)
        let radius = Int((3 * sigma).rounded(.up))
        let raw = (-radius...radius).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
        let total = raw.reduce(0, +)
        weights = raw.map { $0 / total }
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else { return input }
        let g = workspace.geometry
        let fieldLength = input.shape[0] * g.height * g.width * 2
        let noise = workspace.draws.reserve(fieldLength)
        for index in 0..<fieldLength { noise[index] = 2 * generator.nextUnitFloat() - 1 }
        _ = workspace.scratch.reserve(2 * fieldLength)
        return workspace.run(input) { [self] _, chunk in distort(chunk) }
    }

    private func distort(_ samples: Range<Int>) {
        let g = workspace.geometry
        let fieldLength = g.height * g.width * 2
        let displacements = workspace.scratch.pointer
        let pass = displacements + workspace.batch * fieldLength
        weights.withUnsafeBufferPointer { weights in
            for n in samples {
                smoothField(workspace.draws.pointer + n * fieldLength, height: g.height, width: g.width,
                            weights: weights, scale: alpha, pass: pass + n * fieldLength,
                            into: displacements + n * fieldLength)
            }
        }
        resampleDisplaced(workspace.input, geometry: g, displacements: displacements, samples: samples,
                          into: workspace.outputPointer)
    }
}

// MARK: - Kernel

// noise, pass, field: [H,W,2]; weights: [2R+1].

/// `field = scale · (noise ⊛ gaussian)`, a separable convolution (rows first, into `pass`, then columns)
/// that treats values beyond the border as 0.
func smoothField(_ noise: UnsafePointer<Float>, height: Int, width: Int, weights: UnsafeBufferPointer<Float>,
                 scale: Float, pass: UnsafeMutablePointer<Float>, into field: UnsafeMutablePointer<Float>) {
    let radius = weights.count / 2
    for h in 0..<height {
        for w in 0..<width {
            var dy: Float = 0, dx: Float = 0
            for k in Swift.max(-radius, -w)...Swift.min(radius, width - 1 - w) {
                let weight = weights[k + radius], source = (h * width + w + k) * 2
                dy += weight * noise[source]
                dx += weight * noise[source + 1]
            }
            pass[(h * width + w) * 2] = dy
            pass[(h * width + w) * 2 + 1] = dx
        }
    }
    for h in 0..<height {
        for w in 0..<width {
            var dy: Float = 0, dx: Float = 0
            for k in Swift.max(-radius, -h)...Swift.min(radius, height - 1 - h) {
                let weight = weights[k + radius], source = ((h + k) * width + w) * 2
                dy += weight * pass[source]
                dx += weight * pass[source + 1]
            }
            field[(h * width + w) * 2] = scale * dy
            field[(h * width + w) * 2 + 1] = scale * dx
        }
    }
}
