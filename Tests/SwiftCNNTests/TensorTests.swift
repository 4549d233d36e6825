import SwiftCNN
import Testing
import TestSupport

@Suite struct TensorCreationTests {
    @Test func repeatingZerosAndOnes() {
        #expect(Tensor(shape: [2, 3], repeating: 7).scalars == Array(repeating: 7, count: 6))
        #expect(Tensor.zeros([4]).scalars == [0, 0, 0, 0])
        #expect(Tensor.ones([2, 2]).scalars == [1, 1, 1, 1])
        #expect(Tensor.zeros([3, 0]).count == 0)
    }

    @Test func elementAccessIsRowMajor() {
        var x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(x[0, 0] == 1)
        #expect(x[0, 2] == 3)
        #expect(x[1, 0] == 4)
        x[1, 2] = 60
        #expect(x.scalars == [1, 2, 3, 4, 5, 60])
        #expect(x.offset(of: [1, 1]) == 4)
    }

    @Test func copiesAreIndependent() {
        let original = Tensor(shape: [3], scalars: [1, 2, 3])
        var copy = original
        copy[0] = 100
        #expect(original.scalars == [1, 2, 3])
        #expect(copy.scalars == [100, 2, 3])
    }

    @Test func reshapeSharesValuesAndInfersOneDimension() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let y = x.reshaped(to: [3, -1])
        #expect(y.shape == [3, 2])
        #expect(y[2, 1] == 6)
        var z = y
        z[0, 0] = -1
        #expect(x[0, 0] == 1, "writing a reshaped copy must not change the original")
    }

    @Test func scalarTensorAndDescription() {
        let x = Tensor(scalar: 2.5)
        #expect(x.shape == [])
        #expect(x.scalar == 2.5)
        #expect(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]).description == "Tensor(shape: [2, 2], [[1.0, 2.0], [3.0, 4.0]])")
    }

    @Test func wrongScalarCountStopsNamingTheShape() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor(shape: [2, 2], scalars: [1, 2, 3])
        }
    }
}

@Suite struct TensorArithmeticTests {
    let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])

    @Test func sameShapeElementwise() {
        let b = Tensor(shape: [2, 3], scalars: [6, 5, 4, 3, 2, 1])
        #expect((a + b).scalars == [7, 7, 7, 7, 7, 7])
        #expect((a - b).scalars == [-5, -3, -1, 1, 3, 5])
        #expect((a * b).scalars == [6, 10, 12, 12, 10, 6])
        let quotients: [Float] = [1.0 / 6, 2.0 / 5, 3.0 / 4, 4.0 / 3, 5.0 / 2, 6]
        #expect((a / b).scalars == quotients)
    }

    @Test func broadcastsARowAcrossRows() {
        let row = Tensor([10, 20, 30])
        #expect((a + row).scalars == [11, 22, 33, 14, 25, 36])
        #expect((row * a).shape == [2, 3])
    }

    @Test func broadcastsAColumnAgainstARow() {
        let column = Tensor(shape: [2, 1], scalars: [1, 2])
        let row = Tensor(shape: [1, 3], scalars: [10, 20, 30])
        let sum = column + row
        #expect(sum.shape == [2, 3])
        #expect(sum.scalars == [11, 21, 31, 12, 22, 32])
    }

    @Test func broadcastsInTheMiddleOfHigherRanks() {
        let x = Tensor(shape: [2, 1, 2], scalars: [1, 2, 3, 4])
        let y = Tensor(shape: [3, 1], scalars: [10, 20, 30])
        let sum = x + y
        #expect(sum.shape == [2, 3, 2])
        #expect(sum.scalars == [11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34])
    }

    @Test func broadcastShapeRules() {
        #expect(Tensor.broadcastShape([8, 1, 6, 1], [7, 1, 5]) == [8, 7, 6, 5])
        #expect(Tensor.broadcastShape([5, 4], [1]) == [5, 4])
        #expect(Tensor.broadcastShape([], [3]) == [3])
    }

    @Test func incompatibleShapesStop() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([2])
        }
    }

    @Test func scalarArithmeticAndCompoundAssignment() {
        #expect((a * 2).scalars == [2, 4, 6, 8, 10, 12])
        #expect((1 - a).scalars == [0, -1, -2, -3, -4, -5])
        #expect((-a).scalars == [-1, -2, -3, -4, -5, -6])
        var x = a
        x += 1
        x *= Tensor([1, 0, 2])
        #expect(x.scalars == [2, 0, 8, 5, 0, 14])
    }

    @Test func unaryFunctions() {
        let x = Tensor([0, 1, 4])
        expectClose(exp(x).scalars, [1, 2.7182817, 54.59815])
        expectClose(log(Tensor([1, 2.7182817])).scalars, [0, 1])
        #expect(sqrt(x).scalars == [0, 1, 2])
        #expect(max(Tensor([-1, 2, -3]), 0).scalars == [0, 2, 0])
        #expect(max(Tensor([1, 5]), Tensor([3, 2])).scalars == [3, 5])
    }
}

@Suite struct TensorReductionTests {
    /// 2×3×4 tensor holding 0…23, so every reduction has a closed form.
    let x = Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Float.init))

    @Test func totals() {
        #expect(x.sum() == 276)
        #expect(x.mean() == 11.5)
        #expect(x.max() == 23)
        #expect(Tensor([1, .nan, 3]).max().isNaN)
    }

    @Test func sumAlongEachAxisMatchesLoops() {
        for axis in 0..<3 {
            var expectedShape = x.shape
            expectedShape.remove(at: axis)
            var expected = Tensor.zeros(expectedShape)
            for i in 0..<2 { for j in 0..<3 { for k in 0..<4 {
                var index = [i, j, k]
                index.remove(at: axis)
                let offset = expected.offset(of: index)
                expected.withUnsafeMutableBufferPointer { $0[offset] += x[i, j, k] }
            } } }
            #expect(x.sum(alongAxis: axis) == expected, "axis \(axis)")
        }
    }

    @Test func keepingDimensionAndNegativeAxes() {
        let sums = x.sum(alongAxis: -1, keepingDimension: true)
        #expect(sums.shape == [2, 3, 1])
        #expect(sums.scalars == [6, 22, 38, 54, 70, 86])
        #expect(x.mean(alongAxis: 1).scalars == [4, 5, 6, 7, 16, 17, 18, 19])
    }

    @Test func maxAndArgmaxAlongAxes() {
        let y = Tensor(shape: [2, 3], scalars: [3, 9, 1, 7, 7, 2])
        #expect(y.max(alongAxis: 1).scalars == [9, 7])
        #expect(y.max(alongAxis: 0).scalars == [7, 9, 2])
        #expect(y.argmax(alongAxis: 1).scalars == [1, 0], "ties go to the first index")
        #expect(y.argmax(alongAxis: 0).scalars == [1, 0, 1])
    }
}

@Suite struct TensorTransposeTests {
    @Test func matrixTranspose() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let t = x.transposed()
        #expect(t.shape == [3, 2])
        #expect(t.scalars == [1, 4, 2, 5, 3, 6])
    }

    @Test func swappingAnyTwoAxesMatchesIndexing() {
        let x = Seeded.uniform([2, 3, 4, 5])
        for (first, second) in [(0, 1), (1, 3), (0, 3), (2, 2)] {
            let t = x.transposed(first, second)
            for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { for l in 0..<5 {
                var index = [i, j, k, l]
                index.swapAt(first, second)
                if t[index[0], index[1], index[2], index[3]] != x[i, j, k, l] {
                    Issue.record("transposed(\(first), \(second)) differs at \([i, j, k, l])")
                    return
                }
            } } } }
        }
    }

    @Test func anyPermutationMatchesIndexing() {
        let x = Seeded.uniform([2, 3, 4, 5])
        for axes in [[2, 3, 1, 0], [0, 2, 3, 1], [3, 2, 1, 0], [0, 1, 2, 3]] {
            let p = x.permuted(axes: axes)
            #expect(p.shape == axes.map { x.shape[$0] })
            for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { for l in 0..<5 {
                let source = [i, j, k, l], index = axes.map { source[$0] }
                if p[index[0], index[1], index[2], index[3]] != x[i, j, k, l] {
                    Issue.record("permuted(axes: \(axes)) differs at \(source)")
                    return
                }
            } } } }
        }
    }
}

@Suite struct MatrixMultiplyTests {
    /// The textbook triple loop, in Double, as the reference for SGEMM.
    func naiveProduct(_ a: Tensor, transposed ta: Bool, _ b: Tensor, transposed tb: Bool) -> Tensor {
        let m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1]
        let n = tb ? b.shape[0] : b.shape[1]
        let x = a.scalars, y = b.scalars
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                sum += Double(ta ? x[p * m + i] : x[i * k + p]) * Double(tb ? y[j * k + p] : y[p * n + j])
            }
            c[i * n + j] = Float(sum)
        } }
        return Tensor(shape: [m, n], scalars: c)
    }

    @Test func handComputedProduct() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        // [1 2 3; 4 5 6]·[7 8; 9 10; 11 12] = [58 64; 139 154]
        #expect(Tensor.matmul(a, b).scalars == [58, 64, 139, 154])
    }

    @Test(arguments: [(1, 1, 1), (3, 5, 7), (17, 1, 33), (64, 288, 31), (65, 33, 129)])
    func matchesTripleLoopWithEveryTransposeCombination(m: Int, k: Int, n: Int) {
        for ta in [false, true] { for tb in [false, true] {
            let a = Seeded.uniform(ta ? [k, m] : [m, k], seed: UInt64(m * 1000 + k))
            let b = Seeded.uniform(tb ? [n, k] : [k, n], seed: UInt64(n * 1000 + k + 1))
            let product = Tensor.matmul(a, transposed: ta, b, transposed: tb)
            expectClose(product, naiveProduct(a, transposed: ta, b, transposed: tb), absolute: 1e-4,
                        "m \(m) k \(k) n \(n) transposeA \(ta) transposeB \(tb)")
        } }
    }

    @Test func emptyInnerDimensionGivesZeros() {
        #expect(Tensor.matmul(Tensor.zeros([2, 0]), Tensor.zeros([0, 3])) == Tensor.zeros([2, 3]))
    }

    @Test func mismatchedInnerDimensionsStop() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor.matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 2]))
        }
    }
}
