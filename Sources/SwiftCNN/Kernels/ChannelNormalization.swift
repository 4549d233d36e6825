// x, y, dy, dx: [M, C], every axis but the channels flattened into M rows; `rows` is the slice of M to
// compute. Per-channel vectors (mean, scale, offset, …): [C]; sums: [C], in Double, so that one pass
// gives the variance. Naive reference: ChannelNormalizationReference.swift, matched bit for bit.
// Shared by the layers that normalise channels: BatchNormalization and Normalization. With `rectifying`,
// ReLU follows the normalisation: the forward pass applies it, and the backward passes take its
// derivative from the normalised value they recompute, so no rectified copy needs a pass of its own.

import CVectorKernels

/// `sums[c] += Σ x[m, c]`, `squares[c] += Σ x[m, c]²` over `rows`, each channel's rows added in order.
func accumulateMoments(
    _ x: UnsafePointer<Float>, rows: Range<Int>, channels: Int,
    sums: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>,
    instructions: VectorInstructions = .best
) {
    cnn_channel_moments(instructions.isa, x + rows.lowerBound &* channels, rows.count, Int32(channels), sums, squares)
}

/// `y[m, c] = (x[m, c] − mean[c]) · scale[c] + offset[c]`, then `max(·, 0)` when `rectifying` (NaN kept).
func normalize(
    _ x: UnsafePointer<Float>, rows: Range<Int>, channels: Int,
    mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>, rectifying: Bool,
    into y: UnsafeMutablePointer<Float>, instructions: VectorInstructions = .best
) {
    let start = rows.lowerBound &* channels
    cnn_normalize_channels(instructions.isa, x + start, rows.count, Int32(channels), mean, scale, offset,
                           rectifying ? 1 : 0, y + start)
}

/// ``normalize(_:rows:channels:mean:scale:offset:rectifying:into:instructions:)`` of images `images` of
/// `x: [N, H, W, C]` (C a multiple of 16), followed by 2×2 max pooling with stride 2: `pooled` and
/// `winners`, `[N, H/2, W/2, C]`, get each window's maximum and the cell that won (0–3 row-major, the
/// first on ties), as the convolutions' pooled kernels write them; an odd size leaves the last row or
/// column out.
func normalizeAndMaxPool(
    _ x: UnsafePointer<Float>, images: Range<Int>, height: Int, width: Int, channels: Int,
    mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>, rectifying: Bool,
    into pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<UInt8>,
    instructions: VectorInstructions = .best
) {
    let imageCount = height &* width &* channels, pooledCount = height / 2 &* (width / 2) &* channels
    for n in images {
        cnn_normalize_channels_max_pool(instructions.isa, x + n &* imageCount, Int32(height), Int32(width),
                                        Int32(channels), mean, scale, offset, rectifying ? 1 : 0,
                                        pooled + n &* pooledCount, winners + n &* pooledCount)
    }
}

/// The backward pass's sums over `rows`: `gradientSums[c] += Σ g`, `products[c] += Σ g · (x − mean)`,
/// where `g` is `dy`, or when `rectifying` `dy` where the forward pass's normalised value was positive
/// and zero elsewhere.
func accumulateNormalizationGradientSums(
    _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rows: Range<Int>, channels: Int,
    mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>, rectifying: Bool,
    gradientSums: UnsafeMutablePointer<Double>, products: UnsafeMutablePointer<Double>,
    instructions: VectorInstructions = .best
) {
    let start = rows.lowerBound &* channels
    cnn_normalization_gradient_sums(instructions.isa, dy + start, x + start, rows.count, Int32(channels), mean,
                                    scale, offset, rectifying ? 1 : 0, gradientSums, products)
}

/// The input gradient over `rows`: `dx = g · scale + (x − mean) · centeredScale + shift`, with `g` as in
/// ``accumulateNormalizationGradientSums(_:_:rows:channels:mean:scale:offset:rectifying:gradientSums:products:instructions:)``.
func normalizationInputGradient(
    _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rows: Range<Int>, channels: Int,
    mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>, rectifying: Bool,
    centeredScale: UnsafePointer<Float>, shift: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
    instructions: VectorInstructions = .best
) {
    let start = rows.lowerBound &* channels
    cnn_normalization_input_gradient(instructions.isa, dy + start, x + start, rows.count, Int32(channels), mean,
                                     scale, offset, rectifying ? 1 : 0, centeredScale, shift, dx + start)
}

/// The backward passes after ``normalizeAndMaxPool(_:images:height:width:channels:mean:scale:offset:rectifying:into:winners:instructions:)``
/// for images `images`, from the pooled gradient `dpooled` (with `pooled` and `winners` as it wrote them):
/// each cell's gradient is `dpooled` where it won its window (and, when `rectifying`, the pooled value is
/// positive) and zero elsewhere. Adds an image at a time to `gradientSums` and `products`, in the order of
/// ``accumulateNormalizationGradientSums(_:_:rows:channels:mean:scale:offset:rectifying:gradientSums:products:instructions:)``.
func accumulateMaxPooledNormalizationGradientSums(
    _ dpooled: UnsafePointer<Float>, pooled: UnsafePointer<Float>, winners: UnsafePointer<UInt8>,
    _ x: UnsafePointer<Float>, images: Range<Int>, height: Int, width: Int, channels: Int,
    mean: UnsafePointer<Float>, rectifying: Bool,
    gradientSums: UnsafeMutablePointer<Double>, products: UnsafeMutablePointer<Double>,
    instructions: VectorInstructions = .best
) {
    let imageCount = height &* width &* channels, pooledCount = height / 2 &* (width / 2) &* channels
    for n in images {
        let cell = n &* pooledCount
        cnn_normalization_max_pool_gradient_sums(
            instructions.isa, dpooled + cell, pooled + cell, winners + cell, x + n &* imageCount, Int32(height),
            Int32(width), Int32(channels), mean, rectifying ? 1 : 0, gradientSums, products)
    }
}

/// The input gradient of images `images` from the pooled gradient, every element of them written:
/// `dx = g · scale + (x − mean) · centeredScale + shift`, with `g` as in
/// ``accumulateMaxPooledNormalizationGradientSums(_:pooled:winners:_:images:height:width:channels:mean:rectifying:gradientSums:products:instructions:)``.
func maxPooledNormalizationInputGradient(
    _ dpooled: UnsafePointer<Float>, pooled: UnsafePointer<Float>, winners: UnsafePointer<UInt8>,
    _ x: UnsafePointer<Float>, images: Range<Int>, height: Int, width: Int, channels: Int,
    mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, rectifying: Bool,
    centeredScale: UnsafePointer<Float>, shift: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
    instructions: VectorInstructions = .best
) {
    let imageCount = height &* width &* channels, pooledCount = height / 2 &* (width / 2) &* channels
    for n in images {
        let cell = n &* pooledCount, image = n &* imageCount
        cnn_normalization_max_pool_input_gradient(
            instructions.isa, dpooled + cell, pooled + cell, winners + cell, x + image, Int32(height), Int32(width),
            Int32(channels), mean, scale, rectifying ? 1 : 0, centeredScale, shift, dx + image)
    }
}
