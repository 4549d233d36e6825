#!/usr/bin/env python3
"""Independent reference for Xoshiro256Tests: xoshiro256** seeded by SplitMix64.

Prints the first outputs for seed 42 and the unit floats derived from them (top 24 bits × 2⁻²⁴),
which the Swift test compares against. It also prints the first outputs of that generator jumped
2¹²⁸ steps ahead, found without the jump polynomial the Swift code uses: the generator's step is
linear over GF(2), so its 256×256 bit matrix squared 128 times is the jump.
Run: python3 Tests/SwiftCNNTests/References/xoshiro256.py
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


def step(s):
    """Advances the four state words in place and returns the output drawn before the step."""
    result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
    t = (s[1] << 17) & MASK
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 45)
    return result


def xoshiro256starstar(state):
    s = list(state)
    while True:
        yield step(s)


def seeded_state(seed):
    seeds = splitmix64(seed)
    return [next(seeds) for _ in range(4)]


def pack(s):
    return s[0] | s[1] << 64 | s[2] << 128 | s[3] << 192


def unpack(v):
    return [(v >> (64 * i)) & MASK for i in range(4)]


def apply(columns, v):
    result, bit = 0, 0
    while v:
        if v & 1:
            result ^= columns[bit]
        v >>= 1
        bit += 1
    return result


def jumped(state, power_of_two=128):
    columns = []
    for bit in range(256):
        s = unpack(1 << bit)
        step(s)
        columns.append(pack(s))
    for _ in range(power_of_two):
        columns = [apply(columns, column) for column in columns]
    return unpack(apply(columns, pack(state)))


generator = xoshiro256starstar(seeded_state(42))
outputs = [next(generator) for _ in range(5)]
print("outputs:", ", ".join(f"0x{x:016X}" for x in outputs))
print("unit floats:", ", ".join(repr((x >> 40) * 2.0**-24) for x in outputs))

# The matrix method checked on a power small enough to step through one by one.
s = seeded_state(42)
for _ in range(1 << 10):
    step(s)
assert s == jumped(seeded_state(42), 10)

jumped_generator = xoshiro256starstar(jumped(seeded_state(42)))
print("outputs after a 2^128 jump:", ", ".join(f"0x{next(jumped_generator):016X}" for _ in range(5)))
