import BenchmarkSupport
import SwiftCNN

/// Times SGEMM as SwiftCNN runs it (`Tensor.matmul`: the result's rows split over `Backend.threadCount`
/// threads, single-threaded OpenBLAS in each, as `gemm-throughput` measures it): the yardsticks of the
/// convolutions' rates.
enum SGEMMTiming {
    /// The median seconds of `repetitions` products `op(lhs) · op(rhs)` of random matrices of these shapes,
    /// after `warmup` untimed ones; `op` transposes its operand when asked, as in `Tensor.matmul`.
    static func medianSeconds(_ lhsShape: [Int], transposed transposeLHS: Bool = false,
                              _ rhsShape: [Int], transposed transposeRHS: Bool = false,
                              warmup: Int, repetitions: Int) -> Double {
        var generator = Xoshiro256(seed: 3)
        let lhs = Tensor(randomUniform: lhsShape, in: -1...1, using: &generator)
        let rhs = Tensor(randomUniform: rhsShape, in: -1...1, using: &generator)
        func product() {
            _ = Tensor.matmul(lhs, transposed: transposeLHS, rhs, transposed: transposeRHS)
        }
        for _ in 0..<warmup { product() }
        return Timing.median((0..<repetitions).map { _ in Timing.seconds(product) })
    }
}
