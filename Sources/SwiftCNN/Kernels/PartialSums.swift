extension UnsafeMutablePointer where Pointee == Float {
    /// Adds `count` floats of `other` to these, element by element: how layers combine the gradient
    /// sums that each thread kept for its share of a batch.
    func add(_ other: UnsafePointer<Float>, count: Int) {
        for index in 0..<count { self[index] += other[index] }
    }
}
