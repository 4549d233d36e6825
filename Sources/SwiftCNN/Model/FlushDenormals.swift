#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` with subnormal floats flushed to zero on the calling thread, then restores the thread's
/// previous floating-point environment.
///
/// Late in training, moment estimates and gradients can sink into the subnormal range, where x86 CPUs
/// take microcode assists that make arithmetic up to a hundred times slower. Setting the MXCSR bits
/// FTZ (15: results flush to zero) and DAZ (6: inputs read as zero) avoids that at the cost of values
/// below 1.2e-38, which training never needs. The setting is per thread: it covers the training loop,
/// whatever runs on the calling thread, and the kernels' worker threads (``parallelFor(_:chunksOf:_:)``
/// hands them the caller's setting with each loop), but not OpenBLAS's own threads or Dispatch's.
/// Elsewhere than x86-64 Linux, `body` just runs.
func withDenormalsFlushedToZero<Result>(_ body: () throws -> Result) rethrows -> Result {
    #if arch(x86_64) && canImport(Glibc)
    var saved = fenv_t()
    fegetenv(&saved)
    var flushing = saved
    flushing.__mxcsr |= 1 << 15 | 1 << 6
    fesetenv(&flushing)
    defer { fesetenv(&saved) }
    #endif
    return try body()
}
