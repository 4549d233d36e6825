@testable import SwiftCNN
import Foundation
import TestSupport
import Testing

@Suite("Initializers")
struct InitializerTests {
    private func draw(_ initializer: Initializer, _ shape: [Int], fanIn: Int, fanOut: Int, seed: UInt64 = 3) -> Tensor {
        var generator = Xoshiro256(seed: seed)
        return initializer.tensor(shape: shape, fanIn: fanIn, fanOut: fanOut, using: &generator)
    }

    private func standardDeviation(_ tensor: Tensor) -> Float {
        let mean = tensor.mean()
        return tensor.scalars.map { ($0 - mean) * ($0 - mean) }.reduce(0, +).squareRoot()
            / Float(tensor.count).squareRoot()
    }

    @Test("The default kernel draws exactly what Glorot-uniform always drew, so seeded runs keep their weights")
    func glorotUnchanged() {
        var generator = Xoshiro256(seed: 3)
        // What Tensor(glorotUniform:fanIn:fanOut:using:) drew before initializers existed: ±√(6 / (72 + 144)).
        let limit = (6 / Float(72 + 144)).squareRoot()
        let before = Tensor(randomUniform: [3, 3, 8, 16], in: -limit...limit, using: &generator)
        let now = draw(.glorotUniform, [3, 3, 8, 16], fanIn: 72, fanOut: 144)
        #expect(now.scalars.map(\.bitPattern) == before.scalars.map(\.bitPattern))
    }

    @Test("Uniform variance scaling fills ±√(3·scale/n) for each fan mode")
    func uniformLimits() {
        // fanIn 144, fanOut 288: PyTorch's default (scale 1/3, fan-in) is ±1/√144 = ±1/12; He-uniform ±√(6/144);
        // fan-out scale 1 ±√(3/288); fan-average scale 1 (Glorot) ±√(6/432).
        let cases: [(Initializer, Float)] = [
            (.varianceScaling(scale: 1 / 3, mode: .fanIn, distribution: .uniform), 1 / 12),
            (.heUniform, (6 / Float(144)).squareRoot()),
            (.lecunUniform, (3 / Float(144)).squareRoot()),
            (.varianceScaling(scale: 1, mode: .fanOut, distribution: .uniform), (3 / Float(288)).squareRoot()),
            (.glorotUniform, (6 / Float(432)).squareRoot()),
        ]
        for (initializer, limit) in cases {
            let values = draw(initializer, [20_000], fanIn: 144, fanOut: 288)
            #expect(values.scalars.allSatisfy { abs($0) <= limit * (1 + 1e-6) }, "\(initializer)")
            #expect(values.max() > 0.99 * limit && values.scalars.min()! < -0.99 * limit, "\(initializer) fills its range")
        }
    }

    @Test("Truncated normals stop at two standard deviations of the underlying normal and keep the variance scale/n")
    func truncatedNormal() {
        // He-normal on fanIn 50: the variance is 2/50, so the standard deviation 0.2, drawn from a normal of
        // 0.2 / 0.87962566 = 0.22737 cut at ±0.45474.
        let values = draw(.heNormal, [100_000], fanIn: 50, fanOut: 7)
        let cut = 2 * 0.2 / Float(0.87962566)
        #expect(values.scalars.allSatisfy { abs($0) <= cut * (1 + 1e-6) })
        #expect(values.max() > 0.98 * cut)
        #expect(abs(standardDeviation(values) - 0.2) < 0.004)
        let plain = draw(.varianceScaling(scale: 2, mode: .fanIn, distribution: .untruncatedNormal), [100_000],
                         fanIn: 50, fanOut: 7)
        #expect(abs(standardDeviation(plain) - 0.2) < 0.004)
        #expect(plain.max() > cut, "an untruncated normal of 100,000 draws passes 2.27 deviations")
        let glorot = draw(.glorotNormal, [100_000], fanIn: 30, fanOut: 70)
        #expect(abs(standardDeviation(glorot) - (2 / Float(100)).squareRoot()) < 0.003)
    }

    @Test("Constants, and uniform and normal ranges of one's own")
    func plainDistributions() {
        #expect(draw(.zeros, [4], fanIn: 1, fanOut: 1).scalars == [0, 0, 0, 0])
        #expect(draw(.ones, [2], fanIn: 1, fanOut: 1).scalars == [1, 1])
        #expect(draw(.constant(-0.25), [3], fanIn: 1, fanOut: 1).scalars == [-0.25, -0.25, -0.25])
        let uniform = draw(.randomUniform(minimum: 2, maximum: 3), [10_000], fanIn: 1, fanOut: 1)
        #expect(uniform.scalars.min()! >= 2 && uniform.max() <= 3 && abs(uniform.mean() - 2.5) < 0.02)
        let normal = draw(.randomNormal(mean: -1, standardDeviation: 0.5), [50_000], fanIn: 1, fanOut: 1)
        #expect(abs(normal.mean() + 1) < 0.01 && abs(standardDeviation(normal) - 0.5) < 0.01)
    }

    @Test("Layers draw their kernels and biases with their own fans")
    func layersUseTheirFans() throws {
        let pyTorchDefault = Initializer.varianceScaling(scale: 1 / 3, mode: .fanIn, distribution: .uniform)
        let convolution = Conv2D(filters: 4, kernelSize: 3, kernelInitializer: .constant(0.5), biasInitializer: .constant(-1))
        let depthwise = DepthwiseConv2D(kernelSize: 2, biasInitializer: pyTorchDefault)
        let dense = Dense(units: 3, kernelInitializer: pyTorchDefault, biasInitializer: pyTorchDefault)
        _ = try Sequential(inputShape: [6, 6, 2], seed: 1) {
            convolution
            depthwise
            Flatten()
            dense
        }
        #expect(convolution.kernel.value.scalars.allSatisfy { $0 == 0.5 })
        #expect(convolution.bias?.value.scalars == [-1, -1, -1, -1])
        // The depthwise bias's fan-in is the 2×2 window over 4 channels: ±1/√16.
        let depthwiseBias = try #require(depthwise.bias).value
        #expect(depthwiseBias.scalars.allSatisfy { abs($0) <= 0.25 } && depthwiseBias.scalars.contains { $0 != 0 })
        // The dense layer reads 3·3·4 = 36 features: kernel and bias within ±1/6.
        let values = dense.kernel.value.scalars + (try #require(dense.bias)).value.scalars
        #expect(values.allSatisfy { abs($0) <= Float(1) / 6 } && values.max()! > 0.1)
    }

    @Test("Initializers other than the defaults are saved with the model; a file's are checked")
    func savedAndChecked() throws {
        let model = try Sequential(inputShape: [5, 5, 1], seed: 2) {
            Conv2D(filters: 2, kernelSize: 3, kernelInitializer: .heNormal, biasInitializer: .constant(0.1))
            Flatten()
            Dense(units: 2)
        }
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            try model.save(to: url)
            let loaded = try Sequential(contentsOf: url)
            let convolution = try #require(loaded.layers[0] as? Conv2D)
            #expect(convolution.kernelInitializer == .heNormal && convolution.biasInitializer == .constant(0.1))
            let dense = try #require(loaded.layers[2] as? Dense)
            #expect(dense.kernelInitializer == .glorotUniform && dense.biasInitializer == .zeros)
            #expect(dense.configuration.kernelInitializer == nil, "defaults are not written")
        }
        let json = """
            {"units": 2, "activation": "linear", "useBias": true,
             "kernelInitializer": {"name": "variance_scaling", "scale": -1, "mode": "fan_in", "distribution": "uniform"}}
            """
        let configuration = try JSONDecoder().decode(Dense.Configuration.self, from: Data(json.utf8))
        #expect(throws: LayerConfigurationError("kernelInitializer: variance scaling needs a finite scale > 0, got -1.0")) {
            _ = try Dense(configuration: configuration)
        }
        let unknown = #"{"name": "orthogonal"}"#
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(Initializer.self, from: Data(unknown.utf8)) }
    }
}
