// Steps that separate a digit's ink from what else a photo or a form puts on the paper: uneven light,
// paper grain, ruled lines and specks. They work on grey images (paper and ink maps), one channel.

extension Image {
    /// The paper's brightness at every pixel of a grey image, as the plane `a + b·x + c·y` that best fits
    /// the image border (least squares): light falling off across a photographed page is close to such a
    /// gradient, and the border of a picture of one digit is paper.
    func borderPlane() -> Image {
        precondition(channels == 1, "The paper estimate needs a one-channel image, got \(channels) channels")
        // Normal equations of the fit, over the border pixels, in coordinates centred on the image.
        var sums = [Double](repeating: 0, count: 9), targets = [Double](repeating: 0, count: 3)
        let cx = Double(width - 1) / 2, cy = Double(height - 1) / 2
        func add(_ x: Int, _ y: Int) {
            let basis = [1, Double(x) - cx, Double(y) - cy], value = Double(pixels[y * width + x])
            for i in 0..<3 {
                targets[i] += basis[i] * value
                for j in 0..<3 { sums[i * 3 + j] += basis[i] * basis[j] }
            }
        }
        for x in 0..<width { add(x, 0); if height > 1 { add(x, height - 1) } }
        for y in 1..<Swift.max(1, height - 1) { add(0, y); if width > 1 { add(width - 1, y) } }
        let plane = solve3(sums, targets) ?? [targets[0] / Swift.max(sums[0], 1), 0, 0]
        var paper = self
        for y in 0..<height {
            for x in 0..<width {
                paper.pixels[y * width + x] = Float(plane[0] + plane[1] * (Double(x) - cx) + plane[2] * (Double(y) - cy))
            }
        }
        return paper
    }

    /// The ink map with the ink of faint connected pieces removed: pieces (8-connected) holding less
    /// than `fraction` of the ink of the largest piece, such as dust, specks and paper grain.
    func withoutSpecks(smallerThan fraction: Float) -> Image {
        precondition(channels == 1, "Speck removal needs a one-channel image, got \(channels) channels")
        var labels = [Int](repeating: -1, count: pixels.count)
        var masses: [Float] = []
        var stack: [Int] = []
        for start in pixels.indices where pixels[start] > 0 && labels[start] < 0 {
            let label = masses.count
            var mass: Float = 0
            labels[start] = label
            stack.append(start)
            while let index = stack.popLast() {
                mass += pixels[index]
                let x = index % width, y = index / width
                for dy in -1...1 {
                    for dx in -1...1 {
                        let nx = x + dx, ny = y + dy
                        guard nx >= 0, nx < width, ny >= 0, ny < height else { continue }
                        let neighbour = ny * width + nx
                        if pixels[neighbour] > 0 && labels[neighbour] < 0 {
                            labels[neighbour] = label
                            stack.append(neighbour)
                        }
                    }
                }
            }
            masses.append(mass)
        }
        guard let largest = masses.max() else { return self }
        var result = self
        for index in pixels.indices where labels[index] >= 0 && masses[labels[index]] < fraction * largest {
            result.pixels[index] = 0
        }
        return result
    }

    /// The ink map with ruled lines removed: bands of rows with ink of at least 0.15 across more than 60%
    /// of the width are cleared, except in columns where ink continues on both sides of the band (a
    /// stroke crossing it).
    func withoutRuledLines() -> Image {
        precondition(channels == 1, "Line removal needs a one-channel image, got \(channels) channels")
        func isRuled(_ y: Int) -> Bool {
            var inked = 0
            for x in 0..<width where pixels[y * width + x] >= 0.15 { inked += 1 }
            return inked * 5 > width * 3
        }
        var result = self
        var y = 0
        while y < height {
            guard isRuled(y) else { y += 1; continue }
            var end = y
            while end + 1 < height && isRuled(end + 1) { end += 1 }
            for x in 0..<width {
                let above = y > 0 && pixels[(y - 1) * width + x] > 0
                let below = end + 1 < height && pixels[(end + 1) * width + x] > 0
                if above && below { continue }
                for row in y...end { result.pixels[row * width + x] = 0 }
            }
            y = end + 1
        }
        return result
    }
}

/// Otsu's threshold of values in 0…1: the level that best splits them into two classes (the largest
/// between-class variance), over a 256-bin histogram.
func otsuThreshold(_ values: [Float]) -> Float {
    var histogram = [Double](repeating: 0, count: 256)
    for value in values { histogram[Swift.min(255, Swift.max(0, Int(value * 255)))] += 1 }
    let total = Double(values.count)
    let totalSum = histogram.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element }
    var background = 0.0, backgroundSum = 0.0, best = 0.0, threshold = 0
    for level in 0..<256 {
        background += histogram[level]
        backgroundSum += Double(level) * histogram[level]
        let foreground = total - background
        guard background > 0, foreground > 0 else { continue }
        let difference = backgroundSum / background - (totalSum - backgroundSum) / foreground
        let between = background * foreground * difference * difference
        if between > best {
            best = between
            threshold = level
        }
    }
    return (Float(threshold) + 0.5) / 255
}

/// The solution of the 3×3 system `matrix · x = vector` (row-major), by Cramer's rule; nil when singular.
private func solve3(_ m: [Double], _ v: [Double]) -> [Double]? {
    func determinant(_ a: [Double]) -> Double {
        a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6])
    }
    let whole = determinant(m)
    guard abs(whole) > 1e-9 else { return nil }
    return (0..<3).map { column in
        var replaced = m
        for row in 0..<3 { replaced[row * 3 + column] = v[row] }
        return determinant(replaced) / whole
    }
}
