import BenchmarkSupport
import SwiftCNN

/// Times the inference forward pass and the training backward pass of each convolution of the benchmark
/// networks with im2col and OpenBLAS and with the direct kernels at several batch sizes: the
/// measurements behind `Conv2D.Algorithm.automatic`'s choice between them. Where Winograd's F(4×4, 3×3)
/// applies, its forward pass too (`Conv2D.Algorithm.winograd`).
struct AlgorithmComparison {
    let shapes: [ConvolutionShape]
    let batchSizes: [Int]
    let warmup: Int
    let repetitions: Int

    /// Prints one Markdown table row per shape and batch size on the current thread count.
    func printTable() throws {
        print("| shape | layers | batch | forward: im2col + SGEMM, µs | direct, µs | direct ÷ SGEMM | automatic "
              + "| Winograd, µs | Winograd ÷ direct | backward: im2col + SGEMM, µs | direct, µs | direct ÷ SGEMM |")
        print("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
        for shape in shapes {
            let product = try layer(like: shape, algorithm: .matrixProduct)
            let direct = try layer(like: shape, algorithm: .direct)
            let automatic = try layer(like: shape, algorithm: .automatic)
            let winograd = try layer(like: shape, algorithm: .winograd)
            for batch in batchSizes {
                var generator = Xoshiro256(seed: 3)
                let input = Tensor(randomUniform: [batch] + shape.inputShape, in: 0...1, using: &generator)
                let productSeconds = seconds(product, input)
                let directSeconds = seconds(direct, input)
                // The Winograd layer computes other bits than the automatic one only where the kernel applies.
                let winogradApplies = winograd.forward(input, training: false) != automatic.forward(input, training: false)
                let winogradSeconds = winogradApplies ? seconds(winograd, input) : nil
                let outputGradient = Tensor(randomNormal: [batch] + shape.outputShape, standardDeviation: 0.01, using: &generator)
                let productBackward = backwardSeconds(product, input, outputGradient, needsInputGradient: shape.needsInputGradient)
                let directBackward = backwardSeconds(direct, input, outputGradient, needsInputGradient: shape.needsInputGradient)
                // The automatic layer's output matches one of the two bit for bit: that is its choice. Both
                // can match: on an AVX-512 Xeon the two gave the same bits for most shapes.
                let chosen = automatic.forward(input, training: false)
                let matchesDirect = chosen == direct.forward(input, training: false)
                let matchesProduct = chosen == product.forward(input, training: false)
                let choice = matchesDirect && matchesProduct ? "either (same bits)"
                    : matchesDirect ? "direct" : matchesProduct ? "im2col + SGEMM" : "?"
                print("| \(shape) | \(shape.uses.joined(separator: ", ")) | \(batch) | \(format(productSeconds * 1e6)) "
                      + "| \(format(directSeconds * 1e6)) | \(String(format: "%.2f", directSeconds / productSeconds)) | \(choice) "
                      + "| \(winogradSeconds.map { format($0 * 1e6) } ?? "–") "
                      + "| \(winogradSeconds.map { String(format: "%.2f", $0 / directSeconds) } ?? "–") "
                      + "| \(format(productBackward * 1e6)) | \(format(directBackward * 1e6)) "
                      + "| \(String(format: "%.2f", directBackward / productBackward)) |")
            }
        }
    }

    /// A layer with `shape`'s configuration and `algorithm`, built for its input with the same weights as
    /// the others.
    private func layer(like shape: ConvolutionShape, algorithm: Conv2D.Algorithm) throws -> Conv2D {
        let model = shape.layer
        let layer = Conv2D(filters: model.filters, kernelSize: model.kernelSize, strides: model.strides,
                           padding: model.padding, useBias: model.useBias, activation: model.activation,
                           algorithm: algorithm)
        var generator = Xoshiro256(seed: 4)
        _ = try layer.build(inputShape: shape.inputShape, generator: &generator)
        return layer
    }

    /// The median seconds of the layer's inference forward pass over `input`.
    private func seconds(_ layer: Conv2D, _ input: Tensor) -> Double {
        for _ in 0..<warmup { _ = layer.forward(input, training: false) }
        return Timing.median((0..<repetitions).map { _ in
            Timing.seconds { _ = layer.forward(input, training: false) }
        })
    }

    /// The median seconds of the layer's backward pass, each after an untimed training forward pass.
    private func backwardSeconds(_ layer: Conv2D, _ input: Tensor, _ outputGradient: Tensor, needsInputGradient: Bool) -> Double {
        func pass() {
            _ = layer.forward(input, training: true)
            _ = layer.backward(outputGradient, needsInputGradient: needsInputGradient)
        }
        for _ in 0..<warmup { pass() }
        return Timing.median((0..<repetitions).map { _ in
            _ = layer.forward(input, training: true)
            return Timing.seconds { _ = layer.backward(outputGradient, needsInputGradient: needsInputGradient) }
        })
    }

    private func format(_ value: Double) -> String {
        String(format: value < 100 ? "%.1f" : "%.0f", value)
    }
}
