/// Measuring and widening pen strokes in a one-channel ink map (0 paper, 1 full ink).
///
/// A 5-pixel stroke in a 1000-pixel photo shrinks to a tenth of a pixel when the digit is scaled into
/// MNIST's 20×20 box and all but disappears; MNIST's own strokes are about 2.3 pixels wide there.
/// Widening the strokes at full resolution, before downscaling, keeps such digits legible.
extension Image {
    /// The typical stroke width in pixels, estimated as twice the inked area over the outline length:
    /// a stroke of width w and length L has area wL and an outline of about 2L.
    ///
    /// The outline is counted as ink/paper crossings along rows and columns (at half intensity), which
    /// over all stroke directions averages 4/π times the true length (Cauchy–Crofton), hence the factor.
    func estimatedStrokeWidth() -> Float {
        precondition(channels == 1, "Stroke width needs a one-channel ink map, got \(channels) channels")
        var area: Float = 0
        var crossings = 0
        for y in 0..<height {
            for x in 0..<width {
                let value = pixels[y * width + x]
                area += value
                let inked = value >= 0.5
                let leftInked = x > 0 && pixels[y * width + x - 1] >= 0.5
                let upInked = y > 0 && pixels[(y - 1) * width + x] >= 0.5
                if inked != leftInked { crossings += 1 }
                if inked != upInked { crossings += 1 }
                if inked && x == width - 1 { crossings += 1 }
                if inked && y == height - 1 { crossings += 1 }
            }
        }
        guard crossings > 0 else { return 0 }
        return 2 * area / (Float.pi / 4 * Float(crossings))
    }

    /// The ink map with every stroke widened by `radius` pixels on each side, as if traced with a round
    /// pen; the new edges are anti-aliased. Pixels keep their own ink where that is darker.
    func thickened(by radius: Float) -> Image {
        precondition(channels == 1, "Thickening needs a one-channel ink map, got \(channels) channels")
        let squaredDistances = squaredDistancesToInk()
        var result = self
        for index in pixels.indices {
            // An ink pixel's centre lies on average half a pixel inside the stroke's edge, so a pixel at
            // distance d from it is covered by the widened stroke up to radius + 1 - d.
            let coverage = min(max(radius + 1 - Float(squaredDistances[index].squareRoot()), 0), 1)
            result.pixels[index] = max(pixels[index], coverage)
        }
        return result
    }

    /// The squared Euclidean distance from each pixel to the nearest pixel of at least half ink, by the
    /// linear-time lower-envelope transform of Felzenszwalb and Huttenlocher, run down columns then along rows.
    private func squaredDistancesToInk() -> [Double] {
        // Double, because squared distances across a large photo exceed Float's exact integer range.
        let far = Double(width * width + height * height)
        var distances = pixels.map { $0 >= 0.5 ? 0 : far }
        var line = [Double](repeating: 0, count: max(width, height))
        var transformed = line
        for x in 0..<width {
            for y in 0..<height { line[y] = distances[y * width + x] }
            Self.transformLine(line, count: height, into: &transformed)
            for y in 0..<height { distances[y * width + x] = transformed[y] }
        }
        for y in 0..<height {
            for x in 0..<width { line[x] = distances[y * width + x] }
            Self.transformLine(line, count: width, into: &transformed)
            for x in 0..<width { distances[y * width + x] = transformed[x] }
        }
        return distances
    }

    /// One-dimensional squared distance transform: `output[q] = min over p of (q - p)² + input[p]`.
    private static func transformLine(_ input: [Double], count: Int, into output: inout [Double]) {
        var parabolaAt = [Int](repeating: 0, count: count)
        var boundary = [Double](repeating: 0, count: count + 1)
        var rightmost = 0
        boundary[0] = -.infinity
        boundary[1] = .infinity
        for position in 1..<max(count, 1) {
            var intersection: Double
            repeat {
                let vertex = parabolaAt[rightmost]
                intersection = ((input[position] + Double(position * position))
                    - (input[vertex] + Double(vertex * vertex))) / Double(2 * (position - vertex))
                if intersection <= boundary[rightmost] { rightmost -= 1 } else { break }
            } while rightmost >= 0
            rightmost += 1
            parabolaAt[rightmost] = position
            boundary[rightmost] = intersection
            boundary[rightmost + 1] = .infinity
        }
        var parabola = 0
        for position in 0..<count {
            while boundary[parabola + 1] < Double(position) { parabola += 1 }
            let offset = Double(position - parabolaAt[parabola])
            output[position] = offset * offset + input[parabolaAt[parabola]]
        }
    }
}
