/// `y = (x − mean) · scale + offset` per channel, then ReLU when `rectifying`, handed to the threads a
/// range of rows at a time: the normalising pass of ``BatchNormalization`` and ``Normalization``, over
/// `[M, C]` (every axis but the channels flattened into M rows), with `[C]` vectors `mean`, `scale` and
/// `offset`.
struct ChannelNormalizationPass: ChunkedWork {
    let x: UnsafePointer<Float>
    let mean: UnsafePointer<Float>, scale: UnsafePointer<Float>, offset: UnsafePointer<Float>
    let rectifying: Bool
    let y: UnsafeMutablePointer<Float>
    let channels: Int

    func run(chunk: Int, _ rows: Range<Int>) {
        normalize(x, rows: rows, channels: channels, mean: mean, scale: scale, offset: offset,
                  rectifying: rectifying, into: y)
    }
}
