/// Matrix products through OpenBLAS's SGEMM.
extension Tensor {
    /// `op(lhs) · op(rhs)`, where `op` transposes its operand when asked; both must be matrices.
    ///
    /// The transposes are free: SGEMM reads the operand in transposed order instead of copying it.
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
        OpenBLAS.sgemm(
            transposeLHS ? .transposed : .none, transposeRHS ? .transposed : .none,
            m: m, n: n, k: k,
            a: lhs.storage.pointer, lda: lhs.shape[1],
            b: rhs.storage.pointer, ldb: rhs.shape[1],
            c: result.storage.pointer, ldc: Swift.max(1, n))
        return result
    }
}
