import ArgumentParser
import BenchmarkSupport
import CMalloc
import Foundation
import SwiftCNN

/// Measures every distinct convolution of the benchmark set's networks, forward and backward as training
/// runs them, against the machine's SGEMM on the same thread count: on a large square product (the
/// peak) and on the convolution's own im2col products. Prints one Markdown table per thread count.
@main
struct ConvEfficiency: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv-efficiency",
        abstract: "Times each convolution of the benchmark networks against SGEMM and prints a Markdown table.",
        discussion: """
            GFLOP/s count a multiply-add as two: 2·N·Ho·Wo·Kh·Kw·Cin·Cout per product, two products \
            backward (kernel and input gradients), one where training computes no input gradient. Each \
            figure is the median of --repetitions timed runs after --warmup untimed ones.
            """)

    @Option(help: "Samples per pass.")
    var batchSize = ReferenceCNN.batchSize

    @Option(name: .customLong("threads"), help: "Threads to compute on; repeat the option for several counts.")
    var threadCounts: [Int] = [1, 2]

    @Option(help: "Untimed runs of each pass and product before timing.")
    var warmup = 3

    @Option(help: "Timed runs of each pass and product (the median counts).")
    var repetitions = 20

    @Option(help: "The size n of the square SGEMM that gives the peak rate.")
    var peakSize = 1024

    @Option(name: .customLong("results"), help: "Also append each RESULT (one JSON line) to this file.")
    var resultsPath: String?

    @Flag(help: "Time the convolutions with BF16 products and FP32 sums (Backend.precision = .bfloat16); SGEMM stays FP32.")
    var bf16 = false

    @Option(name: .customLong("compare-algorithms"), parsing: .upToNextOption, help: """
        Instead of the SGEMM tables: time each convolution's inference forward pass with im2col and SGEMM \
        and with the direct kernel at these batch sizes, and show which one Conv2D's automatic algorithm picks.
        """)
    var algorithmBatchSizes: [Int] = []

    func validate() throws {
        guard batchSize > 0, repetitions > 0, warmup >= 0, peakSize > 0 else {
            throw ValidationError("batch-size, repetitions and peak-size must be positive, warmup not negative")
        }
        guard !threadCounts.isEmpty, threadCounts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--threads needs positive thread counts")
        }
        guard algorithmBatchSizes.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--compare-algorithms needs positive batch sizes")
        }
    }

    func run() throws {
        // Tensor.matmul returns a fresh tensor per product, 58 MB for the largest at batch 64. glibc would
        // map each one afresh, and the product would pay its page faults, which no warmed-up layer pays;
        // from the heap, never trimmed, the same memory serves product after product (measured: the
        // process's page faults no longer grow with the repetitions).
        mallopt(M_MMAP_MAX, 0)
        mallopt(M_TRIM_THRESHOLD, Int32.max)
        if bf16 { Backend.precision = .bfloat16 }
        let shapes = try ConvolutionShape.all(in: BenchmarkNetwork.allCases)
        print("Convolutions of the benchmark networks at batch \(batchSize):")
        for (index, shape) in shapes.enumerated() {
            print("\(index + 1). \(shape): \(shape.uses.joined(separator: ", "))")
        }
        if !algorithmBatchSizes.isEmpty {
            // Only the convolutions that the direct kernel for several channels can run.
            let comparison = AlgorithmComparison(shapes: shapes.filter { $0.inputShape[2] > 1 && $0.layer.filters % 16 == 0 },
                                                 batchSizes: algorithmBatchSizes, warmup: warmup, repetitions: repetitions)
            for threads in threadCounts {
                Backend.threadCount = threads
                print("\nCPU: \(Machine.cpuStamp)\n\(Backend.summary)\nInference forward passes on \(threads) thread(s), "
                      + "medians of \(repetitions) runs after \(warmup) untimed\n")
                try comparison.printTable()
            }
            return
        }
        for threads in threadCounts {
            Backend.threadCount = threads
            let peakSeconds = SGEMMTiming.medianSeconds([peakSize, peakSize], [peakSize, peakSize],
                                                        warmup: warmup, repetitions: repetitions)
            let peak = Timing.gigaflopsPerSecond(flops: 2 * pow(Double(peakSize), 3), seconds: peakSeconds)
            print("\nCPU: \(Machine.cpuStamp)\n\(Backend.summary)")
            print("Peak SGEMM (\(peakSize)³, Tensor.matmul): \(format(peak, places: 1)) GFLOP/s; "
                  + "medians of \(repetitions) runs after \(warmup) untimed\n")
            print("| # | shape | direction | MFLOP | ms | GFLOP/s | % of peak SGEMM | SGEMM on this shape, GFLOP/s | % of same-shape SGEMM |")
            print("|---|---|---|---:|---:|---:|---:|---:|---:|")
            // The RESULT lines follow the table, so that the table's lines stay together.
            var results: [ConvolutionResult] = []
            for (index, shape) in shapes.enumerated() {
                for result in measure(shape, threads: threads, peak: peak) {
                    results.append(result)
                    print("| \(index + 1) | \(result.shape) | \(result.direction) | \(format(result.megaflops, places: 1)) "
                          + "| \(format(result.medianMilliseconds, places: 3)) | \(format(result.gigaflopsPerSecond, places: 1)) "
                          + "| \(format(result.percentOfPeakSGEMM, places: 0)) "
                          + "| \(format(result.shapeSGEMMGigaflopsPerSecond, places: 1)) "
                          + "| \(format(result.percentOfShapeSGEMM, places: 0)) |")
                }
            }
            print()
            for result in results {
                try ResultRecord.emit(result, appendingTo: resultsPath)
            }
        }
    }

    /// The forward and the backward pass of `shape` against SGEMM on its products, on `threads` threads.
    private func measure(_ shape: ConvolutionShape, threads: Int, peak: Double) -> [ConvolutionResult] {
        let timing = ConvolutionTiming(shape, batch: batchSize)
        let forwardSeconds = timing.forwardSeconds(warmup: warmup, repetitions: repetitions)
        let backwardSeconds = timing.backwardSeconds(warmup: warmup, repetitions: repetitions)

        let (m, k, n) = shape.productSize(batch: batchSize)
        func sgemm(_ lhs: [Int], transposed transposeLHS: Bool = false, _ rhs: [Int], transposed transposeRHS: Bool = false) -> Double {
            SGEMMTiming.medianSeconds(lhs, transposed: transposeLHS, rhs, transposed: transposeRHS,
                                      warmup: warmup, repetitions: repetitions)
        }
        let patchProduct = sgemm([m, k], [k, n])
        let kernelGradientProduct = sgemm([m, k], transposed: true, [m, n])
        let inputGradientProduct = shape.needsInputGradient ? sgemm([m, n], transposed: false, [k, n], transposed: true) : 0

        func result(_ direction: String, flops: Double, seconds: Double, sgemmSeconds: Double) -> ConvolutionResult {
            ConvolutionResult(shape: shape.description, layers: shape.uses, direction: direction, threads: threads,
                              batchSize: batchSize, repetitions: repetitions, flops: flops, seconds: seconds,
                              peakSGEMMGigaflopsPerSecond: peak, shapeSGEMMSeconds: sgemmSeconds)
        }
        return [
            result("forward", flops: shape.forwardFLOPs(batch: batchSize), seconds: forwardSeconds,
                   sgemmSeconds: patchProduct),
            result("backward", flops: shape.backwardFLOPs(batch: batchSize), seconds: backwardSeconds,
                   sgemmSeconds: kernelGradientProduct + inputGradientProduct),
        ]
    }

    private func format(_ value: Double, places: Int) -> String {
        String(format: "%.\(places)f", value)
    }
}
