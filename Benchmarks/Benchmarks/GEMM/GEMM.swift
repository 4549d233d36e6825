// Tensor.matmul against OpenBLAS's cblas_sgemm called from C, on the same 1024×1024 operands, in the
// same process, on 1 and 2 threads. SwiftCNN's kernel choice runs first (Backend.summary), so both
// sides use the same OpenBLAS kernels: the difference is what Swift and the Tensor API add.
import Benchmark
import BenchmarkSupport
import CReferenceGEMM
import SuiteSupport
import SwiftCNN

let benchmarks: @Sendable () -> Void = {
    let size = 1024
    let flops = 2 * Double(size) * Double(size) * Double(size)
    var generator = Xoshiro256(seed: 1)
    let lhs = Tensor(randomUniform: [size, size], in: -1...1, using: &generator)
    let rhs = Tensor(randomUniform: [size, size], in: -1...1, using: &generator)
    var product = [Float](repeating: 0, count: size * size)
    print("GEMM \(size)×\(size)×\(size) on \(Machine.cpuModel): \(Backend.summary)")

    for threads in [1, 2] {
        let label = "\(threads) thread\(threads == 1 ? "" : "s")"
        Benchmark("Tensor.matmul \(size)² · \(label)", configuration: .swiftCNN(seconds: 5)) { benchmark in
            benchmark.measuringFLOPs(flops) {
                blackHole(Tensor.matmul(lhs, rhs))
            }
        } setup: {
            Backend.threadCount = threads
        }

        Benchmark("cblas_sgemm from C \(size)² · \(label)", configuration: .swiftCNN(seconds: 5)) { benchmark in
            lhs.withUnsafeBufferPointer { a in
                rhs.withUnsafeBufferPointer { b in
                    product.withUnsafeMutableBufferPointer { c in
                        benchmark.measuringFLOPs(flops) {
                            reference_sgemm(Int32(size), Int32(size), Int32(size), a.baseAddress, b.baseAddress, c.baseAddress)
                        }
                    }
                }
            }
        } setup: {
            Backend.threadCount = threads
        }
    }
}
