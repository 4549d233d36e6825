#ifndef SWIFTCNN_BENCHMARKS_INSTRUCTION_PEAKS_H
#define SWIFTCNN_BENCHMARKS_INSTRUCTION_PEAKS_H

// The multiply-add rates a core can reach, from loops of independent register-only instructions (no
// memory traffic), so that a kernel's GFLOP/s can be set against what its instructions allow. Each
// function runs `iterations` trips of 16 instructions spread over at least 14 accumulators (more than
// an instruction's latency times its ports, so that throughput and not latency bounds them); the caller
// times it. Call one only when the CPU has its instruction set.

// vfmadd231ps on ymm registers: 8 multiply-adds (16 FLOP) an instruction.
void peak_fma_avx2(long iterations);
// vfmadd231ps on zmm registers: 16 multiply-adds (32 FLOP) an instruction.
void peak_fma_avx512(long iterations);
// vdpbf16ps on zmm registers: 32 bfloat16 products summed pairwise into 16 floats (64 FLOP) an
// instruction, the instruction behind BF16 matrix products on CPUs with AVX512_BF16.
void peak_dpbf16_avx512(long iterations);

#endif
