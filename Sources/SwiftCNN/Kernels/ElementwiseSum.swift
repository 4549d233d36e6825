// a, b, y: any shape, the same for all three; elements `elements` of each.
// The sum of a merge layer's inputs, built up two at a time — y = x₀ + x₁, then y += x₂, … — so the
// rounding follows the order of the inputs, whatever the chunking. Its gradient is the output gradient
// itself, for every input: there is no backward kernel.

/// Writes `a + b` to `y` over `elements`; `y` may be `a`.
func addElements(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, elements: Range<Int>,
                 into y: UnsafeMutablePointer<Float>) {
    for i in elements { y[i] = a[i] + b[i] }
}
