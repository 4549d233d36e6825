// value, gradient, firstMoment, secondMoment: one parameter's floats, all the same count; `elements` is
// the part to update. Naive reference: AdamUpdateReference.swift, matched bit for bit in every
// instruction set.

import CVectorKernels

/// The numbers one step of Adam applies to every element (the rule is documented on ``Adam``).
struct AdamCoefficients {
    /// The learning rate times the bias correction √(1 − β2ᵗ) / (1 − β1ᵗ).
    var rate: Float
    /// learningRate · weightDecay.
    var decay: Float
    var beta1Complement: Float
    var beta2Complement: Float
    var epsilon: Float
}

/// One step of Adam over `elements`: the moments move towards the gradient and the value steps against
/// their ratio, all in place. √v is three Newton steps on the reciprocal-square-root estimate, so a
/// step's numbers are the same on every CPU.
func adamUpdate(
    value: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
    firstMoment: UnsafeMutablePointer<Float>, secondMoment: UnsafeMutablePointer<Float>,
    elements: Range<Int>, _ coefficients: AdamCoefficients, instructions: VectorInstructions = .best
) {
    var c = cnn_adam_coefficients(rate: coefficients.rate, decay: coefficients.decay,
                                  beta1_complement: coefficients.beta1Complement,
                                  beta2_complement: coefficients.beta2Complement, epsilon: coefficients.epsilon)
    let start = elements.lowerBound
    cnn_adam_update(instructions.isa, value + start, gradient + start, firstMoment + start, secondMoment + start,
                    elements.count, &c)
}
