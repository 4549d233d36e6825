// x: one image [H, W] (row_stride apart), w: [KH, KW, F], b: [F] → y: [OH, OW, F]; pooled: [OH/2, OW/2, F].
// Each output pixel keeps sums for 16 or 32 filters in vector registers over its window, four pixels
// at a time so that eight independent sums hide the latency of the multiply-adds. With pooling fused,
// the four pixels are one 2×2 window, so only its maximum (and which cell won) is ever stored.
// The kernel gradient keeps every tap's sums for 16 filters in registers over the whole image.
// The bodies below are written once with vector types and compiled into each variant by inlining,
// for 3×3 and 5×5 windows (constant sizes let the loops unroll and the sums stay in registers).

#include "CVectorKernels.h"
#include "MaxPoolEpilogue.h"

// sums[kh·KW + kw] += d · window[kh·row_stride + kw]: one window's share of the kernel gradient.
#define ADD_WINDOW(sums, d, window, row_stride, KH, KW)                                  \
    for (int kh_ = 0; kh_ < (KH); kh_++) {                                               \
        const float *row_ = (window) + kh_ * (row_stride);                               \
        for (int kw_ = 0; kw_ < (KW); kw_++) (sums)[kh_ * (KW) + kw_] += (d) * row_[kw_];  \
    }

// Sums for filters group ..< group + 16·vectors (vectors 1 or 2) of the windows whose top-left cells
// are at image + offsets[i]. KH, KW and vectors are constants in every caller, so the loops unroll.
INLINE void window_sums_of(const cnn_convolution *c, const float *image, const long offsets[4],
                        int group, int vectors, f16v sums[2][4], const int KH, const int KW) {
    for (int j = 0; j < vectors; j++) {
        f16v start = c->bias ? LOAD(c->bias + group + 16 * j) : (f16v){0};
        for (int i = 0; i < 4; i++) sums[j][i] = start;
    }
    for (int kh = 0; kh < KH; kh++) {
        const float *row = image + kh * c->row_stride;
        for (int kw = 0; kw < KW; kw++) {
            const float *tap = c->kernel + (long)(kh * KW + kw) * c->filters + group;
            f16v w0 = LOAD(tap);
            f16v w1 = vectors > 1 ? LOAD(tap + 16) : w0;
            for (int i = 0; i < 4; i++) {
                float x = row[offsets[i] + kw];
                sums[0][i] += w0 * x;
                if (vectors > 1) sums[1][i] += w1 * x;
            }
        }
    }
}

// window_sums_of for 32 filters while at least 32 remain from group on, else 16; returns the count.
INLINE int window_sums(const cnn_convolution *c, const float *image, const long offsets[4], int group,
                       f16v sums[2][4], const int KH, const int KW) {
    if (c->filters - group >= 32) {
        window_sums_of(c, image, offsets, group, 2, sums, KH, KW);
        return 2;
    }
    window_sums_of(c, image, offsets, group, 1, sums, KH, KW);
    return 1;
}

INLINE void convolve_rows(const cnn_convolution *c, const float *image, int first_row, int row_count,
                          float *out, const int KH, const int KW) {
    const int width = c->output_width, filters = c->filters;
    for (int r = 0; r < row_count; r++) {
        const float *top = image + (long)(first_row + r) * c->stride_height * c->row_stride;
        float *row = out + (long)r * width * filters;
        for (int x = 0; x < width; x += 4) {
            const int count = width - x < 4 ? width - x : 4;
            long offsets[4];
            for (int i = 0; i < 4; i++) offsets[i] = (long)(x + (i < count ? i : count - 1)) * c->stride_width;
            for (int group = 0; group < filters;) {
                f16v sums[2][4];
                const int vectors = window_sums(c, top, offsets, group, sums, KH, KW);
                for (int j = 0; j < vectors; j++) {
                    for (int i = 0; i < count; i++) {
                        STORE(row + (long)(x + i) * filters + group + 16 * j, c->relu ? RELU(sums[j][i]) : sums[j][i]);
                    }
                }
                group += 16 * vectors;
            }
        }
    }
}

INLINE void convolve_max_pool_rows(const cnn_convolution *c, const float *image, int first_row,
                                   int row_count, float *out, uint8_t *winners, const int KH, const int KW) {
    const int pooled_width = c->output_width / 2, filters = c->filters;
    const long down = c->stride_height * c->row_stride;
    for (int r = 0; r < row_count; r++) {
        const float *top = image + 2L * (first_row + r) * down;
        for (int q = 0; q < pooled_width; q++) {
            const long left = 2L * q * c->stride_width, right = left + c->stride_width;
            const long offsets[4] = { left, right, down + left, down + right };
            const long cell = ((long)r * pooled_width + q) * filters;
            for (int group = 0; group < filters;) {
                f16v sums[2][4];
                const int vectors = window_sums(c, top, offsets, group, sums, KH, KW);
                for (int j = 0; j < vectors; j++) {
                    STORE_WINDOW_MAXIMUM(sums[j], 0, c->relu, out + cell + group + 16 * j, winners + cell + group + 16 * j);
                }
                group += 16 * vectors;
            }
        }
    }
}

INLINE void convolution_gradients(const cnn_convolution *c, const float *image, int output_height,
                                  const float *dz, float *dw, float *db, const int KH, const int KW) {
    const int width = c->output_width, filters = c->filters;
    for (int group = 0; group < filters; group += 16) {
        f16v sums[KH * KW], biasSum = (f16v){0};
        for (int t = 0; t < KH * KW; t++) sums[t] = LOAD(dw + (long)t * filters + group);
        for (int y = 0; y < output_height; y++) {
            const float *top = image + (long)y * c->stride_height * c->row_stride;
            const float *gradients = dz + (long)y * width * filters + group;
            for (int x = 0; x < width; x++) {
                const f16v d = LOAD(gradients + (long)x * filters);
                ADD_WINDOW(sums, d, top + (long)x * c->stride_width, c->row_stride, KH, KW);
                biasSum += d;
            }
        }
        for (int t = 0; t < KH * KW; t++) STORE(dw + (long)t * filters + group, sums[t]);
        if (db) STORE(db + group, LOAD(db + group) + biasSum);
    }
}

INLINE void convolution_max_pool_gradients(const cnn_convolution *c, const float *image, int pooled_height,
                                           const float *dpooled, const float *pooled, const uint8_t *winners,
                                           float *dw, float *db, const int KH, const int KW) {
    const int filters = c->filters, pooled_width = c->output_width / 2;
    const long rows = c->row_stride, down = c->stride_height * rows, across = c->stride_width;
    for (int group = 0; group < filters; group += 16) {
        f16v sums[KH * KW], biasSum = (f16v){0};
        for (int t = 0; t < KH * KW; t++) sums[t] = LOAD(dw + (long)t * filters + group);
        for (int p = 0; p < pooled_height; p++) {
            for (int q = 0; q < pooled_width; q++) {
                const long cell = ((long)p * pooled_width + q) * filters + group;
                f16v d = LOAD(dpooled + cell);
                if (c->relu) d = MASK(d, LOAD(pooled + cell) > 0);
                u8x16 bytes;
                __builtin_memcpy(&bytes, winners + cell, sizeof bytes);
                const i16v winner = __builtin_convertvector(bytes, i16v);
                const float *window = image + 2L * p * down + 2L * q * across;
                const f16v d0 = MASK(d, winner == 0), d1 = MASK(d, winner == 1);
                const f16v d2 = MASK(d, winner == 2), d3 = MASK(d, winner == 3);
                ADD_WINDOW(sums, d0, window, rows, KH, KW);
                ADD_WINDOW(sums, d1, window + across, rows, KH, KW);
                ADD_WINDOW(sums, d2, window + down, rows, KH, KW);
                ADD_WINDOW(sums, d3, window + down + across, rows, KH, KW);
                biasSum += d;
            }
        }
        for (int t = 0; t < KH * KW; t++) STORE(dw + (long)t * filters + group, sums[t]);
        if (db) STORE(db + group, LOAD(db + group) + biasSum);
    }
}

// Runs `name` with the window size as a constant, so that each size gets its own unrolled code.
#define KERNEL_SIZES(name, arguments)                                                   \
    if (c->kernel_height == 3 && c->kernel_width == 3) name(UNPACK arguments, 3, 3);  \
    else name(UNPACK arguments, 5, 5);
#define UNPACK(...) __VA_ARGS__

#if defined(__x86_64__)
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
#define AVX2 __attribute__((target("avx2,fma")))
#define VARIANTS(name, parameters, arguments)                                           \
    AVX512 static void name##_avx512 parameters { KERNEL_SIZES(name, arguments) }                     \
    AVX2 static void name##_avx2 parameters { KERNEL_SIZES(name, arguments) }                         \
    static void name##_baseline parameters { KERNEL_SIZES(name, arguments) }                          \
    static void name##_dispatch(cnn_isa isa, void (**chosen) parameters) {              \
        *chosen = isa == cnn_isa_avx512 ? name##_avx512                                 \
                : isa == cnn_isa_avx2 ? name##_avx2 : name##_baseline;                  \
    }
#else
#define VARIANTS(name, parameters, arguments)                                           \
    static void name##_baseline parameters { KERNEL_SIZES(name, arguments) }                          \
    static void name##_dispatch(cnn_isa isa, void (**chosen) parameters) {              \
        (void)isa;                                                                      \
        *chosen = name##_baseline;                                                      \
    }
#endif

VARIANTS(convolve_rows,
         (const cnn_convolution *c, const float *image, int first_row, int row_count, float *out),
         (c, image, first_row, row_count, out))
VARIANTS(convolve_max_pool_rows,
         (const cnn_convolution *c, const float *image, int first_row, int row_count, float *out,
          uint8_t *winners),
         (c, image, first_row, row_count, out, winners))
VARIANTS(convolution_gradients,
         (const cnn_convolution *c, const float *image, int output_height, const float *dz, float *dw,
          float *db),
         (c, image, output_height, dz, dw, db))
VARIANTS(convolution_max_pool_gradients,
         (const cnn_convolution *c, const float *image, int pooled_height, const float *dpooled,
          const float *pooled, const uint8_t *winners, float *dw, float *db),
         (c, image, pooled_height, dpooled, pooled, winners, dw, db))

void cnn_convolve_rows(cnn_isa isa, const cnn_convolution *c, const float *image,
                       int first_row, int row_count, float *out) {
    void (*run)(const cnn_convolution *, const float *, int, int, float *);
    convolve_rows_dispatch(isa, &run);
    run(c, image, first_row, row_count, out);
}

void cnn_convolve_max_pool_rows(cnn_isa isa, const cnn_convolution *c, const float *image,
                                int first_row, int row_count, float *out, uint8_t *winners) {
    void (*run)(const cnn_convolution *, const float *, int, int, float *, uint8_t *);
    convolve_max_pool_rows_dispatch(isa, &run);
    run(c, image, first_row, row_count, out, winners);
}

void cnn_convolution_gradients(cnn_isa isa, const cnn_convolution *c, const float *image,
                               int output_height, const float *dz, float *dw, float *db) {
    void (*run)(const cnn_convolution *, const float *, int, const float *, float *, float *);
    convolution_gradients_dispatch(isa, &run);
    run(c, image, output_height, dz, dw, db);
}

void cnn_convolution_max_pool_gradients(cnn_isa isa, const cnn_convolution *c, const float *image,
                                        int pooled_height, const float *dpooled, const float *pooled,
                                        const uint8_t *winners, float *dw, float *db) {
    void (*run)(const cnn_convolution *, const float *, int, const float *, const float *,
                const uint8_t *, float *, float *);
    convolution_max_pool_gradients_dispatch(isa, &run);
    run(c, image, pooled_height, dpooled, pooled, winners, dw, db);
}
