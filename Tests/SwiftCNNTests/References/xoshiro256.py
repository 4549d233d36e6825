#!/usr/bin/env python3
"""Independent reference for Xoshiro256Tests: xoshiro256** seeded by SplitMix64.

Prints the first outputs for seed 42 and the unit floats derived from them (top 24 bits × 2⁻²⁴),
which the Swift test compares against. Run: python3 Tests/SwiftCNNTests/References/xoshiro256.py
"""
MASK = (1 << 64) - 1


def splitmix64(state):
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def xoshiro256starstar(seed):
    seeds = splitmix64(seed)
    s = [next(seeds) for _ in range(4)]
    while True:
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        yield result


generator = xoshiro256starstar(42)
outputs = [next(generator) for _ in range(5)]
print("outputs:", ", ".join(f"0x{x:016X}" for x in outputs))
print("unit floats:", ", ".join(repr((x >> 40) * 2.0**-24) for x in outputs))
