#include "InstructionPeaks.h"

// Sixteen instructions reading two fixed sources (registers 14 and 15 of the width) into accumulators
// 0–13 and 16–17, so that none waits on another. The sources are zero: the instruction's rate does not
// depend on its values, and zeros keep every accumulator finite.
#define SIXTEEN(op, r)                                                                                  \
    op " %%" r "14, %%" r "15, %%" r "0\n\t" op " %%" r "14, %%" r "15, %%" r "1\n\t"                   \
    op " %%" r "14, %%" r "15, %%" r "2\n\t" op " %%" r "14, %%" r "15, %%" r "3\n\t"                   \
    op " %%" r "14, %%" r "15, %%" r "4\n\t" op " %%" r "14, %%" r "15, %%" r "5\n\t"                   \
    op " %%" r "14, %%" r "15, %%" r "6\n\t" op " %%" r "14, %%" r "15, %%" r "7\n\t"                   \
    op " %%" r "14, %%" r "15, %%" r "8\n\t" op " %%" r "14, %%" r "15, %%" r "9\n\t"                   \
    op " %%" r "14, %%" r "15, %%" r "10\n\t" op " %%" r "14, %%" r "15, %%" r "11\n\t"                 \
    op " %%" r "14, %%" r "15, %%" r "12\n\t" op " %%" r "14, %%" r "15, %%" r "13\n\t"                 \
    op " %%" r "14, %%" r "15, %%" r "16\n\t" op " %%" r "14, %%" r "15, %%" r "17\n\t"

#define CLOBBERS_YMM "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", \
    "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
#define CLOBBERS_ZMM CLOBBERS_YMM, "xmm16", "xmm17"

#if defined(__x86_64__)

// The body of each loop function: zero the two sources, then run `iterations` trips of `trip`.
#define RUN_TRIPS(zero, trip, ...)                                                                      \
    __asm__ volatile(zero ::: "xmm14", "xmm15");                                                        \
    for (long i = 0; i < iterations; i++) {                                                             \
        __asm__ volatile(trip ::: __VA_ARGS__);                                                         \
    }

#define ZERO_YMM "vxorps %%ymm14, %%ymm14, %%ymm14\n\tvxorps %%ymm15, %%ymm15, %%ymm15"
#define ZERO_ZMM "vpxord %%zmm14, %%zmm14, %%zmm14\n\tvpxord %%zmm15, %%zmm15, %%zmm15"

__attribute__((target("avx2,fma")))
void peak_fma_avx2(long iterations) {
    // ymm16 and up need AVX-512, so the AVX2 loop's last two instructions reuse accumulators 0 and 1,
    // fourteen instructions (seven cycles at two a cycle) after their first use.
    RUN_TRIPS(ZERO_YMM,
               "vfmadd231ps %%ymm14, %%ymm15, %%ymm0\n\t vfmadd231ps %%ymm14, %%ymm15, %%ymm1\n\t"
               "vfmadd231ps %%ymm14, %%ymm15, %%ymm2\n\t vfmadd231ps %%ymm14, %%ymm15, %%ymm3\n\t"
               "vfmadd231ps %%ymm14, %%ymm15, %%ymm4\n\t vfmadd231ps %%ymm14, %%ymm15, %%ymm5\n\t"
               "vfmadd231ps %%ymm14, %%ymm15, %%ymm6\n\t vfmadd231ps %%ymm14, %%ymm15, %%ymm7\n\t"
               "vfmadd231ps %%ymm14, %%ymm15, %%ymm8\n\t vfmadd231ps %%ymm14, %%ymm15, %%ymm9\n\t"
               "vfmadd231ps %%ymm14, %%ymm15, %%ymm10\n\t vfmadd231ps %%ymm14, %%ymm15, %%ymm11\n\t"
               "vfmadd231ps %%ymm14, %%ymm15, %%ymm12\n\t vfmadd231ps %%ymm14, %%ymm15, %%ymm13\n\t"
               "vfmadd231ps %%ymm14, %%ymm15, %%ymm0\n\t vfmadd231ps %%ymm14, %%ymm15, %%ymm1\n\t",
               CLOBBERS_YMM);
}

__attribute__((target("avx512f")))
void peak_fma_avx512(long iterations) {
    RUN_TRIPS(ZERO_ZMM, SIXTEEN("vfmadd231ps", "zmm"), CLOBBERS_ZMM);
}

__attribute__((target("avx512f,avx512bf16")))
void peak_dpbf16_avx512(long iterations) {
    RUN_TRIPS(ZERO_ZMM, SIXTEEN("vdpbf16ps", "zmm"), CLOBBERS_ZMM);
}

#else

void peak_fma_avx2(long iterations) { (void)iterations; }
void peak_fma_avx512(long iterations) { (void)iterations; }
void peak_dpbf16_avx512(long iterations) { (void)iterations; }

#endif
