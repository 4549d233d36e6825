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

    /// The most threads ``threadCount`` takes: four per core the system reports. More only make the
    /// threads wait for each other; a run with 1,000 threads on two cores was 75 times slower.
    public static var maximumThreadCount: Int { 4 * max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// How many threads SwiftCNN computes on.
    ///
    /// It starts at OpenBLAS's own default, which follows `OPENBLAS_NUM_THREADS` or `OMP_NUM_THREADS`
    /// when set and is otherwise the number of CPUs. Values below 1 count as 1, and values above
    /// ``maximumThreadCount`` count as that, with a warning on standard error.
    ///
    /// SwiftCNN's kernels split their work into chunks that depend only on this count, and OpenBLAS runs
    /// single-threaded inside each chunk, so results depend on this count alone: the same in every run,
    /// and the same for a model trained while another model trains on another thread.
    public static var threadCount: Int {
        get {
            let current = threads.load(ordering: .relaxed)
            if current > 0 { return current }
            _ = BLASKernelChoice.applied
            let initial = max(1, OpenBLAS.defaultThreadCount)
            threads.store(initial, ordering: .relaxed)
            return initial
        }
        set {
            _ = BLASKernelChoice.applied
            let count = cappedThreadCount(newValue, warningAbout: "Backend.threadCount")
            threads.store(count, ordering: .relaxed)
        }
    }

    /// `requested` brought into `1...maximumThreadCount`; when it exceeds the maximum, a warning that
    /// names `setting` (a property or a command-line option) goes to standard error.
    ///
    /// - Parameters:
    ///   - requested: the thread count asked for.
    ///   - setting: what asked for it, for the warning, such as `--threads`.
    public static func cappedThreadCount(_ requested: Int, warningAbout setting: String) -> Int {
        let maximum = maximumThreadCount
        guard requested > maximum else { return max(1, requested) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        FileHandle.standardError.write(Data("""
            warning: \(setting) \(requested) is more than 4 threads for each of the \(cores) \
            core\(cores == 1 ? "" : "s"); using \(maximum)\n
            """.utf8))
        return maximum
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
