// x, y, dy, dx: [rows, channels], every axis but the channels flattened into rows. Per-channel vectors
// (mean, scale, offset, …): [channels]; sums: [channels], in double.
// The passes of batch normalisation over a convolution's output, optionally with ReLU after it: the
// statistics, the normalisation, and the two passes of its backward pass. Naive reference:
// ChannelNormalizationReference.swift, which these match bit for bit in every instruction set: the sums
// are added row after row in double (a float's square is exact there), and the float arithmetic is
// written in the reference's order with contraction into fused multiply-adds switched off.
//
// With relu set, the forward pass writes max(t, 0) of the normalised t (NaN kept, as the convolution
// kernels' epilogue keeps it) and the backward passes take ReLU's derivative from t recomputed from x,
// so the rectified copy is never written, read or differentiated in a pass of its own. The pass with
// 2×2 max pooling after it writes only each window's maximum and winner, as the convolution kernels'
// pooled epilogue does, and its backward passes read the pooled gradient where the unpooled ones read
// dy: each cell gets the pooled gradient where it won (and the pooled value is positive, with ReLU) and
// zero elsewhere, in the same order, so an image's sums and input gradient are the unpooled passes' bits.

#include "CVectorKernels.h"
#include "MaxPoolEpilogue.h"

#pragma clang fp contract(off)

typedef double d8v __attribute__((vector_size(64)));

#define LOW(v) __builtin_convertvector(__builtin_shufflevector((v), (v), 0, 1, 2, 3, 4, 5, 6, 7), d8v)
#define HIGH(v) __builtin_convertvector(__builtin_shufflevector((v), (v), 8, 9, 10, 11, 12, 13, 14, 15), d8v)
#define LOAD_D(p) ({ d8v loaded_; __builtin_memcpy(&loaded_, (p), sizeof loaded_); loaded_; })
#define STORE_D(p, v) do { d8v stored_ = (v); __builtin_memcpy((p), &stored_, sizeof stored_); } while (0)
// Adds a float vector's 16 values, widened, to 16 doubles at p.
#define ACCUMULATE(p, v) do { f16v added_ = (v); \
    STORE_D((p), LOAD_D(p) + LOW(added_)); STORE_D((p) + 8, LOAD_D((p) + 8) + HIGH(added_)); } while (0)

INLINE void moments(const float *x, long rows, int channels, double *sums, double *squares) {
    const int vectors = channels & ~15;
    for (long m = 0; m < rows; m++) {
        const float *row = x + m * channels;
        for (int c = 0; c < vectors; c += 16) {
            const f16v v = LOAD(row + c);
            const d8v low = LOW(v), high = HIGH(v);
            STORE_D(sums + c, LOAD_D(sums + c) + low);
            STORE_D(sums + c + 8, LOAD_D(sums + c + 8) + high);
            STORE_D(squares + c, LOAD_D(squares + c) + low * low);
            STORE_D(squares + c + 8, LOAD_D(squares + c + 8) + high * high);
        }
        for (int c = vectors; c < channels; c++) {
            const double value = row[c];
            sums[c] += value;
            squares[c] += value * value;
        }
    }
}

INLINE float rectified(float t) { return t < 0 ? 0 : t; }

INLINE void normalize(const float *x, long rows, int channels, const float *mean, const float *scale,
                      const float *offset, int relu, float *y) {
    if (channels == 1) {
        // One value per row (an image's pixels): sixteen rows at a time.
        long m = 0;
        for (; m + 16 <= rows; m += 16) {
            const f16v t = (LOAD(x + m) - mean[0]) * scale[0] + offset[0];
            STORE(y + m, relu ? RELU(t) : t);
        }
        for (; m < rows; m++) {
            const float t = (x[m] - mean[0]) * scale[0] + offset[0];
            y[m] = relu ? rectified(t) : t;
        }
        return;
    }
    const int vectors = channels & ~15;
    for (long m = 0; m < rows; m++) {
        const float *row = x + m * channels;
        float *out = y + m * channels;
        for (int c = 0; c < vectors; c += 16) {
            const f16v t = (LOAD(row + c) - LOAD(mean + c)) * LOAD(scale + c) + LOAD(offset + c);
            STORE(out + c, relu ? RELU(t) : t);
        }
        for (int c = vectors; c < channels; c++) {
            const float t = (row[c] - mean[c]) * scale[c] + offset[c];
            out[c] = relu ? rectified(t) : t;
        }
    }
}

// One image, x: [height, width, channels] → pooled, winners: [height / 2, width / 2, channels], channels a
// multiple of 16; an odd height or width leaves the last row or column out.
INLINE void normalize_max_pool(const float *x, int height, int width, int channels, const float *mean,
                               const float *scale, const float *offset, int relu, float *pooled,
                               uint8_t *winners) {
    const int pooled_height = height / 2, pooled_width = width / 2;
    const long row = (long)width * channels;
    for (int p = 0; p < pooled_height; p++) {
        for (int q = 0; q < pooled_width; q++) {
            const float *corner = x + 2L * p * row + 2L * q * channels;
            const long cell = ((long)p * pooled_width + q) * channels;
            for (int c = 0; c < channels; c += 16) {
                const f16v m = LOAD(mean + c), s = LOAD(scale + c), o = LOAD(offset + c);
                const f16v cells[4] = {
                    (LOAD(corner + c) - m) * s + o,
                    (LOAD(corner + channels + c) - m) * s + o,
                    (LOAD(corner + row + c) - m) * s + o,
                    (LOAD(corner + row + channels + c) - m) * s + o,
                };
                STORE_WINDOW_MAXIMUM(cells, 0, relu, pooled + cell + c, winners + cell + c);
            }
        }
    }
}

// The gradient of cell `cell` (0–3, row-major) of the windows whose pooled gradient, pooled values and
// winners are at index i: the pooled gradient where the cell won and, with ReLU, the maximum is positive.
#define CELL_GRADIENT(dpooled, pooled, winners, i, cell, relu) ({                               \
    u8x16 bytes_;                                                                               \
    __builtin_memcpy(&bytes_, (winners) + (i), sizeof bytes_);                                  \
    i16v keep_ = __builtin_convertvector(bytes_, i16v) == (cell);                               \
    if (relu) keep_ &= LOAD((pooled) + (i)) > 0;                                                \
    MASK(LOAD((dpooled) + (i)), keep_); })

// One image, dpooled, pooled, winners: [height / 2, width / 2, channels] (channels a multiple of 16), x:
// [height, width, channels]. The cells are visited in x's order, row by row, the windows' top cells
// with the first row and their bottom ones with the second; a row or column outside every window adds
// nothing (its gradient is zero).
INLINE void max_pool_gradient_sums(const float *dpooled, const float *pooled, const uint8_t *winners,
                                   const float *x, int height, int width, int channels, const float *mean,
                                   int relu, double *gradient_sums, double *products) {
    const int pooled_height = height / 2, pooled_width = width / 2;
    for (int p = 0; p < pooled_height; p++) {
        for (int half = 0; half < 2; half++) {
            const float *row = x + (2L * p + half) * width * channels;
            for (int q = 0; q < pooled_width; q++) {
                const long window = ((long)p * pooled_width + q) * channels;
                for (int side = 0; side < 2; side++) {
                    const float *pixel = row + (2L * q + side) * channels;
                    for (int c = 0; c < channels; c += 16) {
                        const f16v g = CELL_GRADIENT(dpooled, pooled, winners, window + c, 2 * half + side, relu);
                        ACCUMULATE(gradient_sums + c, g);
                        ACCUMULATE(products + c, g * (LOAD(pixel + c) - LOAD(mean + c)));
                    }
                }
            }
        }
    }
}

// The same image's input gradient, every cell of dx written: dx = g · scale + (x − mean) · centered_scale
// + shift, g as above.
INLINE void max_pool_input_gradient(const float *dpooled, const float *pooled, const uint8_t *winners,
                                    const float *x, int height, int width, int channels, const float *mean,
                                    const float *scale, int relu, const float *centered_scale,
                                    const float *shift, float *dx) {
    const int pooled_height = height / 2, pooled_width = width / 2;
    for (int y = 0; y < height; y++) {
        const int half = y & 1;
        for (int column = 0; column < width; column++) {
            const long pixel = ((long)y * width + column) * channels;
            const int inside = y < 2 * pooled_height && column < 2 * pooled_width;
            const long window = ((long)(y / 2) * pooled_width + column / 2) * channels;
            for (int c = 0; c < channels; c += 16) {
                const f16v g = inside ? CELL_GRADIENT(dpooled, pooled, winners, window + c,
                                                      2 * half + (column & 1), relu)
                                      : (f16v){0};
                STORE(dx + pixel + c, g * LOAD(scale + c) + (LOAD(x + pixel + c) - LOAD(mean + c))
                                          * LOAD(centered_scale + c) + LOAD(shift + c));
            }
        }
    }
}

INLINE void gradient_sums(const float *dy, const float *x, long rows, int channels, const float *mean,
                          const float *scale, const float *offset, int relu, double *gradient_sums,
                          double *products) {
    const int vectors = channels & ~15;
    for (long m = 0; m < rows; m++) {
        const float *gradients = dy + m * channels, *row = x + m * channels;
        for (int c = 0; c < vectors; c += 16) {
            const f16v centered = LOAD(row + c) - LOAD(mean + c);
            f16v g = LOAD(gradients + c);
            if (relu) g = MASK(g, centered * LOAD(scale + c) + LOAD(offset + c) > 0);
            ACCUMULATE(gradient_sums + c, g);
            ACCUMULATE(products + c, g * centered);
        }
        for (int c = vectors; c < channels; c++) {
            const float centered = row[c] - mean[c];
            const float g = relu && !(centered * scale[c] + offset[c] > 0) ? 0 : gradients[c];
            gradient_sums[c] += (double)g;
            products[c] += (double)(g * centered);
        }
    }
}

INLINE void input_gradient(const float *dy, const float *x, long rows, int channels, const float *mean,
                           const float *scale, const float *offset, int relu, const float *centered_scale,
                           const float *shift, float *dx) {
    const int vectors = channels & ~15;
    for (long m = 0; m < rows; m++) {
        const float *gradients = dy + m * channels, *row = x + m * channels;
        float *out = dx + m * channels;
        for (int c = 0; c < vectors; c += 16) {
            const f16v centered = LOAD(row + c) - LOAD(mean + c), a = LOAD(scale + c);
            f16v g = LOAD(gradients + c);
            if (relu) g = MASK(g, centered * a + LOAD(offset + c) > 0);
            STORE(out + c, g * a + centered * LOAD(centered_scale + c) + LOAD(shift + c));
        }
        for (int c = vectors; c < channels; c++) {
            const float centered = row[c] - mean[c];
            const float g = relu && !(centered * scale[c] + offset[c] > 0) ? 0 : gradients[c];
            out[c] = g * scale[c] + centered * centered_scale[c] + shift[c];
        }
    }
}

#if defined(__x86_64__)
#define VARIANT(isa) __attribute__((target(isa))) static
#define AVX512 "avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"
#define AVX2 "avx2,fma"

VARIANT(AVX512) void moments_avx512(const float *x, long rows, int channels, double *sums,
                                                    double *squares) {
    moments(x, rows, channels, sums, squares);
}
VARIANT(AVX2) void moments_avx2(const float *x, long rows, int channels, double *sums,
                                              double *squares) {
    moments(x, rows, channels, sums, squares);
}
VARIANT(AVX512) void normalize_avx512(const float *x, long rows, int channels,
                                                        const float *mean, const float *scale,
                                                        const float *offset, int relu, float *y) {
    normalize(x, rows, channels, mean, scale, offset, relu, y);
}
VARIANT(AVX2) void normalize_avx2(const float *x, long rows, int channels, const float *mean,
                                                  const float *scale, const float *offset, int relu, float *y) {
    normalize(x, rows, channels, mean, scale, offset, relu, y);
}
VARIANT(AVX512) void normalize_max_pool_avx512(
    const float *x, int height, int width, int channels, const float *mean, const float *scale,
    const float *offset, int relu, float *pooled, uint8_t *winners) {
    normalize_max_pool(x, height, width, channels, mean, scale, offset, relu, pooled, winners);
}
VARIANT(AVX2) void normalize_max_pool_avx2(
    const float *x, int height, int width, int channels, const float *mean, const float *scale,
    const float *offset, int relu, float *pooled, uint8_t *winners) {
    normalize_max_pool(x, height, width, channels, mean, scale, offset, relu, pooled, winners);
}
VARIANT(AVX512) void max_pool_gradient_sums_avx512(
    const float *dpooled, const float *pooled, const uint8_t *winners, const float *x, int height, int width,
    int channels, const float *mean, int relu, double *sums, double *products) {
    max_pool_gradient_sums(dpooled, pooled, winners, x, height, width, channels, mean, relu, sums, products);
}
VARIANT(AVX2) void max_pool_gradient_sums_avx2(
    const float *dpooled, const float *pooled, const uint8_t *winners, const float *x, int height, int width,
    int channels, const float *mean, int relu, double *sums, double *products) {
    max_pool_gradient_sums(dpooled, pooled, winners, x, height, width, channels, mean, relu, sums, products);
}
VARIANT(AVX512) void max_pool_input_gradient_avx512(
    const float *dpooled, const float *pooled, const uint8_t *winners, const float *x, int height, int width,
    int channels, const float *mean, const float *scale, int relu, const float *centered_scale,
    const float *shift, float *dx) {
    max_pool_input_gradient(dpooled, pooled, winners, x, height, width, channels, mean, scale, relu,
                            centered_scale, shift, dx);
}
VARIANT(AVX2) void max_pool_input_gradient_avx2(
    const float *dpooled, const float *pooled, const uint8_t *winners, const float *x, int height, int width,
    int channels, const float *mean, const float *scale, int relu, const float *centered_scale,
    const float *shift, float *dx) {
    max_pool_input_gradient(dpooled, pooled, winners, x, height, width, channels, mean, scale, relu,
                            centered_scale, shift, dx);
}
VARIANT(AVX512) void gradient_sums_avx512(
    const float *dy, const float *x, long rows, int channels, const float *mean, const float *scale,
    const float *offset, int relu, double *sums, double *products) {
    gradient_sums(dy, x, rows, channels, mean, scale, offset, relu, sums, products);
}
VARIANT(AVX2) void gradient_sums_avx2(
    const float *dy, const float *x, long rows, int channels, const float *mean, const float *scale,
    const float *offset, int relu, double *sums, double *products) {
    gradient_sums(dy, x, rows, channels, mean, scale, offset, relu, sums, products);
}
VARIANT(AVX512) void input_gradient_avx512(
    const float *dy, const float *x, long rows, int channels, const float *mean, const float *scale,
    const float *offset, int relu, const float *centered_scale, const float *shift, float *dx) {
    input_gradient(dy, x, rows, channels, mean, scale, offset, relu, centered_scale, shift, dx);
}
VARIANT(AVX2) void input_gradient_avx2(
    const float *dy, const float *x, long rows, int channels, const float *mean, const float *scale,
    const float *offset, int relu, const float *centered_scale, const float *shift, float *dx) {
    input_gradient(dy, x, rows, channels, mean, scale, offset, relu, centered_scale, shift, dx);
}
#define DISPATCH(isa, name, ...) do { \
    if ((isa) == cnn_isa_avx512) { name##_avx512(__VA_ARGS__); return; } \
    if ((isa) == cnn_isa_avx2) { name##_avx2(__VA_ARGS__); return; } \
    name(__VA_ARGS__); } while (0)
#else
#define DISPATCH(isa, name, ...) do { (void)(isa); name(__VA_ARGS__); } while (0)
#endif

void cnn_channel_moments(cnn_isa isa, const float *x, long rows, int channels, double *sums, double *squares) {
    DISPATCH(isa, moments, x, rows, channels, sums, squares);
}

void cnn_normalize_channels(cnn_isa isa, const float *x, long rows, int channels, const float *mean,
                            const float *scale, const float *offset, int relu, float *y) {
    DISPATCH(isa, normalize, x, rows, channels, mean, scale, offset, relu, y);
}

void cnn_normalize_channels_max_pool(cnn_isa isa, const float *x, int height, int width, int channels,
                                     const float *mean, const float *scale, const float *offset, int relu,
                                     float *pooled, uint8_t *winners) {
    DISPATCH(isa, normalize_max_pool, x, height, width, channels, mean, scale, offset, relu, pooled, winners);
}

void cnn_normalization_gradient_sums(cnn_isa isa, const float *dy, const float *x, long rows, int channels,
                                     const float *mean, const float *scale, const float *offset, int relu,
                                     double *gradient_sums_out, double *products) {
    DISPATCH(isa, gradient_sums, dy, x, rows, channels, mean, scale, offset, relu, gradient_sums_out, products);
}

void cnn_normalization_input_gradient(cnn_isa isa, const float *dy, const float *x, long rows, int channels,
                                      const float *mean, const float *scale, const float *offset, int relu,
                                      const float *centered_scale, const float *shift, float *dx) {
    DISPATCH(isa, input_gradient, dy, x, rows, channels, mean, scale, offset, relu, centered_scale, shift, dx);
}

void cnn_normalization_max_pool_gradient_sums(cnn_isa isa, const float *dpooled, const float *pooled,
                                              const uint8_t *winners, const float *x, int height, int width,
                                              int channels, const float *mean, int relu, double *sums,
                                              double *products) {
    DISPATCH(isa, max_pool_gradient_sums, dpooled, pooled, winners, x, height, width, channels, mean, relu, sums,
             products);
}

void cnn_normalization_max_pool_input_gradient(cnn_isa isa, const float *dpooled, const float *pooled,
                                               const uint8_t *winners, const float *x, int height, int width,
                                               int channels, const float *mean, const float *scale, int relu,
                                               const float *centered_scale, const float *shift, float *dx) {
    DISPATCH(isa, max_pool_input_gradient, dpooled, pooled, winners, x, height, width, channels, mean, scale, relu,
             centered_scale, shift, dx);
}
