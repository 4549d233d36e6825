// x, y, dy, dx: [M, C]; per-channel vectors: [C]; sums: [C], in Double.
// The naive reference of ChannelNormalization.swift, element by element in the order the C kernels
// must match bit for bit.

/// `sums[c] += Σ x[m, c]`, `squares[c] += Σ x[m, c]²` over `rows`.
func accumulateMomentsReference(
    _ x: UnsafePointer<Float>, rows: Range<Int>, channels: Int,
    sums: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>
) {
    for row in rows {
        for c in 0..<channels {
            let value = Double(x[row * channels + c])
            sums[c] += value
            squares[c] += value * value
        }
    }
}

/// The normalised value `(x − mean) · scale + offset` of element `index` of channel `c`.
private func normalizedValue(
    _ x: UnsafePointer<Float>, _ index: Int, _ c: Int,
    mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>
) -> Float {
    (x[index] - mean[c]) * scale[c] + offset[c]
}

/// `y = (x − mean) · scale + offset`, then `max(·, 0)` when `rectifying`, NaN kept.
func normalizeReference(
    _ x: UnsafePointer<Float>, rows: Range<Int>, channels: Int,
    mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>, rectifying: Bool,
    into y: UnsafeMutablePointer<Float>
) {
    for row in rows {
        for c in 0..<channels {
            let index = row * channels + c
            let value = normalizedValue(x, index, c, mean: mean, scale: scale, offset: offset)
            y[index] = rectifying && value < 0 ? 0 : value
        }
    }
}

/// ``normalizeReference(_:rows:channels:mean:scale:offset:rectifying:into:)`` of `images` images
/// `[height, width, channels]`, then each 2×2 window's maximum and winner (0–3 row-major, the first on
/// ties) into `[height / 2, width / 2, channels]` per image.
func normalizeAndMaxPoolReference(
    _ x: UnsafePointer<Float>, images: Int, height: Int, width: Int, channels: Int,
    mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>, rectifying: Bool,
    into pooled: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<UInt8>
) {
    var normalized = [Float](repeating: 0, count: images * height * width * channels)
    normalizeReference(x, rows: 0..<(images * height * width), channels: channels, mean: mean, scale: scale,
                       offset: offset, rectifying: false, into: &normalized)
    let pooledHeight = height / 2, pooledWidth = width / 2
    for n in 0..<images {
        for p in 0..<pooledHeight {
            for q in 0..<pooledWidth {
                for c in 0..<channels {
                    let cells = [(0, 0), (0, 1), (1, 0), (1, 1)].map { dy, dx in
                        normalized[((n * height + 2 * p + dy) * width + 2 * q + dx) * channels + c]
                    }
                    var winner = 0
                    for cell in 1..<4 where cells[cell] > cells[winner] { winner = cell }
                    let index = ((n * pooledHeight + p) * pooledWidth + q) * channels + c
                    pooled[index] = rectifying && cells[winner] < 0 ? 0 : cells[winner]
                    winners[index] = UInt8(winner)
                }
            }
        }
    }
}

/// `dy`, or when `rectifying` zero where the forward pass's normalised value was not positive.
private func rectifiedGradient(
    _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ index: Int, _ c: Int,
    mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>, rectifying: Bool
) -> Float {
    guard rectifying else { return dy[index] }
    return normalizedValue(x, index, c, mean: mean, scale: scale, offset: offset) > 0 ? dy[index] : 0
}

/// `gradientSums[c] += Σ g`, `products[c] += Σ g · (x − mean)`, `g` the gradient through ReLU when
/// `rectifying`.
func accumulateNormalizationGradientSumsReference(
    _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rows: Range<Int>, channels: Int,
    mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>, rectifying: Bool,
    gradientSums: UnsafeMutablePointer<Double>, products: UnsafeMutablePointer<Double>
) {
    for row in rows {
        for c in 0..<channels {
            let index = row * channels + c
            let gradient = rectifiedGradient(dy, x, index, c, mean: mean, scale: scale, offset: offset,
                                             rectifying: rectifying)
            gradientSums[c] += Double(gradient)
            products[c] += Double(gradient * (x[index] - mean[c]))
        }
    }
}

/// `dx = g · scale + (x − mean) · centeredScale + shift`, `g` as above.
func normalizationInputGradientReference(
    _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rows: Range<Int>, channels: Int,
    mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>, rectifying: Bool,
    centeredScale: UnsafePointer<Float>, shift: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>
) {
    for row in rows {
        for c in 0..<channels {
            let index = row * channels + c
            let gradient = rectifiedGradient(dy, x, index, c, mean: mean, scale: scale, offset: offset,
                                             rectifying: rectifying)
            dx[index] = gradient * scale[c] + (x[index] - mean[c]) * centeredScale[c] + shift[c]
        }
    }
}

/// The gradient of the normalised values of `images` images `[height, width, channels]` from that of their
/// 2×2 max pooling: `dpooled` where a cell won its window (and, when `rectifying`, the pooled value is
/// positive), zero elsewhere.
func maxPooledGradientReference(
    _ dpooled: UnsafePointer<Float>, pooled: UnsafePointer<Float>, winners: UnsafePointer<UInt8>,
    images: Int, height: Int, width: Int, channels: Int, rectifying: Bool
) -> [Float] {
    var gradient = [Float](repeating: 0, count: images * height * width * channels)
    let pooledHeight = height / 2, pooledWidth = width / 2
    for n in 0..<images {
        for p in 0..<pooledHeight {
            for q in 0..<pooledWidth {
                for c in 0..<channels {
                    let index = ((n * pooledHeight + p) * pooledWidth + q) * channels + c
                    guard !rectifying || pooled[index] > 0 else { continue }
                    let winner = Int(winners[index])
                    gradient[((n * height + 2 * p + winner / 2) * width + 2 * q + winner % 2) * channels + c] = dpooled[index]
                }
            }
        }
    }
    return gradient
}
