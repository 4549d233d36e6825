import ArgumentParser
import BenchmarkSupport
import Foundation
import SwiftCNN

/// Times `Tensor.matmul` on square matrices and prints its rate, for `Scripts/gemm-vs-c.sh`, which
/// runs the same product from C and compares the two.
@main
struct GEMMThroughput: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm-throughput",
        abstract: "Times Tensor.matmul on n×n matrices and prints GFLOP/s (2·n³ per product).")

    @Option(help: "The matrix size n.")
    var size = 1024

    @Option(help: "Threads for OpenBLAS (Backend.threadCount).")
    var threads = 1

    @Option(help: "Untimed products before timing.")
    var warmup = 3

    @Option(help: "Timed products.")
    var repeats = 20

    @Flag(help: "Also print Backend.summary: the kernels in use and why.")
    var summary = false

    func validate() throws {
        guard size > 0, threads > 0, repeats > 0, warmup >= 0 else {
            throw ValidationError("size, threads and repeats must be positive, warmup not negative")
        }
    }

    func run() {
        Backend.threadCount = threads
        if summary { print("swift backend: \(Backend.summary)") }
        var generator = Xoshiro256(seed: 1)
        let lhs = Tensor(randomUniform: [size, size], in: -1...1, using: &generator)
        let rhs = Tensor(randomUniform: [size, size], in: -1...1, using: &generator)
        var checksum: Float = 0
        for _ in 0..<warmup {
            checksum += Tensor.matmul(lhs, rhs)[0, 0]
        }
        let seconds = (0..<repeats).map { _ in
            Timing.seconds { checksum += Tensor.matmul(lhs, rhs)[0, 0] }
        }
        let flops = 2 * Double(size) * Double(size) * Double(size)
        let best = Timing.gigaflopsPerSecond(flops: flops, seconds: seconds.min()!)
        let median = Timing.gigaflopsPerSecond(flops: flops, seconds: Timing.median(seconds))
        // The checksum keeps the products from being optimised away; it is printed so that it is used.
        print("swift n=\(size) threads=\(threads) best_gflops=\(format(best)) median_gflops=\(format(median)) checksum=\(checksum)")
    }

    private func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
