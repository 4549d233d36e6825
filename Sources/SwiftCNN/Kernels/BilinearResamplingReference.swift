// x, y: [N,H,W,C]; transforms: [N, 6]; displacements: [N,H,W,2] as (dy, dx).
// Bilinear resampling written from its definition: y[n, oy, ox, c] = Σ over every input pixel (i, j) of
// x[n, i, j, c] · max(0, 1 − |sy − i|) · max(0, 1 − |sx − j|), where (sy, sx) is the source point; pixels
// outside the image do not exist, so they contribute 0. Slow on purpose: tests check
// BilinearResampling.swift against it.

/// The value of `x`'s sample `n`, channel `c`, at the source point (`sy`, `sx`), by the definition.
private func interpolatedByDefinition(_ x: Tensor, n: Int, c: Int, sy: Float, sx: Float) -> Float {
    let height = x.shape[1], width = x.shape[2]
    var sum: Float = 0
    for i in 0..<height {
        for j in 0..<width {
            let weight = Swift.max(0, 1 - abs(sy - Float(i))) * Swift.max(0, 1 - abs(sx - Float(j)))
            if weight > 0 { sum += weight * x[n, i, j, c] }
        }
    }
    return sum
}

/// Resamples the batch `x` by the source point that `source(n, oy, ox)` gives each output pixel.
private func resampledReference(_ x: Tensor, source: (Int, Int, Int) -> (Float, Float)) -> Tensor {
    let batch = x.shape[0], height = x.shape[1], width = x.shape[2], channels = x.shape[3]
    var y = Tensor(shape: x.shape)
    for n in 0..<batch {
        for oy in 0..<height {
            for ox in 0..<width {
                let (sy, sx) = source(n, oy, ox)
                for c in 0..<channels {
                    y[n, oy, ox, c] = interpolatedByDefinition(x, n: n, c: c, sy: sy, sx: sx)
                }
            }
        }
    }
    return y
}

/// ``resampleAffine(_:geometry:transforms:samples:into:)`` by definition; `transforms` holds 6 floats a sample.
func resampleAffineReference(_ x: Tensor, transforms: [Float]) -> Tensor {
    resampledReference(x) { n, oy, ox in
        let t = Array(transforms[(n * 6)..<(n * 6 + 6)])
        return (t[0] * Float(oy) + t[1] * Float(ox) + t[2], t[3] * Float(oy) + t[4] * Float(ox) + t[5])
    }
}

/// ``resampleDisplaced(_:geometry:displacements:samples:into:)`` by definition; `displacements` is
/// `[N,H,W,2]` as (dy, dx).
func resampleDisplacedReference(_ x: Tensor, displacements: Tensor) -> Tensor {
    resampledReference(x) { n, oy, ox in
        (Float(oy) + displacements[n, oy, ox, 0], Float(ox) + displacements[n, oy, ox, 1])
    }
}
