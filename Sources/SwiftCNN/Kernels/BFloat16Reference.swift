// x: FP32 → BF16, its upper 16 bits rounded. The naive reference of `cnn_convert_to_bfloat16`, and through
// it of the BF16 convolution: `convolutionReference` of the rounded input and kernel, the sums in FP32.

/// The BF16 value nearest `x` (8 significant bits), ties to even, as `vcvtneps2bf16` rounds: NaN stays a
/// (quiet) NaN and subnormal inputs become zero of the same sign.
func bfloat16Bits(_ x: Float) -> UInt16 {
    let bits = x.bitPattern
    if x.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x40 }
    if x.isSubnormal { return UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000) }
    let tieToEven = 0x7FFF &+ ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: (bits &+ tieToEven) >> 16)
}

/// `x` rounded to BF16 (``bfloat16Bits(_:)``), as an FP32 value.
func roundedToBFloat16(_ x: Float) -> Float {
    Float(bitPattern: UInt32(bfloat16Bits(x)) << 16)
}
