@testable import SwiftCNN
import TestSupport
import Testing

/// Pooling windows and the batches they are tried on.
private let poolingCases: [WindowCase] = [
    WindowCase(input: [2, 4, 4, 3], window: (2, 2), strides: (2, 2), padding: .valid),
    WindowCase(input: [2, 5, 5, 2], window: (2, 2), strides: (2, 2), padding: .valid),
    WindowCase(input: [2, 5, 5, 2], window: (2, 2), strides: (2, 2), padding: .same),
    WindowCase(input: [1, 7, 6, 3], window: (3, 3), strides: (2, 2), padding: .same),
    WindowCase(input: [2, 6, 7, 1], window: (3, 2), strides: (1, 2), padding: .valid),
    WindowCase(input: [1, 5, 5, 4], window: (3, 3), strides: (1, 1), padding: .same),
    WindowCase(input: [1, 4, 6, 2], window: (2, 2), strides: (3, 3), padding: .valid),
]

/// Distinct values with gaps of 0.01, shuffled: no ties for max pooling to break, and no two values
/// within a finite-difference step of each other.
private func distinctValues(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = Seeded.generator(seed)
    let count = shape.reduce(1, *)
    let values = (0..<count).map { Float($0 - count / 2) * 0.01 }.shuffled(using: &generator)
    return Tensor(shape: shape, scalars: values)
}

@Suite("Pooling")
struct PoolingTests {
    // x = 0  1  2  3
    //     4  5  6  7
    //     8  9 10 11
    //    12 13 14 15
    private let grid = Tensor(shape: [1, 4, 4, 1], scalars: (0..<16).map(Float.init))

    @Test("2×2 max and average pooling of a 4×4 grid, worked by hand")
    func handWorked() throws {
        let testCase = WindowCase(input: [1, 4, 4, 1], window: (2, 2), strides: (2, 2), padding: .valid)
        // Windows {0,1,4,5}, {2,3,6,7}, {8,9,12,13}, {10,11,14,15}.
        let maxPool = try testCase.build(MaxPool2D(poolSize: 2))
        #expect(maxPool.forward(grid, training: true) == Tensor(shape: [1, 2, 2, 1], scalars: [5, 7, 13, 15]))
        let averagePool = try testCase.build(AveragePool2D(poolSize: 2))
        #expect(averagePool.forward(grid, training: true) == Tensor(shape: [1, 2, 2, 1], scalars: [2.5, 4.5, 10.5, 12.5]))
        // Each gradient goes to its window's maximum, or is shared by the four cells.
        let outputGradient = Tensor(shape: [1, 2, 2, 1], scalars: [1, 2, 3, 4])
        #expect(maxPool.backward(outputGradient) == Tensor(shape: [1, 4, 4, 1], scalars: [
            0, 0, 0, 0,
            0, 1, 0, 2,
            0, 0, 0, 0,
            0, 3, 0, 4,
        ]))
        #expect(averagePool.backward(outputGradient) == Tensor(shape: [1, 4, 4, 1], scalars: [
            0.25, 0.25, 0.5, 0.5,
            0.25, 0.25, 0.5, 0.5,
            0.75, 0.75, 1, 1,
            0.75, 0.75, 1, 1,
        ]))
    }

    @Test("With same padding, padding cells neither win a max nor count in an average (Keras)")
    func samePaddingWorkedByHand() throws {
        // x = 1 2 3   2×2 windows, stride 2, same: output 2×2, padding total 1 per axis, all of it after.
        //     4 5 6   Windows {1,2,4,5}, {3,6}, {7,8}, {9}: max 5, 6, 8, 9; mean 3, 4.5, 7.5, 9.
        //     7 8 9   With negative inputs a zero pad would win the max; it must not.
        let testCase = WindowCase(input: [1, 3, 3, 1], window: (2, 2), strides: (2, 2), padding: .same)
        let x = Tensor(shape: [1, 3, 3, 1], scalars: (1...9).map(Float.init))
        let maxPool = try testCase.build(MaxPool2D(poolSize: 2, padding: .same))
        #expect(maxPool.forward(x, training: true) == Tensor(shape: [1, 2, 2, 1], scalars: [5, 6, 8, 9]))
        #expect(maxPool.forward(-x, training: true) == Tensor(shape: [1, 2, 2, 1], scalars: [-1, -3, -7, -9]))
        let averagePool = try testCase.build(AveragePool2D(poolSize: 2, padding: .same))
        #expect(averagePool.forward(x, training: true) == Tensor(shape: [1, 2, 2, 1], scalars: [3, 4.5, 7.5, 9]))
    }

    @Test("Max pooling matches the definition, forward and backward", arguments: poolingCases)
    fileprivate func maxPoolMatchesReference(_ testCase: WindowCase) throws {
        let geometry = try testCase.geometry()
        let x = Seeded.uniform(testCase.input, seed: 12)
        var y = Tensor(shape: [0]), argmax: [Int32] = []
        maxPool(x, geometry: geometry, into: &y, argmax: &argmax)
        #expect(y == maxPoolReference(x, geometry: geometry))

        let outputGradient = Seeded.uniform(y.shape, seed: 13)
        var inputGradient = Tensor(shape: [0])
        maxPoolBackward(outputGradient, argmax: argmax, geometry: geometry, into: &inputGradient)
        expectClose(inputGradient, maxPoolBackwardReference(outputGradient, input: x, geometry: geometry))
    }

    @Test("Max pooling sends a tied window's gradient to its first maximum only")
    func ties() throws {
        let geometry = try WindowCase(input: [1, 2, 2, 1], window: (2, 2), strides: (2, 2), padding: .valid).geometry()
        var y = Tensor(shape: [0]), argmax: [Int32] = [], inputGradient = Tensor(shape: [0])
        maxPool(Tensor(shape: [1, 2, 2, 1], repeating: 3), geometry: geometry, into: &y, argmax: &argmax)
        maxPoolBackward(Tensor(shape: [1, 1, 1, 1], repeating: 1), argmax: argmax, geometry: geometry, into: &inputGradient)
        #expect(inputGradient.scalars == [1, 0, 0, 0])
    }

    @Test("Average pooling matches the definition, forward and backward", arguments: poolingCases)
    fileprivate func averagePoolMatchesReference(_ testCase: WindowCase) throws {
        let geometry = try testCase.geometry()
        let x = Seeded.uniform(testCase.input, seed: 14)
        var y = Tensor(shape: [0])
        averagePool(x, geometry: geometry, into: &y)
        expectClose(y, averagePoolReference(x, geometry: geometry))

        let outputGradient = Seeded.uniform(y.shape, seed: 15)
        var inputGradient = Tensor(shape: [0])
        averagePoolBackward(outputGradient, geometry: geometry, into: &inputGradient)
        expectClose(inputGradient, averagePoolBackwardReference(outputGradient, geometry: geometry))
    }

    @Test("MaxPool2D backward matches finite differences", arguments: poolingCases)
    fileprivate func maxPoolGradients(_ testCase: WindowCase) throws {
        let layer = try testCase.build(MaxPool2D(poolSize: testCase.window, strides: testCase.strides,
                                                 padding: testCase.padding))
        checkGradients(of: layer, input: distinctValues(testCase.input, seed: 16))
    }

    @Test("AveragePool2D backward matches finite differences", arguments: poolingCases)
    fileprivate func averagePoolGradients(_ testCase: WindowCase) throws {
        let layer = try testCase.build(AveragePool2D(poolSize: testCase.window, strides: testCase.strides,
                                                     padding: testCase.padding))
        checkGradients(of: layer, input: Seeded.uniform(testCase.input, seed: 17))
    }

    @Test("Output shapes follow the padding and strides; strides default to the pool size")
    func outputShapes() throws {
        func outputShape(_ layer: Layer, _ input: [Int]) throws -> [Int] {
            var generator = Seeded.generator()
            return try layer.build(inputShape: input, generator: &generator)
        }
        #expect(try outputShape(MaxPool2D(), [26, 26, 32]) == [13, 13, 32])
        #expect(try outputShape(MaxPool2D(poolSize: 2), [11, 11, 64]) == [5, 5, 64])
        #expect(try outputShape(MaxPool2D(poolSize: 2, padding: .same), [11, 11, 64]) == [6, 6, 64])
        #expect(try outputShape(AveragePool2D(poolSize: 3, strides: 1, padding: .same), [7, 9, 2]) == [7, 9, 2])
        #expect(try outputShape(AveragePool2D(poolSize: 3, strides: 2), [7, 9, 2]) == [3, 4, 2])
        #expect(try outputShape(AveragePool2D(poolSize: (2, 3)), [8, 9, 1]) == [4, 3, 1])
        #expect(try outputShape(MaxPool2D(poolSize: (2, 2), strides: (1, 2)), [4, 4, 1]) == [3, 2, 1])

        let layer = MaxPool2D(poolSize: 3)
        #expect(layer.poolSize == (3, 3) && layer.strides == (3, 3) && layer.padding == .valid)
        #expect(layer.parameters.isEmpty)
        let average = AveragePool2D(poolSize: (2, 3), strides: (1, 1), padding: .same)
        #expect(average.poolSize == (2, 3) && average.strides == (1, 1) && average.padding == .same)
    }

    @Test("Building rejects inputs that are not images or smaller than a valid window")
    func buildRejectsIncompatibleInput() {
        var generator = Seeded.generator()
        #expect(throws: LayerError.self) { _ = try MaxPool2D().build(inputShape: [28, 28], generator: &generator) }
        #expect(throws: LayerError.self) { _ = try MaxPool2D(poolSize: 3).build(inputShape: [2, 8, 1], generator: &generator) }
        #expect(throws: LayerError.self) { _ = try AveragePool2D().build(inputShape: [10], generator: &generator) }
        #expect(throws: LayerError.self) { _ = try AveragePool2D(poolSize: 4).build(inputShape: [3, 3, 1], generator: &generator) }
        #expect(throws: Never.self) { try AveragePool2D(poolSize: 4, padding: .same).build(inputShape: [3, 3, 1], generator: &generator) }
    }

    @Test("Pooling layers reuse their buffers once warmed up, and kept outputs stay intact")
    func workspacesAreReused() throws {
        let testCase = WindowCase(input: [4, 6, 6, 3], window: (2, 2), strides: (2, 2), padding: .valid)
        let x1 = Seeded.uniform(testCase.input, seed: 18), x2 = Seeded.uniform(testCase.input, seed: 19)
        let outputGradient = Seeded.uniform([4, 3, 3, 3], seed: 20)
        for layer in [try testCase.build(MaxPool2D()) as Layer, try testCase.build(AveragePool2D())] {
            func step() -> [UnsafeMutablePointer<Float>] {
                let output = layer.forward(x1, training: true)
                return [output.storage.pointer, layer.backward(outputGradient).storage.pointer]
            }
            let first = step()
            #expect(step() == first, "\(layer.name)")

            let kept = layer.forward(x1, training: true)
            let values = kept.scalars
            _ = layer.forward(x2, training: true)
            #expect(kept.scalars == values, "\(layer.name)")
        }
    }
}
