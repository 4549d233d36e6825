// xᵢ: [R, Cᵢ] ⇄ y: [R, ΣCᵢ], where R counts all positions of the batch (every axis but the last):
// input i fills columns offsetᵢ ..< offsetᵢ + Cᵢ of each row, offsetᵢ = C₀ + … + Cᵢ₋₁.
// Concatenation copies each input's rows into their columns; its gradient copies them back out.
// The kernels take a range of rows, so that a layer can split the copy across threads.

/// Copies rows `rows` of `x`, `width` values each, into columns `offset ..< offset + width` of the same
/// rows of `y`, whose rows are `outputWidth` values long.
func copyRows(_ x: UnsafePointer<Float>, width: Int, rows: Range<Int>, into y: UnsafeMutablePointer<Float>,
              columnOffset offset: Int, outputWidth: Int) {
    for row in rows {
        (y + (row &* outputWidth &+ offset)).update(from: x + row &* width, count: width)
    }
}

/// Copies columns `offset ..< offset + width` of rows `rows` of `y`, whose rows are `outputWidth` values
/// long, into the same rows of `x`, `width` values each: the gradient of one input of a concatenation.
func copyColumns(_ y: UnsafePointer<Float>, columnOffset offset: Int, width: Int, outputWidth: Int, rows: Range<Int>,
                 into x: UnsafeMutablePointer<Float>) {
    for row in rows {
        (x + row &* width).update(from: y + (row &* outputWidth &+ offset), count: width)
    }
}
