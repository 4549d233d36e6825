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

    private static let precisionIndex = Atomic<Int>(0)

    /// The number format convolutions multiply in: ``Precision/float32`` (the default) or, on CPUs with
    /// AVX512_BF16, ``Precision/bfloat16``: BF16 operands with FP32 sums, FP32 weights, loss and softmax.
    ///
    /// ```swift
    /// Backend.precision = .bfloat16   // mixed precision where the CPU multiplies BF16 natively
    /// try model.fit(mnist.train, epochs: 5)
    /// ```
    ///
    /// Asking for a precision this CPU lacks (``Precision/isSupported``) leaves it at FP32, with a
    /// warning on standard error; it is never emulated. Each pass reads it when it starts. Setting it
    /// changes it for the whole process; ``withPrecision(_:_:)`` changes it for one piece of code.
    public static var precision: Precision {
        get { scopedPrecision ?? Precision.allCases[precisionIndex.load(ordering: .relaxed)] }
        set {
            precisionIndex.store(Precision.allCases.firstIndex(of: supported(newValue)) ?? 0, ordering: .relaxed)
        }
    }

    @TaskLocal private static var scopedPrecision: Precision?

    /// Runs `body` with ``precision`` at `precision` (FP32, with a warning, where this CPU lacks it) for the
    /// passes that `body` starts on this thread or task, as PyTorch's `autocast` scopes a precision; other
    /// threads, and other models training beside it, keep theirs.
    ///
    /// ```swift
    /// let probabilities = Backend.withPrecision(.bfloat16) { model.predict(images) }
    /// ```
    public static func withPrecision<R>(_ precision: Precision, _ body: () throws -> R) rethrows -> R {
        try $scopedPrecision.withValue(supported(precision), operation: body)
    }

    private static let warnedOfPrecision = Atomic<Bool>(false)

    /// `precision`, or FP32 where this CPU lacks it, with a warning the first time only: a server may ask
    /// for every request.
    private static func supported(_ precision: Precision) -> Precision {
        guard !precision.isSupported else { return precision }
        if !warnedOfPrecision.exchange(true, ordering: .relaxed) {
            FileHandle.standardError.write(Data("""
                warning: this CPU cannot multiply in \(precision) (it needs AVX512_BF16); computing in \(Precision.float32)\n
                """.utf8))
        }
        return .float32
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
        let products = precision == .float32 ? "" : " · \(precision)"
        return "OpenBLAS \(kernels) · CPU \(kernels.features) · \(count) thread\(count == 1 ? "" : "s")\(products)"
    }
}
