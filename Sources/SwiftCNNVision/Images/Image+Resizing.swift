extension Image {
    /// The image resampled to `width`×`height`, each axis on its own: an axis that shrinks is
    /// area-averaged (every source pixel contributes by how much of it an output pixel covers, so thin
    /// lines fade instead of vanishing), an axis that grows is interpolated linearly.
    public func resized(toWidth newWidth: Int, height newHeight: Int) -> Image {
        precondition(newWidth > 0 && newHeight > 0, "Cannot resize a \(width)×\(height) image to \(newWidth)×\(newHeight)")
        precondition(width > 0 && height > 0, "Cannot resize an empty \(width)×\(height) image")
        let weightsAcross = Self.resamplingWeights(from: width, to: newWidth)
        let weightsDown = Self.resamplingWeights(from: height, to: newHeight)

        // Rows first, then columns: both passes are one-dimensional, so the cost is linear in the kernel size.
        var across = [Float](repeating: 0, count: newWidth * height * channels)
        for row in 0..<height {
            for (column, taps) in weightsAcross.enumerated() {
                for channel in 0..<channels {
                    var sum: Float = 0
                    for tap in taps { sum += tap.weight * pixels[(row * width + tap.index) * channels + channel] }
                    across[(row * newWidth + column) * channels + channel] = sum
                }
            }
        }
        var result = [Float](repeating: 0, count: newWidth * newHeight * channels)
        for (row, taps) in weightsDown.enumerated() {
            for position in 0..<(newWidth * channels) {
                var sum: Float = 0
                for tap in taps { sum += tap.weight * across[tap.index * newWidth * channels + position] }
                result[row * newWidth * channels + position] = sum
            }
        }
        return Image(width: newWidth, height: newHeight, channels: channels, pixels: result)
    }

    struct Tap {
        var index: Int
        var weight: Float
    }

    /// For each output position along an axis, the source positions it reads and their weights (summing to 1).
    static func resamplingWeights(from sourceLength: Int, to targetLength: Int) -> [[Tap]] {
        let step = Double(sourceLength) / Double(targetLength)
        return (0..<targetLength).map { target in
            if step > 1 {
                // Output pixel `target` covers [target·step, (target+1)·step) of the source.
                let start = Double(target) * step, end = start + step
                return (Int(start)..<min(sourceLength, Int(end.rounded(.up)))).compactMap { source in
                    let overlap = min(end, Double(source + 1)) - max(start, Double(source))
                    return overlap > 0 ? Tap(index: source, weight: Float(overlap / step)) : nil
                }
            }
            // Pixel centres sit at half-integer coordinates on both grids.
            let position = min(max((Double(target) + 0.5) * step - 0.5, 0), Double(sourceLength - 1))
            let lower = Int(position), fraction = Float(position - Double(lower))
            guard lower + 1 < sourceLength, fraction > 0 else { return [Tap(index: lower, weight: 1)] }
            return [Tap(index: lower, weight: 1 - fraction), Tap(index: lower + 1, weight: fraction)]
        }
    }
}
