#ifndef SWIFTCNN_BENCHMARKS_REFERENCE_GEMM_H
#define SWIFTCNN_BENCHMARKS_REFERENCE_GEMM_H

// The yardstick for Tensor.matmul: the same row-major product, C = A · B, as a C program calls it
// through OpenBLAS's CBLAS interface, with no Swift in between.
// a: [m, k], b: [k, n], c: [m, n], all row-major and contiguous.
void reference_sgemm(int m, int n, int k, const float *a, const float *b, float *c);

#endif
