// dpooled, pooled, winners: one image [OH/2, OW/2, F] → dz: [OH, OW, F], F a multiple of 16.
// The backward pass of a convolution's fused 2×2 max pooling: each pooled gradient goes to the cell of
// its window that won, through ReLU's derivative read off the pooled value, and every other cell gets
// zero, so dz is written once and whole. In C for the same reason as the kernels: vector code past SSE.

#include "CVectorKernels.h"
#include "MaxPoolEpilogue.h"

#include <string.h>

INLINE void scatter(const float *dpooled, const float *pooled, const uint8_t *winners, int relu,
                    int output_height, int output_width, int filters, float *dz) {
    const int pooled_height = output_height / 2, pooled_width = output_width / 2;
    const long row = (long)output_width * filters;
    for (int p = 0; p < pooled_height; p++) {
        float *top = dz + 2L * p * row;
        for (int q = 0; q < pooled_width; q++) {
            const long cell = ((long)p * pooled_width + q) * filters;
            float *corner = top + 2L * q * filters;
            for (int group = 0; group < filters; group += 16) {
                f16v d = LOAD(dpooled + cell + group);
                if (relu) d = MASK(d, LOAD(pooled + cell + group) > 0);
                u8x16 bytes;
                memcpy(&bytes, winners + cell + group, sizeof bytes);
                const i16v won = __builtin_convertvector(bytes, i16v);
                STORE(corner + group, MASK(d, won == 0));
                STORE(corner + filters + group, MASK(d, won == 1));
                STORE(corner + row + group, MASK(d, won == 2));
                STORE(corner + row + filters + group, MASK(d, won == 3));
            }
        }
        // An odd width leaves the last column outside every window; an odd height the last row.
        if (output_width & 1) {
            memset(top + row - filters, 0, filters * sizeof(float));
            memset(top + 2 * row - filters, 0, filters * sizeof(float));
        }
    }
    if (output_height & 1) memset(dz + (output_height - 1) * row, 0, row * sizeof(float));
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
static void scatter_avx512(const float *dpooled, const float *pooled, const uint8_t *winners, int relu,
                           int output_height, int output_width, int filters, float *dz) {
    scatter(dpooled, pooled, winners, relu, output_height, output_width, filters, dz);
}

__attribute__((target("avx2,fma")))
static void scatter_avx2(const float *dpooled, const float *pooled, const uint8_t *winners, int relu,
                         int output_height, int output_width, int filters, float *dz) {
    scatter(dpooled, pooled, winners, relu, output_height, output_width, filters, dz);
}
#endif

static void scatter_baseline(const float *dpooled, const float *pooled, const uint8_t *winners, int relu,
                             int output_height, int output_width, int filters, float *dz) {
    scatter(dpooled, pooled, winners, relu, output_height, output_width, filters, dz);
}

void cnn_scatter_max_pool_gradient(cnn_isa isa, const float *dpooled, const float *pooled, const uint8_t *winners,
                                   int relu, int output_height, int output_width, int filters, float *dz) {
#if defined(__x86_64__)
    if (isa == cnn_isa_avx512) return scatter_avx512(dpooled, pooled, winners, relu, output_height, output_width, filters, dz);
    if (isa == cnn_isa_avx2) return scatter_avx2(dpooled, pooled, winners, relu, output_height, output_width, filters, dz);
#else
    (void)isa;
#endif
    scatter_baseline(dpooled, pooled, winners, relu, output_height, output_width, filters, dz);
}
