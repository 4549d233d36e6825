// x: one image [H, W, C] (row_stride floats apart, C even), w: [KH, KW·C / 2, F, 2] BF16 pairs, b: [F]
// → y: [OH, OW, F] in FP32.
// ChannelConvolution.c's implicit matrix product with BF16 products: vdpbf16ps multiplies 16 pairs of
// BF16 values and adds each pair's two products to one FP32 sum, so a window's shared dimension is
// walked two values at a time. The two values of a pair lie side by side in the image (C is even, so a
// pair never straddles a pixel's row end) and are broadcast as one 32-bit word; the kernel is packed
// once a step so that each filter's two weights of a pair lie side by side too. The sums, the bias, the
// activation and the pooling epilogue stay FP32, as with the FP32 kernel.
// The rows a call reads are converted to BF16 (round to nearest even) into the caller's scratch first,
// and padded with zeros there when the layer pads, so that no FP32 padded copy is made.
// Only AVX512_BF16 has these instructions, so this file is compiled for that set alone; the caller
// never calls it on a CPU without them.

#include "CVectorKernels.h"
#include "MaxPoolEpilogue.h"

#if defined(__x86_64__)
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx512bf16,avx2,fma"))), \
                             apply_to = function)

enum { pixels = 8, tiles_per_block = 8 };

void cnn_convert_to_bfloat16(const float *x, long count, uint16_t *y) {
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        _mm256_storeu_si256((__m256i *)(y + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(x + i)));
    }
    if (i < count) {
        const __mmask16 tail = (__mmask16)((1u << (count - i)) - 1);
        const __m256bh converted = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(tail, x + i));
        _mm256_mask_storeu_epi16(y + i, tail, (__m256i)converted);
    }
}

void cnn_pack_bfloat16_kernel(const float *w, int shared, int filters, uint16_t *packed) {
    // cvtne2ps puts the second operand's 16 values in the low half; this order interleaves the halves.
    const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                                23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    for (int j = 0; j < shared; j += 2) {
        const float *first = w + (long)j * filters, *second = first + filters;
        uint16_t *out = packed + (long)j * filters;
        for (int f = 0; f < filters; f += 16) {
            const __m512i both = (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(second + f), _mm512_loadu_ps(first + f));
            _mm512_storeu_si512(out + 2 * f, _mm512_permutexvar_epi16(interleave, both));
        }
    }
}

// Pixel i's window starts at image + offsets[i]; otherwise as ChannelConvolution.c's tile, with P fixed
// at 8 pixels and V vectors of 16 filters (2 or 1).
static inline __attribute__((always_inline)) void tile(const cnn_convolution *c, const uint16_t *kernel,
                                                       const uint16_t *image, const long *offsets, int count,
                                                       int group, float *out, uint8_t *winners, const int V,
                                                       const int pooled) {
    const int pairs = c->kernel_width * c->channels / 2, filters = c->filters;
    f16v sums[2][pixels];
    for (int v = 0; v < V; v++) {
        const f16v start = c->bias ? LOAD(c->bias + group + 16 * v) : (f16v){0};
        for (int i = 0; i < pixels; i++) sums[v][i] = start;
    }
    const uint16_t *w = kernel + 2 * group;
    for (int kh = 0; kh < c->kernel_height; kh++) {
        const uint16_t *row = image + kh * c->row_stride;
        for (int j = 0; j < pairs; j++, w += 2 * filters) {
            const __m512bh w0 = (__m512bh)_mm512_loadu_si512(w);
            const __m512bh w1 = V > 1 ? (__m512bh)_mm512_loadu_si512(w + 32) : w0;
            for (int i = 0; i < pixels; i++) {
                int32_t pair;
                __builtin_memcpy(&pair, row + offsets[i] + 2 * j, sizeof pair);
                const __m512bh x = (__m512bh)_mm512_set1_epi32(pair);
                sums[0][i] = (f16v)_mm512_dpbf16_ps((__m512)sums[0][i], x, w0);
                if (V > 1) sums[1][i] = (f16v)_mm512_dpbf16_ps((__m512)sums[1][i], x, w1);
            }
        }
    }
    if (pooled) {
        for (int v = 0; v < V; v++) {
            const long at = group + 16 * v, next = at + filters;
            STORE_WINDOW_MAXIMUM(sums[v], 0, c->relu, out + at, winners + at);
            if (count > 1) STORE_WINDOW_MAXIMUM(sums[v], 4, c->relu, out + next, winners + next);
        }
        return;
    }
    // A constant trip count, so that sums is indexed by constants only and stays in registers.
    for (int i = 0; i < pixels; i++) {
        if (i >= count) break;
        for (int v = 0; v < V; v++) {
            STORE(out + (long)i * filters + group + 16 * v, c->relu ? RELU(sums[v][i]) : sums[v][i]);
        }
    }
}

// Every filter group over a block of tiles, as in ChannelConvolution.c; offsets[i] for the block's
// tiles, the last tile padded by repeating its last pixel.
static inline __attribute__((always_inline)) void block(const cnn_convolution *c, const uint16_t *kernel,
                                                        const uint16_t *image, const long *offsets, long tiles,
                                                        long last_count, long tile_stride, float *out,
                                                        uint8_t *winners, const int pooled) {
    const int filters = c->filters;
    for (int group = 0; group < filters;) {
        const int vectors = filters - group >= 32 ? 2 : 1;
        for (long t = 0; t < tiles; t++) {
            const int count = t == tiles - 1 ? (int)last_count : pooled ? 2 : pixels;
            float *at = out + t * tile_stride * filters;
            uint8_t *won = winners ? winners + t * tile_stride * filters : 0;
            if (vectors == 2) tile(c, kernel, image, offsets + pixels * t, count, group, at, won, 2, pooled);
            else tile(c, kernel, image, offsets + pixels * t, count, group, at, won, 1, pooled);
        }
        group += 16 * vectors;
    }
}

// Converts input rows first ..< end (those the call reads) to BF16 in scratch, padding them with zeros as
// padding says (NULL: the image is laid out as c says); returns how far before scratch the image would
// start, so that the windows' offsets can be taken from the image's start.
static long convert_rows(const cnn_convolution *c, const float *image, const cnn_padding *padding, int first,
                         int end, uint16_t *scratch) {
    const long origin = (long)first * c->row_stride;
    if (!padding) {
        cnn_convert_to_bfloat16(image + origin, (long)(end - first) * c->row_stride, scratch);
        return origin;
    }
    const long left = (long)padding->pad_left * c->channels, whole = (long)padding->width * c->channels;
    const long inside = whole < c->row_stride - left ? whole : c->row_stride - left;
    for (int r = first; r < end; r++) {
        uint16_t *row = scratch + (long)(r - first) * c->row_stride;
        const int source = r - padding->pad_top;
        if (source < 0 || source >= padding->height) {
            __builtin_memset(row, 0, c->row_stride * sizeof *row);
            continue;
        }
        __builtin_memset(row, 0, left * sizeof *row);
        cnn_convert_to_bfloat16(image + source * padding->row_stride, inside, row + left);
        __builtin_memset(row + left + inside, 0, (c->row_stride - left - inside) * sizeof *row);
    }
    return origin;
}

void cnn_convolve_channels_rows_bf16(const cnn_convolution *c, const uint16_t *kernel, const float *image,
                                     const cnn_padding *padding, int first_row, int row_count, float *out,
                                     uint16_t *scratch) {
    const int width = c->output_width;
    const long origin = convert_rows(c, image, padding, first_row * c->stride_height,
                                     (first_row + row_count - 1) * c->stride_height + c->kernel_height, scratch);
    const long first = (long)first_row * width, end = first + (long)row_count * width;
    for (long start = first; start < end; start += pixels * tiles_per_block) {
        const long stop = end - start < pixels * tiles_per_block ? end : start + pixels * tiles_per_block;
        long offsets[tiles_per_block * pixels];
        for (long q = start; q < stop; q++) {
            const long y = q / width, x = q % width;
            offsets[q - start] = y * c->stride_height * c->row_stride + x * c->stride_width * c->channels - origin;
        }
        for (long q = stop; q < start + pixels * tiles_per_block; q++) offsets[q - start] = offsets[stop - 1 - start];
        const long tiles = (stop - start + pixels - 1) / pixels;
        block(c, kernel, scratch, offsets, tiles, stop - start - (tiles - 1) * pixels, pixels,
              out + (start - first) * c->filters, 0, 0);
    }
}

void cnn_convolve_channels_max_pool_rows_bf16(const cnn_convolution *c, const uint16_t *kernel, const float *image,
                                              const cnn_padding *padding, int first_row, int row_count, float *out,
                                              uint8_t *winners, uint16_t *scratch) {
    const int width = c->output_width / 2, per_tile = pixels / 4;
    const long down = (long)c->stride_height * c->row_stride, across = (long)c->stride_width * c->channels;
    const long origin = convert_rows(c, image, padding, 2 * first_row * c->stride_height,
                                     (2 * (first_row + row_count) - 1) * c->stride_height + c->kernel_height,
                                     scratch);
    const long first = (long)first_row * width, end = first + (long)row_count * width;
    for (long start = first; start < end; start += per_tile * tiles_per_block) {
        const long stop = end - start < per_tile * tiles_per_block ? end : start + per_tile * tiles_per_block;
        long offsets[tiles_per_block * pixels];
        for (long q = start; q < stop; q++) {
            const long corner = 2 * (q / width) * down + 2 * (q % width) * across - origin;
            long *cells = offsets + 4 * (q - start);
            cells[0] = corner;
            cells[1] = corner + across;
            cells[2] = corner + down;
            cells[3] = corner + down + across;
        }
        for (long i = 4 * (stop - start); i < pixels * tiles_per_block; i++) offsets[i] = offsets[i - 4];
        const long tiles = (stop - start + per_tile - 1) / per_tile;
        const long at = (start - first) * c->filters;
        block(c, kernel, scratch, offsets, tiles, stop - start - (tiles - 1) * per_tile, per_tile, out + at,
              winners + at, 1);
    }
}

#pragma clang attribute pop

#endif
