// value, gradient, firstMoment, secondMoment: `count` floats each.
// The naive form of AdamUpdate.swift's kernel, one element at a time, which the kernel matches bit for bit.

/// ``adamUpdate(value:gradient:firstMoment:secondMoment:elements:_:instructions:)``, element by element.
func adamUpdateReference(value: inout [Float], gradient: [Float], firstMoment: inout [Float],
                         secondMoment: inout [Float], _ c: AdamCoefficients) {
    let keep = 1 - c.decay
    for i in value.indices {
        let g = gradient[i]
        let m = firstMoment[i] + c.beta1Complement * (g - firstMoment[i])
        let v = secondMoment[i] + c.beta2Complement * (g * g - secondMoment[i])
        // √v as v · (1/√v), the reciprocal refined by Newton's y ← y · (3/2 − v/2 · y²) from the classic
        // bit-level estimate; √0 is 0.
        var y = Float(bitPattern: 0x5F37_5A86 &- (v.bitPattern >> 1))
        let half = 0.5 * v
        for _ in 0..<3 {
            y = y * (1.5 - half * y * y)
        }
        value[i] = value[i] * keep - c.rate * m / (v * y + c.epsilon)
        firstMoment[i] = m
        secondMoment[i] = v
    }
}
