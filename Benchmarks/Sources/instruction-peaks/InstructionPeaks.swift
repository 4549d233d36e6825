import ArgumentParser
import BenchmarkSupport
import CInstructionPeaks
import Foundation
import SwiftCNN

/// Measures the multiply-add rates this CPU's vector instructions reach, on 1 thread and on several at
/// once, and prints them as a Markdown table stamped with the CPU: the ceiling any FP32 or BF16 kernel
/// works under, and the measurement that decides whether BF16 products can pay here at all.
@main
struct InstructionPeaks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instruction-peaks",
        abstract: "Times register-only loops of FP32 FMA and BF16 dot-product instructions and prints GFLOP/s.",
        discussion: """
        A multiply-add counts as two FLOP; vdpbf16ps, which multiplies 32 bfloat16 pairs and adds them \
        pairwise into 16 floats, as 64. Each figure is the best of --repetitions runs; with several \
        threads, all threads' FLOP over the wall time from their start to the last one's end.
        """)

    @Option(name: .customLong("threads"), help: "Thread counts to run the loops on; repeat the option for several.")
    var threadCounts: [Int] = [1, 2]

    @Option(help: "Loop trips per run (16 instructions each).")
    var iterations = 20_000_000

    @Option(help: "Runs of each loop (the best counts).")
    var repetitions = 5

    func validate() throws {
        guard threadCounts.allSatisfy({ $0 > 0 }), iterations > 0, repetitions > 0 else {
            throw ValidationError("threads, iterations and repetitions must be positive")
        }
    }

    /// A loop of one instruction: its name, the FLOP one instruction does, and the C function that runs it.
    private struct Loop {
        let instruction: String
        let flopsPerInstruction: Double
        let requires: CPUFeatures
        let run: @convention(c) (Int) -> Void
    }

    private static let loops = [
        Loop(instruction: "vfmadd231ps ymm (AVX2, FP32)", flopsPerInstruction: 16, requires: [.avx2, .fma],
             run: peak_fma_avx2),
        Loop(instruction: "vfmadd231ps zmm (AVX-512, FP32)", flopsPerInstruction: 32, requires: [.avx512F],
             run: peak_fma_avx512),
        Loop(instruction: "vdpbf16ps zmm (AVX512_BF16, BF16 → FP32)", flopsPerInstruction: 64,
             requires: [.avx512F, .avx512BF16], run: peak_dpbf16_avx512),
    ]

    func run() {
        print("CPU: \(Machine.cpuStamp)\nFeatures: \(CPUFeatures.current)\n")
        print("| instruction | " + threadCounts.map { "GFLOP/s, \($0) thread\($0 == 1 ? "" : "s")" }.joined(separator: " | ") + " |")
        print("|---|" + String(repeating: "---:|", count: threadCounts.count))
        for loop in Self.loops {
            guard CPUFeatures.current.isSuperset(of: loop.requires) else {
                print("| \(loop.instruction) | " + threadCounts.map { _ in "not on this CPU" }.joined(separator: " | ") + " |")
                continue
            }
            let rates = threadCounts.map { threads in
                (0..<repetitions).map { _ in rate(of: loop, threads: threads) }.max()!
            }
            print("| \(loop.instruction) | " + rates.map { String(format: "%.1f", $0) }.joined(separator: " | ") + " |")
        }
    }

    /// The GFLOP/s of `threads` threads running the loop at once: all their FLOP over the wall time until
    /// the last one ends, so that threads which did not overlap count no faster than one.
    private func rate(of loop: Loop, threads: Int) -> Double {
        let iterations = self.iterations
        let seconds = Timing.seconds {
            DispatchQueue.concurrentPerform(iterations: threads) { _ in loop.run(iterations) }
        }
        return Timing.gigaflopsPerSecond(flops: Double(threads * iterations * 16) * loop.flopsPerInstruction, seconds: seconds)
    }
}
