// x: images [H, W, C] (row_stride floats apart), dz: [images, OH, OW, F] → dw: [KH, KW, C, F]
// += Σ window ⊗ dz, with BF16 products and FP32 sums.
// ChannelKernelGradient.c's implicit matrix product with its shared dimension, the output pixels, taken
// two at a time by vdpbf16ps: pixels x and x + 1 of an output row. Their gradients are interleaved per
// filter (dz2: [OH, ⌈OW/2⌉, F, 2], a zero standing in for the pixel past an odd row's end), and every
// image value is paired with the value one pixel step further on, which the next pixel's window reads in
// its place (pairs: one 32-bit word per image value), so that one broadcast word serves both pixels.
// Only AVX512_BF16 has these instructions, so this file is compiled for that set alone.

#include "CVectorKernels.h"
#include "VectorTypes.h"

#if defined(__x86_64__)
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx512bf16,avx2,fma"))), \
                             apply_to = function)

enum { max_rows = 8 };

// Interleaves a and b's BF16 values: a0 b0 a1 b1 … a15 b15.
static inline __attribute__((always_inline)) __m512i interleaved(__m512 a, __m512 b) {
    const __m512i order = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                           23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(order, (__m512i)_mm512_cvtne2ps_pbh(b, a));
}

// pairs[k] = (x[k], x[k + step]) for k < count, a zero in place of values past count.
static void pair_values(const float *x, long count, long step, uint16_t *pairs) {
    for (long k = 0; k < count; k += 16) {
        const __mmask16 own = count - k >= 16 ? 0xFFFF : (__mmask16)((1u << (count - k)) - 1);
        const long beyond = count - k - step;
        const __mmask16 next = beyond >= 16 ? 0xFFFF : beyond <= 0 ? 0 : (__mmask16)((1u << beyond) - 1);
        const __m512i both = interleaved(_mm512_maskz_loadu_ps(own, x + k), _mm512_maskz_loadu_ps(next, x + k + step));
        _mm512_mask_storeu_epi32(pairs + 2 * k, own, both);
    }
}

// dz2 as above from one image's dz.
static void pair_pixels(const float *dz, int output_height, int output_width, int filters, uint16_t *dz2) {
    const int pair_width = (output_width + 1) / 2;
    for (int y = 0; y < output_height; y++) {
        for (int x = 0; x < pair_width; x++) {
            const float *left = dz + ((long)y * output_width + 2 * x) * filters;
            const int has_right = 2 * x + 1 < output_width;
            uint16_t *out = dz2 + ((long)y * pair_width + x) * filters * 2;
            for (int f = 0; f < filters; f += 16) {
                const __m512 right = has_right ? _mm512_loadu_ps(left + filters + f) : _mm512_setzero_ps();
                _mm512_storeu_si512(out + 2 * f, interleaved(_mm512_loadu_ps(left + f), right));
            }
        }
    }
}

// Adds Σ over the pixel pairs of each image of pairs[first + i] · dz2[pair, group ..< group + 16·V] to
// dw's row i for i < R.
static inline __attribute__((always_inline)) void gradient_tile(const cnn_convolution *c, const uint32_t *const *pairs,
                                                                const uint16_t *const *gradients, int image_count,
                                                                long first, int output_height, int group, float *dw,
                                                                const int R, const int V) {
    const int pair_width = (c->output_width + 1) / 2, filters = c->filters;
    const long pair_step = 2L * c->stride_width * c->channels, row_step = (long)c->stride_height * c->row_stride;
    f16v sums[2][max_rows];
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) sums[v][i] = LOAD(dw + (long)i * filters + group + 16 * v);
    }
    for (int n = 0; n < image_count; n++) {
        const uint16_t *d = gradients[n] + 2 * group;
        for (int y = 0; y < output_height; y++) {
            const uint32_t *window = pairs[n] + first + y * row_step;
            for (int x = 0; x < pair_width; x++, window += pair_step, d += 2 * filters) {
                const __m512bh d0 = (__m512bh)_mm512_loadu_si512(d);
                const __m512bh d1 = V > 1 ? (__m512bh)_mm512_loadu_si512(d + 32) : d0;
                for (int i = 0; i < R; i++) {
                    const __m512bh value = (__m512bh)_mm512_set1_epi32((int)window[i]);
                    sums[0][i] = (f16v)_mm512_dpbf16_ps((__m512)sums[0][i], value, d0);
                    if (V > 1) sums[1][i] = (f16v)_mm512_dpbf16_ps((__m512)sums[1][i], value, d1);
                }
            }
        }
    }
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) STORE(dw + (long)i * filters + group + 16 * v, sums[v][i]);
    }
}

// A tile of count (≤ max_rows) rows, the count a constant in each call, as in ChannelKernelGradient.c.
static inline __attribute__((always_inline)) void gradient_tile_of(int count, const cnn_convolution *c,
                                                                   const uint32_t *const *pairs,
                                                                   const uint16_t *const *gradients, int image_count,
                                                                   long first, int output_height, int group,
                                                                   float *dw, const int V) {
#define TILE(R) gradient_tile(c, pairs, gradients, image_count, first, output_height, group, dw, (R), V)
    WITH_CONSTANT_COUNT(count, TILE);
#undef TILE
}

void cnn_channels_kernel_gradient_bf16(const cnn_convolution *c, const float *const *images, int image_count,
                                       int output_height, const float *dz, float *dw, uint32_t *scratch) {
    enum { max_images = 16 };
    const uint32_t *pairs[max_images];
    const uint16_t *gradients[max_images];
    const long image_length = ((long)(output_height - 1) * c->stride_height + c->kernel_height) * c->row_stride;
    const long gradient_words = (long)output_height * ((c->output_width + 1) / 2) * c->filters;
    const long output_count = (long)output_height * c->output_width * c->filters;
    for (int n = 0; n < image_count; n++) {
        uint32_t *own = scratch + n * (image_length + gradient_words);
        pair_values(images[n], image_length, (long)c->stride_width * c->channels, (uint16_t *)own);
        pair_pixels(dz + n * output_count, output_height, c->output_width, c->filters,
                    (uint16_t *)(own + image_length));
        pairs[n] = own;
        gradients[n] = (const uint16_t *)(own + image_length);
    }
    const int span = c->kernel_width * c->channels, filters = c->filters;
    for (int group = 0; group < filters;) {
        const int vectors = filters - group >= 32 ? 2 : 1;
        for (int kh = 0; kh < c->kernel_height; kh++) {
            for (int j = 0; j < span; j += max_rows) {
                const int count = span - j < max_rows ? span - j : max_rows;
                float *rows = dw + ((long)kh * span + j) * filters;
                const long first = (long)kh * c->row_stride + j;
                if (vectors == 2) {
                    gradient_tile_of(count, c, pairs, gradients, image_count, first, output_height, group, rows, 2);
                } else {
                    gradient_tile_of(count, c, pairs, gradients, image_count, first, output_height, group, rows, 1);
                }
            }
        }
        group += 16 * vectors;
    }
}

#pragma clang attribute pop

#endif
