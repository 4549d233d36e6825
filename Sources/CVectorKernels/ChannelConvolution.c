// x: one image [H, W, C] (row_stride floats apart), w: [KH, KW, C, F], b: [F] → y: [OH, OW, F].
// An implicit matrix product: output pixels are the rows, filters the columns, and each window's
// KH·KW·C values, read in place from the image, the shared dimension, so no im2col copy is made and
// the kernel (HWIO, filters innermost) is read as it is stored, with no packing. A tile of P output
// pixels keeps sums for V vectors of 16 filters in registers over the whole window; P and
// V are chosen per instruction set so that the sums, the kernel vectors and one broadcast fill the
// register file (AVX2: 6 pixels × 16 filters in 12 of its 16 registers; AVX-512: 8 × 32 in 16 of 32).
// With 2×2 max pooling fused (pooled, winners: [OH/2, OW/2, F]), a tile's pixels are whole pooling
// windows, four cells each, and only each window's maximum and winner leave the registers; the row and
// column that an odd output size leaves outside every window are never computed.

#include "CVectorKernels.h"
#include "MaxPoolEpilogue.h"

enum { max_pixels = 8 };

// Outputs count pixels, pixel i from the window whose top-left value is at image + offsets[i], for
// filters group ..< group + 16·V, into out (the first pixel's outputs; the others follow it). With
// pooled set (a constant in every caller), pixels 4k ..< 4k + 4 are pooling window k's cells, count
// windows (at most P / 4, so 2) go out, and winners gets which cell won. The sums live in this function
// and are only ever indexed by constants once it is inlined, so they stay in registers.
INLINE void tile(const cnn_convolution *c, const float *image, const long *offsets, int count, int group,
                 float *out, uint8_t *winners, const int P, const int V, const int pooled) {
    const int span = c->kernel_width * c->channels, filters = c->filters;
    f16v sums[2][max_pixels];
    for (int v = 0; v < V; v++) {
        const f16v start = c->bias ? LOAD(c->bias + group + 16 * v) : (f16v){0};
        for (int i = 0; i < P; i++) sums[v][i] = start;
    }
    const float *w = c->kernel + group;
    for (int kh = 0; kh < c->kernel_height; kh++) {
        const float *row = image + kh * c->row_stride;
        for (int j = 0; j < span; j++, w += filters) {
            const f16v w0 = LOAD(w), w1 = V > 1 ? LOAD(w + 16) : w0;
            for (int i = 0; i < P; i++) {
                const float x = row[offsets[i] + j];
                sums[0][i] += w0 * x;
                if (V > 1) sums[1][i] += w1 * x;
            }
        }
    }
    if (pooled) {
        for (int v = 0; v < V; v++) {
            const long at = group + 16 * v, next = at + filters;
            STORE_WINDOW_MAXIMUM(sums[v], 0, c->relu, out + at, winners + at);
            if (P == 8 && count > 1) STORE_WINDOW_MAXIMUM(sums[v], 4, c->relu, out + next, winners + next);
        }
        return;
    }
    for (int i = 0; i < count; i++) {
        for (int v = 0; v < V; v++) {
            STORE(out + (long)i * filters + group + 16 * v, c->relu ? RELU(sums[v][i]) : sums[v][i]);
        }
    }
}

// Output pixels follow one another across row ends, so that a tile is always full but at the end of
// the range, whatever the output width (7 pixels a row would otherwise leave 6 + 1). A block of
// tiles_per_block tiles goes through every filter group in turn, so that a group's kernel columns stay
// in L1 over the block and the block's windows in L1 or L2 over the groups.
enum { tiles_per_block = 8 };

INLINE void convolve_rows(const cnn_convolution *c, const float *image, int first_row, int row_count,
                          float *out, const int P, const int V) {
    const int width = c->output_width, filters = c->filters;
    const long first = (long)first_row * width, end = first + (long)row_count * width;
    for (long block = first; block < end; block += P * tiles_per_block) {
        const long block_end = end - block < P * tiles_per_block ? end : block + P * tiles_per_block;
        long offsets[tiles_per_block * max_pixels];
        for (long q = block; q < block_end; q++) {
            const long y = q / width, x = q % width;
            offsets[q - block] = y * c->stride_height * c->row_stride + x * c->stride_width * c->channels;
        }
        // The last tile repeats its last pixel where the block ends early, and stores only its own pixels.
        for (long q = block_end; q < block + P * tiles_per_block; q++) offsets[q - block] = offsets[block_end - 1 - block];
        for (int group = 0; group < filters;) {
            const int vectors = filters - group >= 16 * V ? V : 1;
            for (long p = block; p < block_end; p += P) {
                const int count = block_end - p < P ? (int)(block_end - p) : P;
                float *pixels = out + (p - first) * filters;
                if (vectors == V) tile(c, image, offsets + (p - block), count, group, pixels, 0, P, V, 0);
                else tile(c, image, offsets + (p - block), count, group, pixels, 0, P, 1, 0);
            }
            group += 16 * vectors;
        }
    }
}

// The same walk over pooling windows, which follow one another across pooled rows; a tile of P pixels
// takes P / 4 windows. out and winners: [rows, output_width / 2, filters] from pooled row first_row on.
INLINE void convolve_max_pool_rows(const cnn_convolution *c, const float *image, int first_row, int row_count,
                                   float *out, uint8_t *winners, const int P, const int V) {
    const int width = c->output_width / 2, filters = c->filters, per_tile = P / 4;
    const long down = (long)c->stride_height * c->row_stride, across = (long)c->stride_width * c->channels;
    const long first = (long)first_row * width, end = first + (long)row_count * width;
    for (long block = first; block < end; block += per_tile * tiles_per_block) {
        const long block_end = end - block < per_tile * tiles_per_block ? end : block + per_tile * tiles_per_block;
        long offsets[tiles_per_block * max_pixels];
        for (long q = block; q < block_end; q++) {
            const long corner = 2 * (q / width) * down + 2 * (q % width) * across;
            long *cells = offsets + 4 * (q - block);
            cells[0] = corner;
            cells[1] = corner + across;
            cells[2] = corner + down;
            cells[3] = corner + down + across;
        }
        // As in convolve_rows: a short last tile repeats its last window and stores only its own.
        for (long i = 4 * (block_end - block); i < 4 * per_tile * tiles_per_block; i++) offsets[i] = offsets[i - 4];
        for (int group = 0; group < filters;) {
            const int vectors = filters - group >= 16 * V ? V : 1;
            for (long p = block; p < block_end; p += per_tile) {
                const int count = block_end - p < per_tile ? (int)(block_end - p) : per_tile;
                const long at = (p - first) * filters;
                if (vectors == V) tile(c, image, offsets + 4 * (p - block), count, group, out + at, winners + at, P, V, 1);
                else tile(c, image, offsets + 4 * (p - block), count, group, out + at, winners + at, P, 1, 1);
            }
            group += 16 * vectors;
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
static void convolve_rows_avx512(const cnn_convolution *c, const float *image, int first_row,
                                 int row_count, float *out) {
    convolve_rows(c, image, first_row, row_count, out, 8, 2);
}

__attribute__((target("avx2,fma")))
static void convolve_rows_avx2(const cnn_convolution *c, const float *image, int first_row,
                               int row_count, float *out) {
    convolve_rows(c, image, first_row, row_count, out, 6, 1);
}
#endif

static void convolve_rows_baseline(const cnn_convolution *c, const float *image, int first_row,
                                   int row_count, float *out) {
    convolve_rows(c, image, first_row, row_count, out, 2, 1);
}

void cnn_convolve_channels_rows(cnn_isa isa, const cnn_convolution *c, const float *image,
                                int first_row, int row_count, float *out) {
#if defined(__x86_64__)
    if (isa == cnn_isa_avx512) return convolve_rows_avx512(c, image, first_row, row_count, out);
    if (isa == cnn_isa_avx2) return convolve_rows_avx2(c, image, first_row, row_count, out);
#else
    (void)isa;
#endif
    convolve_rows_baseline(c, image, first_row, row_count, out);
}

// The pooled variants tile whole windows: AVX-512 keeps its 8 pixels × 32 filters; AVX2's 6 pixels
// would split a window, so it takes 4 × 16 (8 of its 16 registers).
#if defined(__x86_64__)
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
static void convolve_max_pool_rows_avx512(const cnn_convolution *c, const float *image, int first_row,
                                          int row_count, float *out, uint8_t *winners) {
    convolve_max_pool_rows(c, image, first_row, row_count, out, winners, 8, 2);
}

__attribute__((target("avx2,fma")))
static void convolve_max_pool_rows_avx2(const cnn_convolution *c, const float *image, int first_row,
                                        int row_count, float *out, uint8_t *winners) {
    convolve_max_pool_rows(c, image, first_row, row_count, out, winners, 4, 1);
}
#endif

static void convolve_max_pool_rows_baseline(const cnn_convolution *c, const float *image, int first_row,
                                            int row_count, float *out, uint8_t *winners) {
    convolve_max_pool_rows(c, image, first_row, row_count, out, winners, 4, 1);
}

void cnn_convolve_channels_max_pool_rows(cnn_isa isa, const cnn_convolution *c, const float *image,
                                         int first_row, int row_count, float *out, uint8_t *winners) {
#if defined(__x86_64__)
    if (isa == cnn_isa_avx512) return convolve_max_pool_rows_avx512(c, image, first_row, row_count, out, winners);
    if (isa == cnn_isa_avx2) return convolve_max_pool_rows_avx2(c, image, first_row, row_count, out, winners);
#else
    (void)isa;
#endif
    convolve_max_pool_rows_baseline(c, image, first_row, row_count, out, winners);
}
