import SwiftCNN

/// Test data drawn from a fixed seed, so a failing test fails the same way every run.
public enum Seeded {
    /// A generator for `seed`.
    public static func generator(_ seed: UInt64 = 42) -> Xoshiro256 { Xoshiro256(seed: seed) }

    /// Uniform values in `range`.
    public static func uniform(_ shape: [Int], in range: ClosedRange<Float> = -1...1, seed: UInt64 = 42) -> Tensor {
        var generator = Xoshiro256(seed: seed)
        return Tensor(randomUniform: shape, in: range, using: &generator)
    }

    /// Uniform values in ±`range` whose magnitudes stay at least `margin` away from zero, for inputs to
    /// layers with a kink at 0 (ReLU), so finite differences never straddle it.
    public static func awayFromZero(_ shape: [Int], margin: Float = 0.05, seed: UInt64 = 42) -> Tensor {
        uniform(shape, seed: seed).map { $0 >= 0 ? $0 + margin : $0 - margin }
    }
}
