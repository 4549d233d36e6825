import ArgumentParser
import BenchmarkSupport
import COneDNN
import Foundation
import SwiftCNN

/// Times every distinct convolution of the benchmark networks in SwiftCNN and in oneDNN (FP32, and BF16
/// where the CPU has AVX512_BF16), forward and backward as training runs them, and prints one Markdown
/// table per thread count with the ratios of one run.
@main
struct OneDNNComparison: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "onednn-comparison",
        abstract: "Times each convolution of the benchmark networks in SwiftCNN and in oneDNN and prints a Markdown table.",
        discussion: """
            SwiftCNN's passes are the layer's own, as training runs them (forward with bias and activation; \
            backward with the activation's gradient, the kernel and bias gradients, and the input gradient \
            where training needs it). oneDNN's are its primitives on NHWC activations with the kernel in \
            the layout oneDNN prefers: forward with bias and a fused ReLU post-op, backward the weights \
            primitive (kernel and bias gradients) plus, where training needs it, the data primitive; \
            oneDNN does no activation gradient. Each figure is the median of --repetitions timed runs \
            after --warmup untimed ones; the two libraries alternate shape by shape.
            """)

    @Option(help: "Samples per pass.")
    var batchSize = ReferenceCNN.batchSize

    @Option(name: .customLong("threads"), help: "Threads to compute on; repeat the option for several counts.")
    var threadCounts: [Int] = [1, 2]

    @Option(help: "Untimed runs of each pass before timing.")
    var warmup = 3

    @Option(help: "Timed runs of each pass (the median counts).")
    var repetitions = 11

    @Flag(help: "Time SwiftCNN's passes with BF16 products and FP32 sums (Backend.precision = .bfloat16).")
    var bf16 = false

    func validate() throws {
        guard batchSize > 0, repetitions > 0, warmup >= 0 else {
            throw ValidationError("batch-size and repetitions must be positive, warmup not negative")
        }
        guard !threadCounts.isEmpty, threadCounts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--threads needs positive thread counts")
        }
    }

    func run() throws {
        if bf16 { Backend.precision = .bfloat16 }
        let shapes = try ConvolutionShape.all(in: BenchmarkNetwork.allCases)
        print("Convolutions of the benchmark networks at batch \(batchSize):")
        for (index, shape) in shapes.enumerated() {
            print("\(index + 1). \(shape): \(shape.uses.joined(separator: ", "))")
        }
        var implementations: [String: Set<String>] = [:]
        for threads in threadCounts {
            Backend.threadCount = threads
            print("\nCPU: \(Machine.cpuStamp)\n\(Backend.summary)\noneDNN \(Self.oneDNNVersion), \(threads) thread(s); "
                  + "milliseconds, medians of \(repetitions) runs after \(warmup) untimed; ÷ is SwiftCNN's time over oneDNN's\n")
            print("| # | forward: SwiftCNN | oneDNN FP32 | ÷ | oneDNN BF16 | ÷ | backward: SwiftCNN | oneDNN FP32 | ÷ | oneDNN BF16 | ÷ |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for (index, shape) in shapes.enumerated() {
                let ours = ConvolutionTiming(shape, batch: batchSize)
                let forward = ours.forwardSeconds(warmup: warmup, repetitions: repetitions)
                let backward = ours.backwardSeconds(warmup: warmup, repetitions: repetitions)
                let backwardPasses = [OneDNNBackwardWeights] + (shape.needsInputGradient ? [OneDNNBackwardData] : [])
                let cells = ["\(index + 1)", milliseconds(forward)]
                    + oneDNNCells(against: forward, shape, passes: [OneDNNForward], threads: threads, &implementations)
                    + [milliseconds(backward)]
                    + oneDNNCells(against: backward, shape, passes: backwardPasses, threads: threads, &implementations)
                print("| " + cells.joined(separator: " | ") + " |")
            }
        }
        print("\noneDNN's implementations (or why it had none):")
        for (pass, names) in implementations.sorted(by: { $0.key < $1.key }) {
            print("- \(pass): \(names.sorted().joined(separator: "; "))")
        }
    }

    /// oneDNN's time for `passes` together and SwiftCNN's time `ours` over it, in FP32 and then in BF16 (dashes
    /// where oneDNN has no implementation); records the implementations oneDNN chose.
    private func oneDNNCells(against ours: Double, _ shape: ConvolutionShape, passes: [OneDNNPass], threads: Int,
                             _ implementations: inout [String: Set<String>]) -> [String] {
        [false, true].flatMap { bf16 -> [String] in
            var total = 0.0
            for pass in passes {
                let (seconds, implementation) = oneDNNSeconds(shape, pass, bf16: bf16, threads: threads)
                implementations["\(bf16 ? "BF16" : "FP32") \(Self.name(of: pass))", default: []].insert(implementation)
                total = seconds < 0 || total < 0 ? -1 : total + seconds
            }
            return total < 0 ? ["—", "—"] : [milliseconds(total), String(format: "%.2f", ours / total)]
        }
    }

    /// The median seconds of oneDNN's `pass` for `shape`, and the implementation oneDNN chose; negative
    /// seconds, with the reason, when it has none.
    private func oneDNNSeconds(_ shape: ConvolutionShape, _ pass: OneDNNPass, bf16: Bool, threads: Int) -> (Double, String) {
        var description = Self.description(of: shape, batch: batchSize)
        var implementation = [CChar](repeating: 0, count: 256)
        let seconds = onednn_convolution_seconds(&description, pass, bf16 ? 1 : 0, Int32(threads), Int32(warmup),
                                                 Int32(repetitions), &implementation, implementation.count)
        return (seconds, Self.string(implementation))
    }

    /// oneDNN's description of `shape`: Keras's 'same' padding puts the odd pixel at the bottom and right.
    private static func description(of shape: ConvolutionShape, batch: Int) -> OneDNNConvolutionShape {
        let layer = shape.layer
        func padding(input: Int, output: Int, kernel: Int, stride: Int) -> (Int32, Int32) {
            guard layer.padding == .same else { return (0, 0) }
            let total = max((output - 1) * stride + kernel - input, 0)
            return (Int32(total / 2), Int32(total - total / 2))
        }
        let (top, bottom) = padding(input: shape.inputShape[0], output: shape.outputShape[0],
                                    kernel: layer.kernelSize.height, stride: layer.strides.height)
        let (left, right) = padding(input: shape.inputShape[1], output: shape.outputShape[1],
                                    kernel: layer.kernelSize.width, stride: layer.strides.width)
        return OneDNNConvolutionShape(
            batch: Int32(batch), height: Int32(shape.inputShape[0]), width: Int32(shape.inputShape[1]),
            channels: Int32(shape.inputShape[2]), filters: Int32(layer.filters),
            kernelHeight: Int32(layer.kernelSize.height), kernelWidth: Int32(layer.kernelSize.width),
            strideHeight: Int32(layer.strides.height), strideWidth: Int32(layer.strides.width),
            padTop: top, padLeft: left, padBottom: bottom, padRight: right,
            outputHeight: Int32(shape.outputShape[0]), outputWidth: Int32(shape.outputShape[1]),
            hasBias: layer.useBias ? 1 : 0, relu: layer.activation == .relu ? 1 : 0)
    }

    private static func name(of pass: OneDNNPass) -> String {
        switch pass {
        case OneDNNForward: return "forward"
        case OneDNNBackwardData: return "input gradient"
        default: return "kernel gradient"
        }
    }

    private static var oneDNNVersion: String {
        var version = [CChar](repeating: 0, count: 32)
        onednn_version(&version, version.count)
        return string(version)
    }

    /// The text a C function wrote into `buffer`, up to its terminating zero.
    private static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func milliseconds(_ seconds: Double) -> String {
        String(format: "%.3f", seconds * 1000)
    }
}
