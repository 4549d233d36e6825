@testable import SwiftCNN
import TestSupport
import Testing

/// A window sliding over a batch of images, for the parameterised tests of the window kernels
/// (im2col, pooling) and of the layers built on them.
struct WindowCase: Sendable, CustomTestStringConvertible {
    var input: [Int]            // [N, H, W, C]
    var window: (Int, Int)
    var strides: (Int, Int)
    var padding: Padding

    var testDescription: String {
        "x \(input), window \(window.0)×\(window.1), strides \(strides.0)×\(strides.1), \(padding)"
    }

    func geometry() throws -> WindowGeometry {
        try WindowGeometry(layer: "test", inputShape: Array(input.dropFirst()), window: window,
                           strides: strides, padding: padding)
    }

    /// `layer`, built for the case's samples.
    func build<L: Layer>(_ layer: L) throws -> L {
        var generator = Seeded.generator()
        _ = try layer.build(inputShape: Array(input.dropFirst()), generator: &generator)
        return layer
    }
}

extension ConvolutionCase {
    /// Where the case's kernel lands on its input samples.
    func geometry() throws -> WindowGeometry {
        try WindowCase(input: input, window: kernelSize, strides: strides, padding: padding).geometry()
    }
}

extension Conv2D {
    /// The naive reference convolution of `x` through this built layer, after its activation.
    func referenceOutput(_ x: Tensor) -> Tensor {
        convolutionReference(x, kernel: kernel.value, bias: bias?.value, geometry: geometry!).map { activate($0, activation) }
    }

    /// 2×2 pooling with stride 2 over this built layer's output.
    var poolingGeometry: WindowGeometry {
        get throws {
            try WindowGeometry(layer: "test", inputShape: outputSampleShape, window: (2, 2), strides: (2, 2), padding: .valid)
        }
    }
}
