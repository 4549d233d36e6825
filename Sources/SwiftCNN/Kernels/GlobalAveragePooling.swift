// x: [N,H,W,C] → y: [N,C], each channel's mean over the H·W positions of its sample; dy: [N,C] → dx like x.
// In NHWC a sample is H·W rows of C channels, so both passes run along whole rows of channels. The
// kernels take whole-batch pointers and compute a range of samples, so that a layer can split a batch
// across threads; no sum crosses samples, so the chunking cannot change the numbers.

/// The channel means of samples `samples` of the batch at `x`, each `positions` (H·W) rows of `channels`
/// values, written to their rows of `y`.
func globalAveragePool(_ x: UnsafePointer<Float>, positions: Int, channels: Int, samples: Range<Int>,
                       into y: UnsafeMutablePointer<Float>) {
    let scale = 1 / Float(positions)
    for n in samples {
        let mean = y + n &* channels
        var row = x + n &* positions &* channels
        mean.update(from: row, count: channels)
        for _ in 1..<positions {
            row += channels
            for c in 0..<channels { mean[c] += row[c] }
        }
        for c in 0..<channels { mean[c] *= scale }
    }
}

/// The gradient of samples `samples`, which it overwrites in `dx`: each position of a sample gets its
/// row of `dy` divided by `positions`, the share of every cell in the mean.
func globalAveragePoolBackward(_ dy: UnsafePointer<Float>, positions: Int, channels: Int, samples: Range<Int>,
                               into dx: UnsafeMutablePointer<Float>) {
    let scale = 1 / Float(positions)
    for n in samples {
        let gradient = dy + n &* channels
        var row = dx + n &* positions &* channels
        for c in 0..<channels { row[c] = gradient[c] * scale }
        for _ in 1..<positions {
            (row + channels).update(from: row, count: channels)
            row += channels
        }
    }
}
