/// Matrix products through OpenBLAS's SGEMM.
extension Tensor {
    /// `op(lhs) · op(rhs)`, where `op` transposes its operand when asked; both must be matrices.
    ///
    /// The transposes are free: SGEMM reads the operand in transposed order instead of copying it. Large
    /// products are split by rows over ``Backend/threadCount`` threads, in chunks that depend on the shapes
    /// alone, so that the result does not depend on the thread count.
    public static func matmul(_ lhs: Tensor, transposed transposeLHS: Bool = false,
                              _ rhs: Tensor, transposed transposeRHS: Bool = false) -> Tensor {
        precondition(lhs.rank == 2 && rhs.rank == 2,
                     "matmul needs two matrices; shapes are \(lhs.shape) and \(rhs.shape)")
        let m = transposeLHS ? lhs.shape[1] : lhs.shape[0]
        let k = transposeLHS ? lhs.shape[0] : lhs.shape[1]
        let rhsK = transposeRHS ? rhs.shape[1] : rhs.shape[0]
        let n = transposeRHS ? rhs.shape[0] : rhs.shape[1]
        precondition(k == rhsK,
                     "matmul of \(lhs.shape)\(transposeLHS ? "ᵀ" : "") and \(rhs.shape)\(transposeRHS ? "ᵀ" : ""): inner dimensions \(k) and \(rhsK) differ")
        let result = Tensor(uninitializedShape: [m, n])
        guard k > 0 else {
            result.storage.pointer.initialize(repeating: 0, count: m * n)
            return result
        }
        // Rows of the result split into chunks for the threads, as the layers' products are: OpenBLAS runs
        // single-threaded, and the split depends only on the shapes, so any thread count gives the same bits.
        let a = lhs.storage.pointer, b = rhs.storage.pointer, c = result.storage.pointer
        let lda = lhs.shape[1], ldb = rhs.shape[1], ldc = Swift.max(1, n)
        let chunks = threadIndependentChunkCount(for: m, minimumChunk: Swift.max(1, (1 << 18) / Swift.max(1, n * k)))
        parallelFor(chunks, chunksOf: 0..<m) { _, rows in
            OpenBLAS.sgemm(
                transposeLHS ? .transposed : .none, transposeRHS ? .transposed : .none,
                m: rows.count, n: n, k: k,
                a: a + (transposeLHS ? rows.lowerBound : rows.lowerBound * lda), lda: lda,
                b: b, ldb: ldb,
                c: c + rows.lowerBound * ldc, ldc: ldc)
        }
        withExtendedLifetime((lhs, rhs)) {}
        return result
    }
}
