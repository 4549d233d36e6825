/// Straightening slanted digits by their image moments, as in LeCun et al.'s deskewed-MNIST experiments.
extension Image {
    /// The one-channel image sheared horizontally so that its principal axis is vertical: with the ink's
    /// centre (x̄, ȳ) and central moments μ₁₁, μ₀₂, row y moves by −(μ₁₁/μ₀₂)·(y − ȳ), resampled linearly
    /// with 0 beyond the border. An image without vertical spread is returned as it is.
    func deskewed() -> Image {
        precondition(channels == 1, "Deskewing needs a one-channel image, got \(channels) channels")
        var mass: Float = 0, sumX: Float = 0, sumY: Float = 0
        for y in 0..<height {
            for x in 0..<width {
                let value = pixels[y * width + x]
                mass += value
                sumX += value * Float(x)
                sumY += value * Float(y)
            }
        }
        guard mass > 0 else { return self }
        let meanX = sumX / mass, meanY = sumY / mass
        var mu11: Float = 0, mu02: Float = 0
        for y in 0..<height {
            for x in 0..<width {
                let value = pixels[y * width + x]
                mu11 += value * (Float(x) - meanX) * (Float(y) - meanY)
                mu02 += value * (Float(y) - meanY) * (Float(y) - meanY)
            }
        }
        guard mu02 > 0 else { return self }
        let skew = mu11 / mu02
        var result = self
        for y in 0..<height {
            let shift = skew * (Float(y) - meanY)
            for x in 0..<width {
                let source = Float(x) + shift
                let left = source.rounded(.down), fraction = source - left
                let x0 = Int(left)
                func value(_ column: Int) -> Float {
                    column >= 0 && column < width ? pixels[y * width + column] : 0
                }
                result.pixels[y * width + x] = x0 < -1 || x0 >= width ? 0
                    : (1 - fraction) * value(x0) + fraction * value(x0 + 1)
            }
        }
        return result
    }
}
