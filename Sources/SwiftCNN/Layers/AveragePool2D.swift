/// Average pooling over channels-last images: each channel's mean over each window, as Keras's
/// `AveragePooling2D`.
///
/// Inputs are `[N, height, width, channels]`; outputs `[N, outputHeight, outputWidth, channels]`.
///
/// ```swift
/// AveragePool2D(poolSize: 2)                        // [26, 26, 32] → [13, 13, 32]
/// AveragePool2D(poolSize: 3, strides: 1, padding: .same)
/// ```
///
/// With `.same` padding, windows at the border average only the cells inside the image, as in Keras.
public final class AveragePool2D: PoolingLayer {
    public let name = "average_pooling2d"
    /// The window size.
    public var poolSize: (height: Int, width: Int) { passes.size }
    /// The step between windows; the pool size unless given.
    public var strides: (height: Int, width: Int) { passes.strides }
    /// How windows treat the border; padding cells are left out of the average.
    public var padding: Padding { passes.padding }

    let passes: PoolingPasses

    /// Average pooling over `poolSize` windows moved by `strides` (by default the pool size, so windows
    /// tile the image).
    public init(poolSize: (height: Int, width: Int), strides: (height: Int, width: Int)? = nil,
                padding: Padding = .valid) {
        passes = PoolingPasses(.average, layer: "AveragePool2D", size: poolSize, strides: strides, padding: padding)
    }

    /// Average pooling over square `poolSize` windows moved by `strides` in both directions (by default
    /// the pool size).
    public convenience init(poolSize: Int = 2, strides: Int? = nil, padding: Padding = .valid) {
        self.init(poolSize: (poolSize, poolSize), strides: strides.map { ($0, $0) }, padding: padding)
    }
}
