@testable import SwiftCNN
import TestSupport
import Testing

/// A window sliding over a batch, described the way a layer is configured.
private let slidings: [WindowCase] = [
    WindowCase(input: [2, 5, 5, 1], window: (3, 3), strides: (1, 1), padding: .valid),
    WindowCase(input: [2, 6, 7, 3], window: (3, 3), strides: (2, 2), padding: .same),
    WindowCase(input: [1, 7, 5, 2], window: (3, 2), strides: (2, 1), padding: .same),
    WindowCase(input: [3, 4, 4, 4], window: (2, 2), strides: (2, 2), padding: .valid),
    WindowCase(input: [2, 5, 5, 3], window: (1, 1), strides: (1, 1), padding: .valid),
    WindowCase(input: [1, 9, 8, 2], window: (5, 5), strides: (3, 3), padding: .same),
    WindowCase(input: [2, 5, 6, 2], window: (2, 3), strides: (1, 2), padding: .valid),
    WindowCase(input: [1, 3, 3, 2], window: (3, 3), strides: (1, 1), padding: .same),
]

private func dot(_ a: Tensor, _ b: Tensor) -> Double {
    zip(a.scalars, b.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

@Suite("im2col and col2im")
struct Im2ColTests {
    @Test("Padding places windows as TensorFlow does")
    func paddingPlacement() {
        // valid: ⌊(in − k) / s⌋ + 1, no padding.
        #expect(Padding.valid.placement(inputLength: 28, windowLength: 3, stride: 1)! == (26, 0))
        #expect(Padding.valid.placement(inputLength: 5, windowLength: 2, stride: 2)! == (2, 0))
        #expect(Padding.valid.placement(inputLength: 2, windowLength: 3, stride: 1) == nil)
        // same: out = ⌈in / s⌉, total = (out − 1)·s + k − in, the smaller half before.
        #expect(Padding.same.placement(inputLength: 28, windowLength: 3, stride: 1)! == (28, 1))  // total 2
        #expect(Padding.same.placement(inputLength: 5, windowLength: 3, stride: 2)! == (3, 1))    // total 2
        #expect(Padding.same.placement(inputLength: 6, windowLength: 3, stride: 2)! == (3, 0))    // total 1
        #expect(Padding.same.placement(inputLength: 7, windowLength: 4, stride: 1)! == (7, 1))    // total 3
        #expect(Padding.same.placement(inputLength: 4, windowLength: 1, stride: 3)! == (2, 0))    // total 0
    }

    @Test("im2col of a 3×3 image with a 2×2 window, worked by hand")
    func handWorked() throws {
        // x = 1 2 3      windows (rows of cols, columns ordered (kh, kw)):
        //     4 5 6      (0,0): 1 2 4 5   (0,1): 2 3 5 6
        //     7 8 9      (1,0): 4 5 7 8   (1,1): 5 6 8 9
        let x = Tensor(shape: [1, 3, 3, 1], scalars: (1...9).map(Float.init))
        let geometry = try WindowCase(input: [1, 3, 3, 1], window: (2, 2), strides: (1, 1), padding: .valid).geometry()
        var columns = Tensor(shape: [0])
        im2col(x, geometry: geometry, into: &columns)
        #expect(columns == Tensor(shape: [4, 4], scalars: [1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9]))
    }

    @Test("im2col with same padding zero-fills the border, worked by hand")
    func handWorkedSame() throws {
        // x = 1 2     3×3 window, same padding: one cell of zeros on every side; first window is
        //     3 4     0 0 0 / 0 1 2 / 0 3 4, last is 1 2 0 / 3 4 0 / 0 0 0.
        let x = Tensor(shape: [1, 2, 2, 1], scalars: [1, 2, 3, 4])
        let geometry = try WindowCase(input: [1, 2, 2, 1], window: (3, 3), strides: (1, 1), padding: .same).geometry()
        var columns = Tensor(shape: [0])
        im2col(x, geometry: geometry, into: &columns)
        #expect(columns.shape == [4, 9])
        #expect(Array(columns.scalars[0..<9]) == [0, 0, 0, 0, 1, 2, 0, 3, 4])
        #expect(Array(columns.scalars[27..<36]) == [1, 2, 0, 3, 4, 0, 0, 0, 0])
    }

    @Test("im2col matches the definition", arguments: slidings)
    fileprivate func im2colMatchesReference(_ sliding: WindowCase) throws {
        let geometry = try sliding.geometry()
        let x = Seeded.uniform(sliding.input, seed: 3)
        var columns = Tensor(shape: [0])
        im2col(x, geometry: geometry, into: &columns)
        #expect(columns == im2colReference(x, geometry: geometry))
    }

    @Test("col2im matches the definition", arguments: slidings)
    fileprivate func col2imMatchesReference(_ sliding: WindowCase) throws {
        let geometry = try sliding.geometry()
        let columns = Seeded.uniform([sliding.input[0] * geometry.outputPositions, geometry.patchLength], seed: 4)
        var x = Tensor(shape: [0])
        col2im(columns, geometry: geometry, into: &x)
        expectClose(x, col2imReference(columns, geometry: geometry))
    }

    @Test("col2im is the adjoint of im2col: ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩", arguments: slidings)
    fileprivate func adjoint(_ sliding: WindowCase) throws {
        let geometry = try sliding.geometry()
        let x = Seeded.uniform(sliding.input, seed: 5)
        let y = Seeded.uniform([sliding.input[0] * geometry.outputPositions, geometry.patchLength], seed: 6)
        var columns = Tensor(shape: [0]), image = Tensor(shape: [0])
        im2col(x, geometry: geometry, into: &columns)
        col2im(y, geometry: geometry, into: &image)
        let lhs = dot(columns, y), rhs = dot(x, image)
        #expect(abs(lhs - rhs) <= 1e-4 * max(1, abs(lhs)), "⟨im2col(x), y⟩ = \(lhs), ⟨x, col2im(y)⟩ = \(rhs)")
    }

    @Test("Workspaces are overwritten, not accumulated into, when reused for a smaller batch")
    func workspaceReuse() throws {
        let geometry = try WindowCase(input: [3, 5, 5, 2], window: (3, 3), strides: (2, 2), padding: .same).geometry()
        var columns = Tensor(shape: [0]), image = Tensor(shape: [0])
        im2col(Seeded.uniform([3, 5, 5, 2], seed: 7), geometry: geometry, into: &columns)
        col2im(Seeded.uniform([3 * geometry.outputPositions, geometry.patchLength], seed: 8),
               geometry: geometry, into: &image)

        let x = Seeded.uniform([2, 5, 5, 2], seed: 9)
        im2col(x, geometry: geometry, into: &columns)
        #expect(columns == im2colReference(x, geometry: geometry))
        let y = Seeded.uniform([2 * geometry.outputPositions, geometry.patchLength], seed: 10)
        col2im(y, geometry: geometry, into: &image)
        expectClose(image, col2imReference(y, geometry: geometry))
    }
}
