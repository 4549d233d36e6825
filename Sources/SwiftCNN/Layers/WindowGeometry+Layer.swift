extension WindowGeometry {
    /// The geometry of a `window` sliding with `strides` and `padding` over samples of `inputShape`,
    /// checked for a layer named `layer`.
    ///
    /// - Throws: ``LayerError/incompatibleInput(layer:inputShape:expected:)`` unless `inputShape` is
    ///   `[height, width, channels]`, all positive, and a `valid` window fits inside it.
    init(layer: String, inputShape: [Int], window: (height: Int, width: Int),
         strides: (height: Int, width: Int), padding: Padding) throws {
        guard inputShape.count == 3, inputShape.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(
                layer: layer, inputShape: inputShape, expected: "a positive [height, width, channels]")
        }
        guard let vertical = padding.placement(inputLength: inputShape[0], windowLength: window.height,
                                               stride: strides.height),
              let horizontal = padding.placement(inputLength: inputShape[1], windowLength: window.width,
                                                 stride: strides.width)
        else {
            throw LayerError.incompatibleInput(
                layer: layer, inputShape: inputShape,
                expected: "at least \(window.height)×\(window.width) pixels for a \(window.height)×\(window.width) window without padding")
        }
        self.init(inputHeight: inputShape[0], inputWidth: inputShape[1], channels: inputShape[2],
                  windowHeight: window.height, windowWidth: window.width,
                  strideHeight: strides.height, strideWidth: strides.width,
                  padTop: vertical.paddingBefore, padLeft: horizontal.paddingBefore,
                  outputHeight: vertical.outputLength, outputWidth: horizontal.outputLength)
    }
}
