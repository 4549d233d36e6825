@testable import SwiftCNN
import Testing
import TestSupport

/// The fast resampling kernels against their by-definition references.
@Suite struct BilinearResamplingTests {
    /// Runs `kernel` on the whole batch `x`, as one chunk.
    private func run(_ x: Tensor, _ kernel: (UnsafePointer<Float>, ResamplingGeometry, UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let g = ResamplingGeometry(height: x.shape[1], width: x.shape[2], channels: x.shape[3])
        var y = Tensor(shape: x.shape, repeating: .nan)
        let input = x
        input.withUnsafeBufferPointer { source in
            y.withUnsafeMutableBufferPointer { kernel(source.baseAddress!, g, $0.baseAddress!) }
        }
        return y
    }

    @Test func affineResamplingMatchesTheDefinition() {
        // Maps that reach outside the image on every side, fractional and whole-pixel shifts, a mirror.
        let x = Seeded.uniform([4, 7, 9, 2], in: 0...1, seed: 61)
        let transforms: [Float] = [
            1, 0, 0.5, 0, 1, -2.25,
            0.87, 0.5, -1.3, -0.5, 0.87, 3.1,
            1.2, 0, -0.6, 0, 0.8, 0.9,
            -1, 0, 6, 0, 1, 4,
        ]
        let y = run(x) { source, g, out in
            transforms.withUnsafeBufferPointer {
                resampleAffine(source, geometry: g, transforms: $0.baseAddress!, samples: 0..<4, into: out)
            }
        }
        let expected = resampleAffineReference(x, transforms: transforms)
        #expect(maximumDifference(y, expected) < 1e-5)
    }

    @Test func displacedResamplingMatchesTheDefinition() {
        let x = Seeded.uniform([3, 6, 5, 1], in: 0...1, seed: 62)
        let displacements = Seeded.uniform([3, 6, 5, 2], in: -3...3, seed: 63)
        let y = run(x) { source, g, out in
            displacements.withUnsafeBufferPointer {
                resampleDisplaced(source, geometry: g, displacements: $0.baseAddress!, samples: 0..<3, into: out)
            }
        }
        #expect(maximumDifference(y, resampleDisplacedReference(x, displacements: displacements)) < 1e-5)
    }

    @Test func aQuarterTurnMovesTheTopRowToTheLeftColumn() {
        // Counter-clockwise as shown: the top row, read left to right, becomes the left column read bottom up.
        let x = Tensor(shape: [1, 3, 3, 1], scalars: (1...9).map(Float.init))
        let g = ResamplingGeometry(height: 3, width: 3, channels: 1)
        var transform = [Float](repeating: 0, count: 6)
        transform.withUnsafeMutableBufferPointer { AffineMap.rotation(by: .pi / 2, geometry: g).write(to: $0.baseAddress!) }
        let y = run(x) { source, g, out in
            resampleAffine(source, geometry: g, transforms: transform, samples: 0..<1, into: out)
        }
        #expect(y.scalars.map { $0.rounded() } == [3, 6, 9, 2, 5, 8, 1, 4, 7])
    }

    @Test func aWholePixelTranslationShiftsAndFillsWithZero() {
        let x = Tensor(shape: [1, 2, 3, 1], scalars: [1, 2, 3, 4, 5, 6])
        var transform = [Float](repeating: 0, count: 6)
        transform.withUnsafeMutableBufferPointer { AffineMap.translation(dy: 1, dx: -1).write(to: $0.baseAddress!) }
        let y = run(x) { source, g, out in
            resampleAffine(source, geometry: g, transforms: transform, samples: 0..<1, into: out)
        }
        #expect(y.scalars == [0, 0, 0, 2, 3, 0])
    }

    @Test func zoomingOutByTwoHalvesTheDistanceToTheCentre() {
        // 5 pixels wide, centre 2: output pixel 1 reads 2 + 2·(1 − 2) = 0, output 3 reads 4.
        let x = Tensor(shape: [1, 1, 5, 1], scalars: [10, 20, 30, 40, 50])
        let g = ResamplingGeometry(height: 1, width: 5, channels: 1)
        var transform = [Float](repeating: 0, count: 6)
        transform.withUnsafeMutableBufferPointer { AffineMap.zoom(y: 1, x: 2, geometry: g).write(to: $0.baseAddress!) }
        let y = run(x) { source, g, out in
            resampleAffine(source, geometry: g, transforms: transform, samples: 0..<1, into: out)
        }
        #expect(y.scalars == [0, 10, 30, 50, 0])
    }
}

/// The largest absolute difference between two tensors of one shape.
func maximumDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
    return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
}
