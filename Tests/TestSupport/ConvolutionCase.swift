import SwiftCNN
import Testing

/// A ``Conv2D`` configuration and the shape of the batch it is tried on, for parameterised tests.
public struct ConvolutionCase: Sendable, CustomTestStringConvertible {
    /// The batch shape, `[N, H, W, C]`.
    public var input: [Int]
    public var filters: Int
    public var kernelSize: (Int, Int)
    public var strides: (Int, Int)
    public var padding: Padding
    public var useBias: Bool
    public var activation: Activation

    /// A case with Conv2D's own defaults for what is not given.
    public init(input: [Int], filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1),
                padding: Padding = .valid, useBias: Bool = true, activation: Activation = .linear) {
        self.input = input
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.useBias = useBias
        self.activation = activation
    }

    public var testDescription: String {
        "x \(input) → \(filters) filters \(kernelSize.0)×\(kernelSize.1), strides \(strides.0)×\(strides.1), "
            + "\(padding), \(useBias ? "bias" : "no bias"), \(activation)"
    }

    /// The layer, built with a kernel drawn from `seed` and, when it has one, a bias drawn from
    /// `biasRange` with `biasSeed` (by default `seed + 100`): not zero, so that tests see it.
    public func makeLayer(seed: UInt64 = 1, biasRange: ClosedRange<Float> = -0.5...0.5,
                          biasSeed: UInt64? = nil) throws -> Conv2D {
        let layer = Conv2D(filters: filters, kernelSize: kernelSize, strides: strides, padding: padding,
                           useBias: useBias, activation: activation)
        var generator = Seeded.generator(seed)
        _ = try layer.build(inputShape: Array(input.dropFirst()), generator: &generator)
        layer.bias?.value = Seeded.uniform([filters], in: biasRange, seed: biasSeed ?? seed + 100)
        return layer
    }
}
