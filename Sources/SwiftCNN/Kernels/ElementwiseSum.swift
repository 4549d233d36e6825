// a, b, y: `count` elements of any shape.

/// `y = a + b`, element by element; `y` may be `a`.
func addElementwise(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>) {
    for index in 0..<count {
        y[index] = a[index] + b[index]
    }
}
