import Foundation

/// A seeded pseudo-random number generator: xoshiro256** (Blackman and Vigna, 2018), its 256-bit state
/// filled from the seed by SplitMix64.
///
/// The same seed gives the same sequence on every machine and every run, which makes weight
/// initialisation, shuffling and dropout in SwiftCNN reproducible. The state can be saved and restored
/// (``state``), so a resumed training run continues the same sequence.
public struct Xoshiro256: RandomNumberGenerator, Sendable, Hashable {
    private var s0, s1, s2, s3: UInt64

    /// The four 64-bit words of the generator's state.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// A generator seeded with `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = nextSplitMix()
        s1 = nextSplitMix()
        s2 = nextSplitMix()
        s3 = nextSplitMix()
    }

    /// A generator that continues from a saved ``state``.
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 },
                     "xoshiro256** needs four state words, not all zero; got \(state)")
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// Advances the generator by 2¹²⁸ outputs at once.
    ///
    /// Generators jumped 0, 1, 2… times from one seed draw sequences that cannot overlap in any
    /// practical run; that is how one seed feeds independent streams. ``Sequential`` draws its
    /// initial weights from the seed's generator and its epoch shuffles from that generator jumped once.
    public mutating func jump() {
        // The jump polynomial of xoshiro256** (Blackman and Vigna): the state 2¹²⁸ steps on is the sum,
        // over the polynomial's set bits, of the states met along 256 single steps.
        let polynomial: [UInt64] = [0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C,
                                    0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C]
        var (t0, t1, t2, t3): (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for word in polynomial {
            for bit in 0..<64 {
                if word & (1 << UInt64(bit)) != 0 {
                    t0 ^= s0
                    t1 ^= s1
                    t2 ^= s2
                    t3 ^= s3
                }
                _ = next()
            }
        }
        (s0, s1, s2, s3) = (t0, t1, t2, t3)
    }

    /// This generator advanced by 2¹²⁸ outputs: see ``jump()``.
    public func jumped() -> Xoshiro256 {
        var copy = self
        copy.jump()
        return copy
    }

    /// A float uniformly distributed in [0, 1), from the top 24 bits of the next output.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A standard normal sample (mean 0, standard deviation 1), by the Box–Muller transform.
    ///
    /// Each call draws two outputs and returns one sample, so the sequence does not depend on how
    /// calls interleave with other uses of the generator.
    public mutating func nextStandardNormal() -> Float {
        let u1 = Double(next() >> 11) * 0x1p-53
        let u2 = Double(next() >> 11) * 0x1p-53
        let radius = (-2 * log(1 - u1)).squareRoot()
        return Float(radius * cos(2 * Double.pi * u2))
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}

extension Xoshiro256: Codable {
    public init(from decoder: Decoder) throws {
        let words = try decoder.singleValueContainer().decode([UInt64].self)
        guard words.count == 4, words.contains(where: { $0 != 0 }) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "xoshiro256** state needs four words, not all zero; found \(words)"))
        }
        self.init(state: words)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(state)
    }
}
