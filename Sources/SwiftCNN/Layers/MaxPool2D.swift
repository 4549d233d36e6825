/// Max pooling over channels-last images: each channel's largest value in each window, as Keras's
/// `MaxPooling2D`.
///
/// Inputs are `[N, height, width, channels]`; outputs `[N, outputHeight, outputWidth, channels]`.
///
/// ```swift
/// MaxPool2D(poolSize: 2)                  // [26, 26, 32] → [13, 13, 32]
/// MaxPool2D(poolSize: 3, strides: 2, padding: .same)
/// ```
///
/// The forward pass records which cell won each window, so the backward pass routes each gradient
/// straight to it.
public final class MaxPool2D: PoolingLayer {
    public let name = "max_pooling2d"
    /// The window size.
    public var poolSize: (height: Int, width: Int) { passes.size }
    /// The step between windows; the pool size unless given.
    public var strides: (height: Int, width: Int) { passes.strides }
    /// How windows treat the border; padding cells never win.
    public var padding: Padding { passes.padding }

    let passes: PoolingPasses

    /// Max pooling over `poolSize` windows moved by `strides` (by default the pool size, so windows tile
    /// the image).
    public init(poolSize: (height: Int, width: Int), strides: (height: Int, width: Int)? = nil,
                padding: Padding = .valid) {
        passes = PoolingPasses(.max, layer: "MaxPool2D", size: poolSize, strides: strides, padding: padding)
    }

    /// Max pooling over square `poolSize` windows moved by `strides` in both directions (by default the
    /// pool size).
    public convenience init(poolSize: Int = 2, strides: Int? = nil, padding: Padding = .valid) {
        self.init(poolSize: (poolSize, poolSize), strides: strides.map { ($0, $0) }, padding: padding)
    }
}
