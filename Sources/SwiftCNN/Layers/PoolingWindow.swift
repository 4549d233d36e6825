/// The window options of a pooling layer, checked once for ``MaxPool2D`` and ``AveragePool2D`` alike.
struct PoolingWindow {
    let size: (height: Int, width: Int)
    let strides: (height: Int, width: Int)
    let padding: Padding

    /// `size` windows moved by `strides` (by default `size`, so windows tile the image), for the layer
    /// type named `layer`; stops unless the size and strides are positive.
    init(layer: String, size: (height: Int, width: Int), strides: (height: Int, width: Int)?, padding: Padding) {
        let strides = strides ?? size
        precondition(size.height > 0 && size.width > 0 && strides.height > 0 && strides.width > 0,
                     "\(layer) needs a positive pool size and strides, got \(size) and \(strides)")
        self.size = size
        self.strides = strides
        self.padding = padding
    }

    /// Where the windows land on samples of `inputShape`, checked for the layer named `layer`.
    ///
    /// - Throws: ``LayerError/incompatibleInput(layer:inputShape:expected:)`` as
    ///   ``WindowGeometry/init(layer:inputShape:window:strides:padding:)`` does.
    func geometry(layer: String, inputShape: [Int]) throws -> WindowGeometry {
        try WindowGeometry(layer: layer, inputShape: inputShape, window: size, strides: strides, padding: padding)
    }
}
