/// Random tensors and the standard weight initialisers, all drawn from a seeded ``Xoshiro256``.
extension Tensor {
    /// Elements drawn uniformly from `range`.
    public init(randomUniform shape: [Int], in range: ClosedRange<Float> = 0...1, using generator: inout Xoshiro256) {
        self.init(uninitializedShape: shape)
        let low = range.lowerBound, width = range.upperBound - range.lowerBound
        for index in 0..<count {
            storage.pointer[index] = low + width * generator.nextUnitFloat()
        }
    }

    /// Elements drawn from a normal distribution.
    public init(randomNormal shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
                using generator: inout Xoshiro256) {
        self.init(uninitializedShape: shape)
        for index in 0..<count {
            storage.pointer[index] = mean + standardDeviation * generator.nextStandardNormal()
        }
    }

    /// Elements drawn from a normal distribution with mean 0 cut off at two standard deviations: a draw
    /// beyond them is drawn again. Its standard deviation is therefore about 0.88 × `standardDeviation`.
    public init(truncatedNormal shape: [Int], standardDeviation: Float, using generator: inout Xoshiro256) {
        self.init(uninitializedShape: shape)
        for index in 0..<count {
            var draw = generator.nextStandardNormal()
            while abs(draw) > 2 { draw = generator.nextStandardNormal() }
            storage.pointer[index] = standardDeviation * draw
        }
    }

    /// Glorot (Xavier) uniform initialisation, Keras's default for `Dense` and `Conv2D` kernels:
    /// uniform in ±√(6 / (fanIn + fanOut)).
    public init(glorotUniform shape: [Int], fanIn: Int, fanOut: Int, using generator: inout Xoshiro256) {
        let limit = (6 / Float(fanIn + fanOut)).squareRoot()
        self.init(randomUniform: shape, in: -limit...limit, using: &generator)
    }

    /// He (Kaiming) normal initialisation for ReLU networks: normal with standard deviation √(2 / fanIn).
    public init(heNormal shape: [Int], fanIn: Int, using generator: inout Xoshiro256) {
        self.init(randomNormal: shape, standardDeviation: (2 / Float(fanIn)).squareRoot(), using: &generator)
    }

    /// He (Kaiming) uniform initialisation: uniform in ±√(6 / fanIn).
    public init(heUniform shape: [Int], fanIn: Int, using generator: inout Xoshiro256) {
        let limit = (6 / Float(fanIn)).squareRoot()
        self.init(randomUniform: shape, in: -limit...limit, using: &generator)
    }
}
