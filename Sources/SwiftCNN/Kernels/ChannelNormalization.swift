// x, y: [M, C], every axis but the channels flattened into M rows; `rows` is the slice of M to compute.
// Per-channel vectors (mean, scale, offset): [C]; sums: [C], in Double, so that one pass gives the variance.
// Shared by the layers that normalise channels: BatchNormalization and Normalization.

/// `sums[c] += Σ x[m, c]`, `squares[c] += Σ x[m, c]²` over `rows`.
func accumulateMoments(
    _ x: UnsafePointer<Float>, rows: Range<Int>, channels: Int,
    sums: UnsafeMutablePointer<Double>, squares: UnsafeMutablePointer<Double>
) {
    for row in rows {
        let values = x + row &* channels
        for c in 0..<channels {
            let value = Double(values[c])
            sums[c] += value
            squares[c] += value * value
        }
    }
}

/// `y[m, c] = (x[m, c] − mean[c]) · scale[c] + offset[c]`.
func normalize(
    _ x: UnsafePointer<Float>, rows: Range<Int>, channels: Int,
    mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>,
    into y: UnsafeMutablePointer<Float>
) {
    if channels == 1 {
        // One value per row: a flat loop, which the compiler vectorises where the row loop would not.
        let mean = mean[0], scale = scale[0], offset = offset[0]
        for index in rows {
            y[index] = (x[index] - mean) * scale + offset
        }
        return
    }
    for row in rows {
        let start = row &* channels
        let values = x + start, results = y + start
        for c in 0..<channels {
            results[c] = (values[c] - mean[c]) * scale[c] + offset[c]
        }
    }
}
