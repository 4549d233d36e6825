import COpenBLAS
import Foundation

/// The one place that touches OpenBLAS and the C shim. Everything else in SwiftCNN calls these
/// Swift functions, so C types never leak past this file.
enum OpenBLAS {
    /// Whether a matrix operand is used as stored or transposed.
    enum Transpose {
        case none
        case transposed

        fileprivate var cblas: CBLAS_TRANSPOSE {
            self == .none ? CblasNoTrans : CblasTrans
        }
    }

    /// Row-major `C = alpha · op(A) · op(B) + beta · C`, with `op(A)` of shape [m, k] and `op(B)` of shape [k, n].
    ///
    /// The first call runs the kernel choice, so no product is ever computed with the kernels OpenBLAS
    /// guessed from its CPU model table.
    static func sgemm(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = BLASKernelChoice.applied
        cblas_sgemm(
            CblasRowMajor, transA.cblas, transB.cblas,
            Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// OpenBLAS's own default thread count: `OPENBLAS_NUM_THREADS` or `OMP_NUM_THREADS` when set, otherwise
    /// the number of CPUs. Read once, before ``makeSingleThreaded()`` changes it.
    static let defaultThreadCount = Int(openblas_get_num_threads())

    /// Makes every later product run on its caller's thread.
    ///
    /// SwiftCNN's own loops spread the work (each thread calling SGEMM on its share), and OpenBLAS's thread
    /// count is process-wide: changed around each loop, it raced with products that another thread was
    /// computing, and OpenBLAS's split of a product (and its threads, which do not flush denormals) changed
    /// the last bits of the results.
    static func makeSingleThreaded() {
        _ = defaultThreadCount
        openblas_set_num_threads(1)
    }

    static var coreName: String {
        String(cString: openblas_get_corename())
    }

    static var configuration: String {
        String(cString: openblas_get_config()).trimmingCharacters(in: .whitespaces)
    }

    /// Reloads OpenBLAS's kernel table for `coreType`, as if `OPENBLAS_CORETYPE` had been set at start-up.
    ///
    /// Uses the `gotoblas_dynamic_quit`/`gotoblas_dynamic_init` pair that DYNAMIC_ARCH builds export without
    /// declaring them in a header; they are looked up at run time, so a build without them is left alone.
    /// Returns whether the switch could be made.
    static func reloadKernels(coreType: String) -> Bool {
        // A null handle is RTLD_DEFAULT on Linux: search every loaded library.
        guard let quit = dlsym(nil, "gotoblas_dynamic_quit"),
              let initialize = dlsym(nil, "gotoblas_dynamic_init")
        else { return false }
        typealias VoidFunction = @convention(c) () -> Void
        let previous = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        unsafeBitCast(quit, to: VoidFunction.self)()
        unsafeBitCast(initialize, to: VoidFunction.self)()
        if let previous {
            setenv("OPENBLAS_CORETYPE", previous, 1)
        } else {
            unsetenv("OPENBLAS_CORETYPE")
        }
        return true
    }

    /// The four registers EAX, EBX, ECX, EDX of `cpuid(leaf, subleaf)`, or nil when the leaf is unsupported.
    static func cpuid(leaf: UInt32, subleaf: UInt32 = 0) -> (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32)? {
        var registers: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        let supported = withUnsafeMutableBytes(of: &registers) { raw in
            swiftcnn_cpuid(leaf, subleaf, raw.baseAddress!.assumingMemoryBound(to: UInt32.self))
        }
        guard supported != 0 else { return nil }
        return registers
    }

    /// The extended control register `index` (XCR0 for 0): which register states the OS saves on a context switch.
    /// Only valid when CPUID reports OSXSAVE; the instruction faults otherwise.
    static func xgetbv(_ index: UInt32) -> UInt64 {
        swiftcnn_xgetbv(index)
    }
}
