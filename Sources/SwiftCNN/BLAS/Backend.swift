import Foundation
import Synchronization

/// The compute back end: the BLAS kernels in use and the number of threads SwiftCNN computes on.
///
/// Set ``threadCount`` once, before training, to use fewer cores than the machine has:
///
/// ```swift
/// Backend.threadCount = 1
/// print(Backend.summary)   // OpenBLAS 0.3.21, SkylakeX kernels (chosen from CPU features; …), 1 thread
/// ```
public enum Backend {
    private static let threads = Atomic<Int>(0)

    /// How many threads SwiftCNN's own kernels and OpenBLAS use.
    ///
    /// It starts at OpenBLAS's own default, which follows `OPENBLAS_NUM_THREADS` or `OMP_NUM_THREADS`
    /// when set and is otherwise the number of CPUs. Setting it sets both; values below 1 count as 1.
    public static var threadCount: Int {
        get {
            let current = threads.load(ordering: .relaxed)
            if current > 0 { return current }
            _ = BLASKernelChoice.applied
            let initial = max(1, OpenBLAS.threadCount)
            threads.store(initial, ordering: .relaxed)
            return initial
        }
        set {
            _ = BLASKernelChoice.applied
            let count = max(1, newValue)
            OpenBLAS.threadCount = count
            threads.store(count, ordering: .relaxed)
        }
    }

    /// The OpenBLAS kernels in use and why they were chosen.
    public static var kernels: BLASKernelChoice { BLASKernelChoice.applied }

    /// OpenBLAS's build configuration, for example `OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64`.
    public static var blasConfiguration: String {
        _ = BLASKernelChoice.applied
        return OpenBLAS.configuration
    }

    /// One line for logs: the kernels, the CPU features they were chosen from, and the thread count.
    public static var summary: String {
        let count = threadCount
        return "OpenBLAS \(kernels) · CPU \(kernels.features) · \(count) thread\(count == 1 ? "" : "s")"
    }
}
