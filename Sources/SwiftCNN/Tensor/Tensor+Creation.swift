/// Random tensors, drawn from a seeded ``Xoshiro256``; ``Initializer`` draws the standard weight initialisations.
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
}
