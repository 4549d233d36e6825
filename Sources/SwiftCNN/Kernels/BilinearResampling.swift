// x, y: [N,H,W,C]; transforms: [N, 6]; displacements: [N,H,W,2] as (dy, dx).
// Each output pixel (oy, ox) reads the input at a source point, bilinearly interpolated from the four
// pixels around it; pixels outside the image count as 0 (Keras's fill_mode "constant", fill_value 0),
// which is the background of MNIST-like images before any standardisation.
// Affine: source = (t0·oy + t1·ox + t2, t3·oy + t4·ox + t5), one 2×3 matrix per sample, so translation,
// rotation and zoom are each one matrix. Displaced: source = (oy + dy, ox + dx), one field per sample.
// Both work on whole samples, so a layer splits the batch into fixed chunks of samples for the threads.

/// The image geometry shared by the resampling kernels: one sample is `height × width × channels`.
struct ResamplingGeometry: Equatable {
    var height: Int
    var width: Int
    var channels: Int

    var sampleCount: Int { height &* width &* channels }
}

/// Writes into `out` (C values) the bilinear interpolation of `image` at (`sy`, `sx`), with 0 outside.
@inline(__always)
private func interpolate(_ image: UnsafePointer<Float>, _ g: ResamplingGeometry, sy: Float, sx: Float,
                         into out: UnsafeMutablePointer<Float>) {
    let channels = g.channels
    let fy = sy.rounded(.down), fx = sx.rounded(.down)
    // Far outside (or NaN): all four neighbours are background; also keeps the Int conversions in range.
    guard fy > -2, fx > -2, fy < Float(g.height), fx < Float(g.width) else {
        out.update(repeating: 0, count: channels)
        return
    }
    let y0 = Int(fy), x0 = Int(fx)
    let wy1 = sy - fy, wx1 = sx - fx
    let wy0 = 1 - wy1, wx0 = 1 - wx1
    let inside0 = y0 >= 0, inside1 = y0 &+ 1 < g.height
    let left = x0 >= 0, right = x0 &+ 1 < g.width
    let w00: Float = inside0 && left ? wy0 * wx0 : 0
    let w01: Float = inside0 && right ? wy0 * wx1 : 0
    let w10: Float = inside1 && left ? wy1 * wx0 : 0
    let w11: Float = inside1 && right ? wy1 * wx1 : 0
    // Clamped indices: a neighbour outside reads some pixel inside with weight 0.
    let r0 = Swift.max(0, y0) &* g.width, r1 = Swift.min(g.height &- 1, y0 &+ 1) &* g.width
    let c0 = Swift.max(0, x0), c1 = Swift.min(g.width &- 1, x0 &+ 1)
    let p00 = image + (r0 &+ c0) &* channels, p01 = image + (r0 &+ c1) &* channels
    let p10 = image + (r1 &+ c0) &* channels, p11 = image + (r1 &+ c1) &* channels
    for c in 0..<channels {
        out[c] = (w00 * p00[c] + w01 * p01[c]) + (w10 * p10[c] + w11 * p11[c])
    }
}

/// Resamples samples `samples` of the batch at `x` into `y`, each through its own affine map from
/// `transforms` (6 floats a sample).
func resampleAffine(_ x: UnsafePointer<Float>, geometry g: ResamplingGeometry, transforms: UnsafePointer<Float>,
                    samples: Range<Int>, into y: UnsafeMutablePointer<Float>) {
    let sampleCount = g.sampleCount
    for n in samples {
        let t = transforms + n &* 6
        let image = x + n &* sampleCount
        var out = y + n &* sampleCount
        for oy in 0..<g.height {
            let rowY = t[0] * Float(oy) + t[2], rowX = t[3] * Float(oy) + t[5]
            for ox in 0..<g.width {
                let fox = Float(ox)
                interpolate(image, g, sy: rowY + t[1] * fox, sx: rowX + t[4] * fox, into: out)
                out += g.channels
            }
        }
    }
}

/// Resamples samples `samples` of the batch at `x` into `y`, each pixel moved by its own displacement
/// from `displacements` (2 floats a pixel, dy then dx).
func resampleDisplaced(_ x: UnsafePointer<Float>, geometry g: ResamplingGeometry,
                       displacements: UnsafePointer<Float>, samples: Range<Int>, into y: UnsafeMutablePointer<Float>) {
    let sampleCount = g.sampleCount, pixels = g.height &* g.width
    for n in samples {
        let image = x + n &* sampleCount
        var field = displacements + n &* pixels &* 2
        var out = y + n &* sampleCount
        for oy in 0..<g.height {
            for ox in 0..<g.width {
                interpolate(image, g, sy: Float(oy) + field[0], sx: Float(ox) + field[1], into: out)
                field += 2
                out += g.channels
            }
        }
    }
}
