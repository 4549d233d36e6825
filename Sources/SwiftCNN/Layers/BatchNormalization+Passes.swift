// x, dy, dx: [M, C] (every axis but the channels flattened into M rows), or images [N, H, W, C] pooled to
// [N, H/2, W/2, C]; per-channel vectors [C]. The passes of BatchNormalization handed to the threads, each
// carrying its pointers and sizes to the loop.

extension BatchNormalization {
    /// Where the chunks of ``channelSums(rows:_:)`` add their sums: each its own pair of `[C]` vectors.
    struct PartialChannelSums {
        let base: UnsafeMutablePointer<Double>, channels: Int

        /// The pair of `[C]` partial sums that chunk `chunk` adds into.
        func pair(forChunk chunk: Int) -> (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) {
            let first = base + chunk &* 2 &* channels
            return (first, first + channels)
        }
    }

    /// The forward pass's statistics, handed to the threads: each channel's Σ x and Σ x² over a range of rows.
    struct MomentSums: ChunkedWork {
        let x: UnsafePointer<Float>
        let partialSums: PartialChannelSums

        func run(chunk: Int, _ rows: Range<Int>) {
            let (sums, squares) = partialSums.pair(forChunk: chunk)
            accumulateMoments(x, rows: rows, channels: partialSums.channels, sums: sums, squares: squares)
        }
    }

    /// The forward pass with pooling, handed to the threads: a range of images.
    struct MaxPooledNormalization: ChunkedWork {
        let x: UnsafePointer<Float>, height: Int, width: Int, channels: Int
        let mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>
        let rectifying: Bool
        let pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<UInt8>

        func run(chunk: Int, _ images: Range<Int>) {
            normalizeAndMaxPool(x, images: images, height: height, width: width, channels: channels, mean: mean,
                                scale: scale, offset: offset, rectifying: rectifying, into: pooled, winners: winners)
        }
    }

    /// What the backward passes need of the forward pass: its `[C]` mean, scale (`a = γσ⁻¹`) and offset
    /// (`β`), and whether ReLU followed, so that they recompute its derivative.
    struct ForwardPass {
        let mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>
        let rectified: Bool
        let channels: Int
    }

    /// The gradient of a pooled forward pass's output, and the images' size.
    struct MaxPooledGradient {
        let dpooled: UnsafePointer<Float>, pooled: UnsafePointer<Float>, winners: UnsafePointer<UInt8>
        let height: Int, width: Int
    }

    /// Where the backward passes read the output's gradient: a tensor of the input's shape, chunked by
    /// rows, or a pooled one, chunked by images.
    enum GradientSource {
        case unpooled(UnsafePointer<Float>)
        case maxPooled(MaxPooledGradient)

        var isPooled: Bool {
            if case .maxPooled = self { return true }
            return false
        }
    }

    /// The backward pass's sums, handed to the threads: each channel's Σ dy and Σ dy·(x − μ) over a range
    /// of rows or images.
    struct GradientSums: ChunkedWork {
        let source: GradientSource
        let x: UnsafePointer<Float>
        let forwardPass: ForwardPass
        let partialSums: PartialChannelSums

        func run(chunk: Int, _ items: Range<Int>) {
            let (gradientSums, products) = partialSums.pair(forChunk: chunk)
            let f = forwardPass
            switch source {
            case let .unpooled(dy):
                accumulateNormalizationGradientSums(
                    dy, x, rows: items, channels: f.channels, mean: f.mean, scale: f.scale, offset: f.offset,
                    rectifying: f.rectified, gradientSums: gradientSums, products: products)
            case let .maxPooled(g):
                accumulateMaxPooledNormalizationGradientSums(
                    g.dpooled, pooled: g.pooled, winners: g.winners, x, images: items, height: g.height,
                    width: g.width, channels: f.channels, mean: f.mean, rectifying: f.rectified,
                    gradientSums: gradientSums, products: products)
            }
        }
    }

    /// The input gradient, handed to the threads: `dx = a·dy + b·(x − μ) + d` over a range of rows or images.
    struct GradientCombination: ChunkedWork {
        let source: GradientSource
        let x: UnsafePointer<Float>
        let forwardPass: ForwardPass
        let centeredScale: UnsafePointer<Float>, shift: UnsafePointer<Float>
        let dx: UnsafeMutablePointer<Float>

        func run(chunk: Int, _ items: Range<Int>) {
            let f = forwardPass
            switch source {
            case let .unpooled(dy):
                normalizationInputGradient(
                    dy, x, rows: items, channels: f.channels, mean: f.mean, scale: f.scale, offset: f.offset,
                    rectifying: f.rectified, centeredScale: centeredScale, shift: shift, into: dx)
            case let .maxPooled(g):
                maxPooledNormalizationInputGradient(
                    g.dpooled, pooled: g.pooled, winners: g.winners, x, images: items, height: g.height,
                    width: g.width, channels: f.channels, mean: f.mean, scale: f.scale, rectifying: f.rectified,
                    centeredScale: centeredScale, shift: shift, into: dx)
            }
        }
    }
}
