@testable import SwiftCNN
import TestSupport

extension ConvolutionCase {
    /// Where the case's kernel lands on its input samples.
    func geometry() throws -> WindowGeometry {
        try WindowGeometry(layer: "test", inputShape: Array(input.dropFirst()), window: kernelSize,
                           strides: strides, padding: padding)
    }
}
