/// Makes the strokes of some training images thicker or thinner, by a grey-level dilation or erosion
/// over 3×3 neighbourhoods; in inference the layer is the identity.
///
/// With probability ``probability`` an image is changed, half of the time dilated (each pixel becomes
/// the largest in its 3×3 neighbourhood) and half of the time eroded (the smallest); the window stops at
/// the border. Strokes are taken to be bright on a dark background, as in MNIST, so dilation thickens
/// them. Pens differ far more between writers than MNIST's own preparation lets them, which is what
/// this layer imitates.
///
/// Put augmentation layers first in a model; see ``RandomTranslation`` for why they have no input gradient.
///
/// ```swift
/// RandomStrokeWidth(probability: 0.3, seed: 5)
/// ```
public final class RandomStrokeWidth: RandomAugmentationLayer {
    public let name = "random_stroke_width"
    /// The probability that an image is dilated or eroded, in `0...1`.
    public let probability: Float
    /// The seed the layer's generator started from.
    public let seed: UInt64
    /// The generator the choices are drawn from; it moves on with every training-mode forward call.
    public var generator: Xoshiro256
    let workspace = AugmentationWorkspace()

    /// A layer dilating or eroding training images with probability `probability`.
    ///
    /// - Parameters:
    ///   - probability: The probability that an image changes, in `0...1`.
    ///   - seed: The seed of the layer's generator.
    public init(probability: Float, seed: UInt64) {
        precondition((0...1).contains(probability), "RandomStrokeWidth probability must be in 0...1, got \(probability)")
        self.probability = probability
        self.seed = seed
        generator = Xoshiro256(seed: seed)
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        guard training else { return input }
        let batch = input.shape[0]
        let choices = workspace.draws.reserve(batch)
        for n in 0..<batch {
            let draw = generator.nextUnitFloat()
            choices[n] = draw >= probability ? 0 : (draw < probability / 2 ? 1 : -1)
        }
        return workspace.run(input) { [self] _, chunk in change(chunk) }
    }

    private func change(_ samples: Range<Int>) {
        changeStrokeWidth(workspace.input, geometry: workspace.geometry, choices: workspace.draws.pointer,
                          samples: samples, into: workspace.outputPointer)
    }
}

// MARK: - Kernel

// x, y: [N,H,W,C]; choices: [N], 1 (dilate), −1 (erode) or 0 (copy).

/// For samples `samples`: `y[n,h,w,c]` is the largest (choice 1) or smallest (choice −1) `x[n,h',w',c]`
/// with `|h' − h| ≤ 1`, `|w' − w| ≤ 1` inside the image, or `x[n,h,w,c]` itself (choice 0).
func changeStrokeWidth(_ x: UnsafePointer<Float>, geometry g: ResamplingGeometry, choices: UnsafePointer<Float>,
                       samples: Range<Int>, into y: UnsafeMutablePointer<Float>) {
    let channels = g.channels
    for n in samples {
        let image = x + n &* g.sampleCount, out = y + n &* g.sampleCount
        let choice = choices[n]
        guard choice != 0 else {
            out.update(from: image, count: g.sampleCount)
            continue
        }
        for h in 0..<g.height {
            let top = Swift.max(0, h &- 1), bottom = Swift.min(g.height &- 1, h &+ 1)
            for w in 0..<g.width {
                let left = Swift.max(0, w &- 1), right = Swift.min(g.width &- 1, w &+ 1)
                for c in 0..<channels {
                    var extreme = image[(h &* g.width &+ w) &* channels &+ c]
                    for i in top...bottom {
                        for j in left...right {
                            let value = image[(i &* g.width &+ j) &* channels &+ c]
                            extreme = choice > 0 ? Swift.max(extreme, value) : Swift.min(extreme, value)
                        }
                    }
                    out[(h &* g.width &+ w) &* channels &+ c] = extreme
                }
            }
        }
    }
}
