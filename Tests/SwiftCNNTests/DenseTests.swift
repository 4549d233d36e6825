import Foundation
import SwiftCNN
import TestSupport
import Testing

/// A built Dense layer for inputs of `features`, its weights drawn from `seed`.
private func builtDense(features: Int, units: Int, activation: Activation = .linear, useBias: Bool = true,
                        seed: UInt64 = 1) throws -> Dense {
    let layer = Dense(units: units, activation: activation, useBias: useBias)
    var generator = Seeded.generator(seed)
    let outputShape = try layer.build(inputShape: [features], generator: &generator)
    #expect(outputShape == [units])
    if let bias = layer.bias {
        // A non-zero bias, so that its gradient and its place in the forward pass are exercised.
        bias.value = Seeded.uniform([units], seed: seed + 1)
    }
    return layer
}

/// The address of a tensor's first element: equal across two steps when a workspace was reused.
private func address(of tensor: Tensor) -> UnsafePointer<Float>? {
    tensor.withUnsafeBufferPointer { $0.baseAddress }
}

@Suite struct DenseTests {
    @Test func forwardOfATinyLayerMatchesTheHandComputation() throws {
        let layer = try builtDense(features: 2, units: 3, activation: .relu)
        layer.kernel.value = Tensor(shape: [2, 3], scalars: [0.5, -1, 2,
                                                            1, 0, -0.5])
        layer.bias!.value = Tensor([0.1, 0.2, -0.3])
        let x = Tensor(shape: [2, 2], scalars: [1, 2,
                                                -1, 0.5])
        // x·W: row 1 = [1·0.5 + 2·1, 1·(−1) + 2·0, 1·2 + 2·(−0.5)] = [2.5, −1, 1]
        //      row 2 = [−0.5 + 0.5, 1 + 0, −2 − 0.25]              = [0, 1, −2.25]
        // + b:         [2.6, −0.8, 0.7] and [0.1, 1.2, −2.55];  ReLU: [2.6, 0, 0.7] and [0.1, 1.2, 0]
        let y = layer.forward(x, training: false)
        expectClose(y, Tensor(shape: [2, 3], scalars: [2.6, 0, 0.7, 0.1, 1.2, 0]))
    }

    @Test func forwardMatchesANaiveProductForEveryActivation() throws {
        let activations: [Activation] = [.linear, .relu, .leakyReLU(slope: 0.2), .sigmoid, .tanh]
        let x = Seeded.uniform([5, 7], seed: 3)
        for activation in activations {
            let layer = try builtDense(features: 7, units: 4, activation: activation)
            let w = layer.kernel.value, b = layer.bias!.value
            var expected = [Float]()
            for n in 0..<5 {
                for u in 0..<4 {
                    var z = Double(b[u])
                    for f in 0..<7 { z += Double(x[n, f]) * Double(w[f, u]) }
                    expected.append(Float(z))
                }
            }
            let reference = Tensor(shape: [5, 4], scalars: expected).map { activate($0, activation) }
            expectClose(layer.forward(x, training: false), reference, "\(activation)")
        }
    }

    /// Each shape's multiply-adds are past the size at which Dense splits its products across threads.
    /// 64 × 256 → 32 splits the output and the input gradient by samples; 8 × 300 → 130 (more units and
    /// features than samples) splits the output by units (2 chunks) and the input gradient by features
    /// (4 chunks), with ReLU's derivative taken before and without one. The kernel gradient is split by
    /// input features in both.
    @Test(arguments: [(64, 256, 32, Activation.relu), (8, 300, 130, .relu), (8, 300, 130, .linear)])
    func aLayerLargeEnoughToSplitMatchesNaiveProducts(_ shape: (Int, Int, Int, Activation)) throws {
        let (batch, features, units, activation) = shape
        let layer = try builtDense(features: features, units: units, activation: activation, seed: 3)
        let x = Seeded.uniform([batch, features], seed: 4), dy = Seeded.uniform([batch, units], seed: 5)
        let w = layer.kernel.value, b = layer.bias!.value
        var y = [Float](), dz = [Float]()
        for n in 0..<batch {
            for u in 0..<units {
                var z = Double(b[u])
                for f in 0..<features { z += Double(x[n, f]) * Double(w[f, u]) }
                y.append(activate(Float(z), activation))
                dz.append(z > 0 || activation == .linear ? dy[n, u] : 0)
            }
        }
        expectClose(layer.forward(x, training: true), Tensor(shape: [batch, units], scalars: y), absolute: 1e-5)
        let dx = try #require(layer.backward(dy, needsInputGradient: true))
        let gradient = Tensor(shape: [batch, units], scalars: dz)
        var expectedInput = [Float](), expectedKernel = [Float](), expectedBias = [Float]()
        for n in 0..<batch {
            for f in 0..<features {
                expectedInput.append(Float((0..<units).reduce(0.0) { $0 + Double(gradient[n, $1]) * Double(w[f, $1]) }))
            }
        }
        for f in 0..<features {
            for u in 0..<units {
                expectedKernel.append(Float((0..<batch).reduce(0.0) { $0 + Double(x[$1, f]) * Double(gradient[$1, u]) }))
            }
        }
        for u in 0..<units { expectedBias.append(Float((0..<batch).reduce(0.0) { $0 + Double(gradient[$1, u]) })) }
        expectClose(dx, Tensor(shape: [batch, features], scalars: expectedInput), absolute: 1e-5)
        expectClose(layer.kernel.gradient, Tensor(shape: [features, units], scalars: expectedKernel), absolute: 1e-4)
        expectClose(layer.bias!.gradient, Tensor(shape: [units], scalars: expectedBias), absolute: 1e-4)
    }

    @Test func buildChecksTheInputAndInitialisesGlorotUniform() throws {
        var generator = Seeded.generator()
        #expect(throws: LayerError.self) { _ = try Dense(units: 3).build(inputShape: [4, 4, 1], generator: &generator) }
        #expect(throws: LayerError.self) { _ = try Dense(units: 3).build(inputShape: [], generator: &generator) }

        let layer = try builtDense(features: 20, units: 10, seed: 5)
        #expect(layer.kernel.value.shape == [20, 10])
        #expect(layer.parameterCount == 20 * 10 + 10)
        #expect(layer.parameters.map(\.name) == ["kernel", "bias"])
        let limit = (6 / Float(20 + 10)).squareRoot()
        #expect(layer.kernel.value.scalars.allSatisfy { abs($0) <= limit })
        // Uniform on ±limit: the spread reaches well past half the limit on both sides.
        #expect(layer.kernel.value.max() > limit / 2 && (-layer.kernel.value).max() > limit / 2)

        let fresh = Dense(units: 10)
        var again = Seeded.generator(5)
        _ = try fresh.build(inputShape: [20], generator: &again)
        #expect(fresh.kernel.value == layer.kernel.value)
        #expect(fresh.bias!.value == Tensor(shape: [10]))
    }

    @Test func configurationIsReadable() {
        let layer = Dense(units: 64, activation: .relu, useBias: false)
        #expect(layer.units == 64 && layer.activation == .relu && !layer.useBias)
        #expect(layer.bias == nil && layer.parameters.map(\.name) == ["kernel"])
        #expect(layer.name == "dense")
    }

    @Test(arguments: [Activation.linear, .sigmoid, .tanh, .leakyReLU(slope: 0.3), .relu])
    func gradientsMatchFiniteDifferences(activation: Activation) throws {
        let layer = try builtDense(features: 6, units: 4, activation: activation, seed: 11)
        checkGradients(of: layer, input: Seeded.uniform([3, 6], seed: 12))
    }

    @Test func gradientsWithoutBiasMatchFiniteDifferences() throws {
        let layer = try builtDense(features: 5, units: 3, activation: .tanh, useBias: false)
        #expect(layer.parameters.count == 1)
        checkGradients(of: layer, input: Seeded.uniform([4, 5], seed: 13))
    }

    @Test func skippingTheInputGradientStillSetsParameterGradients() throws {
        let layer = try builtDense(features: 5, units: 3, activation: .sigmoid)
        let x = Seeded.uniform([4, 5], seed: 14), dy = Seeded.uniform([4, 3], seed: 15)
        _ = layer.forward(x, training: true)
        _ = layer.backward(dy, needsInputGradient: true)
        let kernelGradient = layer.kernel.gradient, biasGradient = layer.bias!.gradient
        _ = layer.forward(x, training: true)
        #expect(layer.backward(dy, needsInputGradient: false) == nil)
        #expect(layer.kernel.gradient == kernelGradient)
        #expect(layer.bias!.gradient == biasGradient)
    }

    @Test func aWarmStepReusesItsWorkspaces() throws {
        let layer = try builtDense(features: 8, units: 6, activation: .relu)
        let x = Seeded.uniform([4, 8], seed: 16), dy = Seeded.uniform([4, 6], seed: 17)
        func step() -> (output: UnsafePointer<Float>?, inputGradient: UnsafePointer<Float>?, kernelGradient: UnsafePointer<Float>?) {
            let output = address(of: layer.forward(x, training: true))
            let inputGradient = address(of: layer.backward(dy))
            return (output, inputGradient, address(of: layer.kernel.gradient))
        }
        let first = step(), second = step()
        #expect(first.output == second.output)
        #expect(first.inputGradient == second.inputGradient)
        #expect(first.kernelGradient == second.kernelGradient)
    }

    @Test func aKeptOutputKeepsItsValues() throws {
        let layer = try builtDense(features: 3, units: 2)
        let first = layer.forward(Seeded.uniform([2, 3], seed: 18), training: false)
        let copy = first.scalars
        _ = layer.forward(Seeded.uniform([2, 3], seed: 19), training: false)
        #expect(first.scalars == copy)
    }
}
