// x: one image [H, W, C] as it lies (padding says where it sits in the padded image), u: [36, C, F] (the
// 3×3 kernel as cnn_winograd_transform_kernel transforms it), b: [F] → y: [OH, OW, F], stride 1; with 2×2
// max pooling fused, pooled and winners: [OH/2, OW/2, F]. C and F multiples of 16. Naive reference:
// `convolutionReference`.
// Winograd's F(4×4, 3×3) (Lavin & Gray, arXiv 1509.09308), interpolating at 0, ±1, ±2 and ∞: a 4×4 tile of
// outputs is Aᵀ [Σ_c U_c ⊙ (Bᵀ d_c B)] A, d_c the tile's 6×6 window of channel c and U_c = G g_c Gᵀ its
// 3×3 kernel transformed. The sum over channels at each of the 36 points is a matrix product
// [tiles, C] × [C, F], so a tile takes 36·C·F multiplications where the direct kernel takes 16·9·C·F: 4×
// fewer, for the transforms' additions and a rounding error a few times the direct kernel's.
// A call walks the tiles of its rows a block at a time: the block's transformed windows, the 36 products
// and the inverse transforms stay in the thread's scratch while the transformed kernel streams from L2.
// The kernel gradient is the forward pass's adjoint: with dM = A dY Aᵀ each output-gradient tile
// transformed, dU_c = Σ_tiles V_c ⊙ dM at each point, 36 products [C, tiles] × [tiles, F], and
// dW = Gᵀ dU G, the same 4× fewer multiplications.

#include "CVectorKernels.h"
#include "MaxPoolEpilogue.h"

enum { points = 36, block_tiles = 12 };

long cnn_winograd_scratch_floats(int channels, int filters) {
    return (long)points * block_tiles * (channels + filters);
}

long cnn_winograd_kernel_gradient_scratch_floats(int channels, int filters) {
    return (long)points * block_tiles * (channels + filters) + (long)points * channels * filters;
}

// u = G g Gᵀ for 16 filters of one channel: g[i][j] the kernel's row i, column j.
INLINE void transform_kernel_vector(const f16v g[3][3], float *u, long point_stride) {
    f16v t[6][3];
    for (int j = 0; j < 3; j++) {
        const f16v a = g[0][j], b = g[1][j], c = g[2][j];
        t[0][j] = a * 0.25f;
        t[1][j] = (a + b + c) * (-1.0f / 6);
        t[2][j] = (a - b + c) * (-1.0f / 6);
        t[3][j] = a * (1.0f / 24) + b * (1.0f / 12) + c * (1.0f / 6);
        t[4][j] = a * (1.0f / 24) - b * (1.0f / 12) + c * (1.0f / 6);
        t[5][j] = c;
    }
    for (int i = 0; i < 6; i++) {
        const f16v a = t[i][0], b = t[i][1], c = t[i][2];
        float *row = u + (long)i * 6 * point_stride;
        STORE(row, a * 0.25f);
        STORE(row + point_stride, (a + b + c) * (-1.0f / 6));
        STORE(row + 2 * point_stride, (a - b + c) * (-1.0f / 6));
        STORE(row + 3 * point_stride, a * (1.0f / 24) + b * (1.0f / 12) + c * (1.0f / 6));
        STORE(row + 4 * point_stride, a * (1.0f / 24) - b * (1.0f / 12) + c * (1.0f / 6));
        STORE(row + 5 * point_stride, c);
    }
}

INLINE void transform_kernel(const float *w, int channels, int filters, float *u) {
    const long point_stride = (long)channels * filters;
    for (int c = 0; c < channels; c++) {
        for (int f = 0; f < filters; f += 16) {
            f16v g[3][3];
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) g[i][j] = LOAD(w + ((long)(i * 3 + j) * channels + c) * filters + f);
            }
            transform_kernel_vector(g, u + (long)c * filters + f, point_stride);
        }
    }
}

// Bᵀ applied to six values, into r[0 ..< 6].
#define INPUT_TRANSFORM(d0, d1, d2, d3, d4, d5, r)          \
    do {                                                    \
        (r)[0] = (d0) * 4.0f - (d2) * 5.0f + (d4);         \
        (r)[1] = ((d1) + (d2)) * -4.0f + (d3) + (d4);      \
        (r)[2] = ((d1) - (d2)) * 4.0f - (d3) + (d4);       \
        (r)[3] = ((d3) - (d1)) * 2.0f - (d2) + (d4);       \
        (r)[4] = ((d1) - (d3)) * 2.0f - (d2) + (d4);       \
        (r)[5] = (d1) * 4.0f - (d3) * 5.0f + (d5);         \
    } while (0)

// Aᵀ applied to six values, into r[0 ..< 4].
#define OUTPUT_TRANSFORM(m0, m1, m2, m3, m4, m5, r)         \
    do {                                                    \
        const f16v sum12_ = (m1) + (m2), sum34_ = (m3) + (m4); \
        const f16v diff12_ = (m1) - (m2), diff34_ = (m3) - (m4); \
        (r)[0] = (m0) + sum12_ + sum34_;                    \
        (r)[1] = diff12_ + diff34_ * 2.0f;                  \
        (r)[2] = sum12_ + sum34_ * 4.0f;                    \
        (r)[3] = diff12_ + diff34_ * 8.0f + (m5);           \
    } while (0)

// The block's tiles: tile i's top-left output is (rows[i], columns[i]).
typedef struct {
    int rows[block_tiles], columns[block_tiles];
    int count;
} tile_block;

// v[point][tile][channel] = Bᵀ d B for each tile of the block, d its window, zero outside the image; the
// rows of the tiles after the last one up to `rounded` are zeroed, so the products read only numbers.
INLINE void transform_windows(const cnn_convolution *c, const float *image, const cnn_padding *p,
                              const tile_block *block, int rounded, float *v) {
    const int channels = c->channels;
    const long point_stride = (long)block_tiles * channels;
    for (int tile = 0; tile < rounded; tile++) {
        for (int channel = 0; channel < channels; channel += 16) {
            float *out = v + (long)tile * channels + channel;
            if (tile >= block->count) {
                for (int point = 0; point < points; point++) STORE(out + point * point_stride, (f16v){0});
                continue;
            }
            f16v d[6][6];
            for (int i = 0; i < 6; i++) {
                const int y = block->rows[tile] + i - p->pad_top;
                for (int j = 0; j < 6; j++) {
                    const int x = block->columns[tile] + j - p->pad_left;
                    d[i][j] = y >= 0 && y < p->height && x >= 0 && x < p->width
                        ? LOAD(image + y * p->row_stride + (long)x * channels + channel) : (f16v){0};
                }
            }
            f16v t[6][6];
            for (int j = 0; j < 6; j++) {
                f16v r[6];
                INPUT_TRANSFORM(d[0][j], d[1][j], d[2][j], d[3][j], d[4][j], d[5][j], r);
                for (int i = 0; i < 6; i++) t[i][j] = r[i];
            }
            for (int i = 0; i < 6; i++) {
                f16v r[6];
                INPUT_TRANSFORM(t[i][0], t[i][1], t[i][2], t[i][3], t[i][4], t[i][5], r);
                for (int j = 0; j < 6; j++) STORE(out + (i * 6 + j) * point_stride, r[j]);
            }
        }
    }
}

// m[tile][group ..< group + 16·V] = Σ_k v[tile][k] · u[k][group ..< group + 16·V] for P tiles from
// `tile`, at one point. The sums stay in registers over the channels.
INLINE void multiply_tiles(const float *u, const float *v, float *m, int channels, int filters, int tile,
                           int group, const int P, const int V) {
    f16v sums[6][4];
    for (int i = 0; i < P; i++) {
        for (int k = 0; k < V; k++) sums[i][k] = (f16v){0};
    }
    const float *x = v + (long)tile * channels;
    const float *w = u + group;
    for (int k = 0; k < channels; k++, w += filters) {
        f16v wk[4];
        for (int j = 0; j < V; j++) wk[j] = LOAD(w + 16 * j);
        for (int i = 0; i < P; i++) {
            const float xi = x[(long)i * channels + k];
            for (int j = 0; j < V; j++) sums[i][j] += wk[j] * xi;
        }
    }
    for (int i = 0; i < P; i++) {
        for (int j = 0; j < V; j++) STORE(m + (long)(tile + i) * filters + group + 16 * j, sums[i][j]);
    }
}

// The 16-filter vectors of the group of filters that starts `left` filters before the last: as many of
// at most V (4, 2 or 1) as are left, in steps of 4, 2 and 1.
INLINE int group_vectors(int left, const int V) {
    return V >= 4 && left >= 64 ? 4 : V >= 2 && left >= 32 ? 2 : 1;
}

// Runs CALL(W) with W the constant equal to vectors (4, 2 or 1), so that a product's sums are indexed by
// constants and stay in registers.
#define WITH_CONSTANT_VECTORS(vectors, CALL) \
    do {                                     \
        if ((vectors) == 4) CALL(4);         \
        else if ((vectors) == 2) CALL(2);    \
        else CALL(1);                        \
    } while (0)

#define MULTIPLY_TILES(W) multiply_tiles(up, vp, mp, channels, filters, tile, group, P, W)

// The 36 products of the block: `rounded` tiles (a multiple of P), in groups of up to 16·V filters.
INLINE void multiply_block(const cnn_convolution *c, const float *u, const float *v, float *m, int rounded,
                           const int P, const int V) {
    const int channels = c->channels, filters = c->filters;
    for (int point = 0; point < points; point++) {
        const float *up = u + (long)point * channels * filters;
        const float *vp = v + (long)point * block_tiles * channels;
        float *mp = m + (long)point * block_tiles * filters;
        for (int group = 0; group < filters;) {
            const int vectors = group_vectors(filters - group, V);
            for (int tile = 0; tile < rounded; tile += P) WITH_CONSTANT_VECTORS(vectors, MULTIPLY_TILES);
            group += 16 * vectors;
        }
    }
}

// Aᵀ m A + b for 16 filters of one tile: y[i][j], the tile's output row i, column j.
INLINE void transform_outputs(const float *m, const float *bias, long point_stride, f16v y[4][4]) {
    f16v s[4][6];
    for (int j = 0; j < 6; j++) {
        f16v r[4];
        OUTPUT_TRANSFORM(LOAD(m + j * point_stride), LOAD(m + (6 + j) * point_stride),
                         LOAD(m + (12 + j) * point_stride), LOAD(m + (18 + j) * point_stride),
                         LOAD(m + (24 + j) * point_stride), LOAD(m + (30 + j) * point_stride), r);
        for (int i = 0; i < 4; i++) s[i][j] = r[i];
    }
    const f16v b = bias ? LOAD(bias) : (f16v){0};
    for (int i = 0; i < 4; i++) {
        f16v r[4];
        OUTPUT_TRANSFORM(s[i][0], s[i][1], s[i][2], s[i][3], s[i][4], s[i][5], r);
        for (int j = 0; j < 4; j++) y[i][j] = r[j] + b;
    }
}

// Stores the block's outputs in rows first ..< end (and columns below output_width) of out, which holds
// output row `first` on.
INLINE void store_outputs(const cnn_convolution *c, const tile_block *block, const float *m, int first, int end,
                          float *out) {
    const int filters = c->filters, width = c->output_width;
    const long point_stride = (long)block_tiles * filters;
    for (int tile = 0; tile < block->count; tile++) {
        for (int f = 0; f < filters; f += 16) {
            f16v y[4][4];
            transform_outputs(m + (long)tile * filters + f, c->bias ? c->bias + f : 0, point_stride, y);
            for (int i = 0; i < 4; i++) {
                const int row = block->rows[tile] + i;
                if (row < first) continue;
                if (row >= end) break;
                for (int j = 0; j < 4; j++) {
                    const int column = block->columns[tile] + j;
                    if (column >= width) break;
                    STORE(out + ((long)(row - first) * width + column) * filters + f, c->relu ? RELU(y[i][j]) : y[i][j]);
                }
            }
        }
    }
}

// The same through 2×2 max pooling: a tile's 4×4 outputs are four whole windows; pooled rows first ..< end.
INLINE void store_pooled_outputs(const cnn_convolution *c, const tile_block *block, const float *m, int first,
                                 int end, float *out, uint8_t *winners) {
    const int filters = c->filters, width = c->output_width / 2;
    const long point_stride = (long)block_tiles * filters;
    for (int tile = 0; tile < block->count; tile++) {
        for (int f = 0; f < filters; f += 16) {
            f16v y[4][4];
            transform_outputs(m + (long)tile * filters + f, c->bias ? c->bias + f : 0, point_stride, y);
            for (int i = 0; i < 2; i++) {
                const int row = block->rows[tile] / 2 + i;
                if (row < first) continue;
                if (row >= end) break;
                for (int j = 0; j < 2; j++) {
                    const int column = block->columns[tile] / 2 + j;
                    if (column >= width) break;
                    const f16v cells[4] = {y[2 * i][2 * j], y[2 * i][2 * j + 1], y[2 * i + 1][2 * j], y[2 * i + 1][2 * j + 1]};
                    const long at = ((long)(row - first) * width + column) * filters + f;
                    STORE_WINDOW_MAXIMUM(cells, 0, c->relu, out + at, winners + at);
                }
            }
        }
    }
}

// Output rows first ..< end (pooled rows when pooled), the tiles taken row of tiles after row of tiles.
// Rows of tiles start at multiples of 4 whatever rows are asked for, so that each output is computed by the
// same tile, and rounded the same, however a batch's rows are split between calls and threads.
INLINE void convolve(const cnn_convolution *c, const float *image, const cnn_padding *p, int first, int end,
                     float *out, uint8_t *winners, float *scratch, const int P, const int V, const int pooled) {
    const int scale = pooled ? 2 : 1;
    const int width = pooled ? c->output_width / 2 * 2 : c->output_width;
    const int top = first * scale / 4 * 4, bottom = end * scale;
    float *v = scratch, *m = scratch + (long)points * block_tiles * c->channels;
    tile_block block = {.count = 0};
    for (int row = top; row < bottom; row += 4) {
        for (int column = 0; column < width; column += 4) {
            block.rows[block.count] = row;
            block.columns[block.count] = column;
            block.count += 1;
            const int last = row + 4 >= bottom && column + 4 >= width;
            if (block.count < block_tiles && !last) continue;
            const int rounded = (block.count + P - 1) / P * P;
            transform_windows(c, image, p, &block, rounded, v);
            multiply_block(c, c->kernel, v, m, rounded, P, V);
            if (pooled) store_pooled_outputs(c, &block, m, first, end, out, winners);
            else store_outputs(c, &block, m, first, end, out);
            block.count = 0;
        }
    }
}

// dM = A dy Aᵀ for 16 filters of each tile of the block: dy the tile's 4×4 output gradient, zero outside
// the output (rows from output_height, columns from output_width); into m[point][tile][filter].
INLINE void transform_output_gradients(const cnn_convolution *c, const float *dz, int output_height,
                                       const tile_block *block, float *m) {
    const int filters = c->filters, width = c->output_width;
    const long point_stride = (long)block_tiles * filters;
    for (int tile = 0; tile < block->count; tile++) {
        for (int f = 0; f < filters; f += 16) {
            f16v y[4][4];
            for (int i = 0; i < 4; i++) {
                const int row = block->rows[tile] + i;
                for (int j = 0; j < 4; j++) {
                    const int column = block->columns[tile] + j;
                    y[i][j] = row < output_height && column < width
                        ? LOAD(dz + ((long)row * width + column) * filters + f) : (f16v){0};
                }
            }
            f16v t[6][4];
            for (int j = 0; j < 4; j++) {
                t[0][j] = y[0][j];
                t[1][j] = y[0][j] + y[1][j] + y[2][j] + y[3][j];
                t[2][j] = y[0][j] - y[1][j] + y[2][j] - y[3][j];
                t[3][j] = y[0][j] + y[1][j] * 2.0f + y[2][j] * 4.0f + y[3][j] * 8.0f;
                t[4][j] = y[0][j] - y[1][j] * 2.0f + y[2][j] * 4.0f - y[3][j] * 8.0f;
                t[5][j] = y[3][j];
            }
            float *out = m + (long)tile * filters + f;
            for (int i = 0; i < 6; i++) {
                const f16v a = t[i][0], b = t[i][1], d = t[i][2], e = t[i][3];
                float *row = out + (long)i * 6 * point_stride;
                STORE(row, a);
                STORE(row + point_stride, a + b + d + e);
                STORE(row + 2 * point_stride, a - b + d - e);
                STORE(row + 3 * point_stride, a + b * 2.0f + d * 4.0f + e * 8.0f);
                STORE(row + 4 * point_stride, a - b * 2.0f + d * 4.0f - e * 8.0f);
                STORE(row + 5 * point_stride, e);
            }
        }
    }
}

// du[channel + i][group ..< group + 16·V] += Σ_t v[t][channel + i] · m[t][group ..< group + 16·V] for P
// channels from `channel`, over the block's `count` tiles, at one point.
INLINE void add_gradient_tile(const float *v, const float *m, float *du, int channels, int filters, int count,
                              int channel, int group, const int P, const int V) {
    f16v sums[8][4];
    for (int i = 0; i < P; i++) {
        for (int j = 0; j < V; j++) sums[i][j] = LOAD(du + (long)(channel + i) * filters + group + 16 * j);
    }
    for (int t = 0; t < count; t++) {
        f16v mt[4];
        for (int j = 0; j < V; j++) mt[j] = LOAD(m + (long)t * filters + group + 16 * j);
        const float *x = v + (long)t * channels + channel;
        for (int i = 0; i < P; i++) {
            for (int j = 0; j < V; j++) sums[i][j] += mt[j] * x[i];
        }
    }
    for (int i = 0; i < P; i++) {
        for (int j = 0; j < V; j++) STORE(du + (long)(channel + i) * filters + group + 16 * j, sums[i][j]);
    }
}

#define GRADIENT_TILE(R) add_gradient_tile(v, m, du, channels, filters, count, channel, group, R, V)

// The filters group ..< group + 16·V of du += vᵀ · m at one point, P channels at a time.
INLINE void add_gradient_group(const float *v, const float *m, float *du, int channels, int filters, int count,
                               int group, const int P, const int V) {
    for (int channel = 0; channel < channels; channel += P) {
        if (channels - channel >= P) {
            GRADIENT_TILE(P);
        } else {
            WITH_CONSTANT_COUNT(channels - channel, GRADIENT_TILE);
        }
    }
}

#define ADD_GRADIENT_GROUP(W) add_gradient_group(vp, mp, dup, channels, filters, count, group, P, W)

// du[point] += v[point]ᵀ · m[point] over the block's tiles, in groups of up to 16·V filters.
INLINE void add_block_gradient(const cnn_convolution *c, const float *v, const float *m, int count, float *du,
                               const int P, const int V) {
    const int channels = c->channels, filters = c->filters;
    for (int point = 0; point < points; point++) {
        const float *vp = v + (long)point * block_tiles * channels;
        const float *mp = m + (long)point * block_tiles * filters;
        float *dup = du + (long)point * channels * filters;
        for (int group = 0; group < filters;) {
            const int vectors = group_vectors(filters - group, V);
            WITH_CONSTANT_VECTORS(vectors, ADD_GRADIENT_GROUP);
            group += 16 * vectors;
        }
    }
}

// dw += Gᵀ du G for 16 filters of each channel; du: [36, C, F].
INLINE void add_transformed_gradient(const float *du, int channels, int filters, float *dw) {
    const long point_stride = (long)channels * filters;
    for (int c = 0; c < channels; c++) {
        for (int f = 0; f < filters; f += 16) {
            const float *u = du + (long)c * filters + f;
            f16v t[3][6];
            for (int j = 0; j < 6; j++) {
                const f16v u0 = LOAD(u + j * point_stride), u1 = LOAD(u + (6 + j) * point_stride);
                const f16v u2 = LOAD(u + (12 + j) * point_stride), u3 = LOAD(u + (18 + j) * point_stride);
                const f16v u4 = LOAD(u + (24 + j) * point_stride), u5 = LOAD(u + (30 + j) * point_stride);
                t[0][j] = u0 * 0.25f - (u1 + u2) * (1.0f / 6) + (u3 + u4) * (1.0f / 24);
                t[1][j] = (u2 - u1) * (1.0f / 6) + (u3 - u4) * (1.0f / 12);
                t[2][j] = (u3 + u4 - u1 - u2) * (1.0f / 6) + u5;
            }
            for (int i = 0; i < 3; i++) {
                const f16v u0 = t[i][0], u1 = t[i][1], u2 = t[i][2], u3 = t[i][3], u4 = t[i][4], u5 = t[i][5];
                const f16v w[3] = {
                    u0 * 0.25f - (u1 + u2) * (1.0f / 6) + (u3 + u4) * (1.0f / 24),
                    (u2 - u1) * (1.0f / 6) + (u3 - u4) * (1.0f / 12),
                    (u3 + u4 - u1 - u2) * (1.0f / 6) + u5,
                };
                for (int j = 0; j < 3; j++) {
                    float *out = dw + ((long)(i * 3 + j) * channels + c) * filters + f;
                    STORE(out, LOAD(out) + w[j]);
                }
            }
        }
    }
}

// Adds the kernel gradient of image_count images to dw, each image as padding describes it and its output
// gradient dz ([output_height, output_width, filters]) after the previous one's.
INLINE void kernel_gradient(const cnn_convolution *c, const float *const *images, const cnn_padding *p,
                            int image_count, int output_height, const float *dz, float *dw, float *scratch,
                            const int P, const int V) {
    const int width = c->output_width;
    float *v = scratch, *m = v + (long)points * block_tiles * c->channels;
    float *du = m + (long)points * block_tiles * c->filters;
    __builtin_memset(du, 0, sizeof(float) * points * c->channels * c->filters);
    const long image_gradient = (long)output_height * width * c->filters;
    for (int n = 0; n < image_count; n++) {
        tile_block block = {.count = 0};
        for (int row = 0; row < output_height; row += 4) {
            for (int column = 0; column < width; column += 4) {
                block.rows[block.count] = row;
                block.columns[block.count] = column;
                block.count += 1;
                const int last = row + 4 >= output_height && column + 4 >= width;
                if (block.count < block_tiles && !last) continue;
                transform_windows(c, images[n], p, &block, block.count, v);
                transform_output_gradients(c, dz + n * image_gradient, output_height, &block, m);
                add_block_gradient(c, v, m, block.count, du, P, V);
                block.count = 0;
            }
        }
    }
    add_transformed_gradient(du, c->channels, c->filters, dw);
}

// The products' register tiles: AVX-512 keeps 6 tiles × 64 filters of sums (24 of its 32 registers),
// AVX2 4 × 16 (8 of 16), the baseline 2 × 16 (8 of 16). Each divides block_tiles.
#if defined(__x86_64__)
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
static void transform_kernel_avx512(const float *w, int channels, int filters, float *u) {
    transform_kernel(w, channels, filters, u);
}

__attribute__((target("avx2,fma")))
static void transform_kernel_avx2(const float *w, int channels, int filters, float *u) {
    transform_kernel(w, channels, filters, u);
}

__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
static void convolve_avx512(const cnn_convolution *c, const float *image, const cnn_padding *p, int first,
                            int end, float *out, uint8_t *winners, float *scratch, int pooled) {
    if (pooled) convolve(c, image, p, first, end, out, winners, scratch, 6, 4, 1);
    else convolve(c, image, p, first, end, out, winners, scratch, 6, 4, 0);
}

__attribute__((target("avx2,fma")))
static void convolve_avx2(const cnn_convolution *c, const float *image, const cnn_padding *p, int first,
                          int end, float *out, uint8_t *winners, float *scratch, int pooled) {
    if (pooled) convolve(c, image, p, first, end, out, winners, scratch, 4, 1, 1);
    else convolve(c, image, p, first, end, out, winners, scratch, 4, 1, 0);
}
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
static void kernel_gradient_avx512(const cnn_convolution *c, const float *const *images, const cnn_padding *p,
                                   int image_count, int output_height, const float *dz, float *dw, float *scratch) {
    kernel_gradient(c, images, p, image_count, output_height, dz, dw, scratch, 6, 4);
}

__attribute__((target("avx2,fma")))
static void kernel_gradient_avx2(const cnn_convolution *c, const float *const *images, const cnn_padding *p,
                                 int image_count, int output_height, const float *dz, float *dw, float *scratch) {
    kernel_gradient(c, images, p, image_count, output_height, dz, dw, scratch, 4, 1);
}
#endif

void cnn_winograd_kernel_gradient(cnn_isa isa, const cnn_convolution *c, const float *const *images,
                                  const cnn_padding *padding, int image_count, int output_height, const float *dz,
                                  float *dw, float *scratch) {
#if defined(__x86_64__)
    if (isa == cnn_isa_avx512) return kernel_gradient_avx512(c, images, padding, image_count, output_height, dz, dw, scratch);
    if (isa == cnn_isa_avx2) return kernel_gradient_avx2(c, images, padding, image_count, output_height, dz, dw, scratch);
#else
    (void)isa;
#endif
    kernel_gradient(c, images, padding, image_count, output_height, dz, dw, scratch, 2, 1);
}

static void convolve_baseline(const cnn_convolution *c, const float *image, const cnn_padding *p, int first,
                              int end, float *out, uint8_t *winners, float *scratch, int pooled) {
    if (pooled) convolve(c, image, p, first, end, out, winners, scratch, 2, 1, 1);
    else convolve(c, image, p, first, end, out, winners, scratch, 2, 1, 0);
}

void cnn_winograd_transform_kernel(cnn_isa isa, const float *w, int channels, int filters, float *u) {
#if defined(__x86_64__)
    if (isa == cnn_isa_avx512) return transform_kernel_avx512(w, channels, filters, u);
    if (isa == cnn_isa_avx2) return transform_kernel_avx2(w, channels, filters, u);
#else
    (void)isa;
#endif
    transform_kernel(w, channels, filters, u);
}

static void dispatch(cnn_isa isa, const cnn_convolution *c, const float *image, const cnn_padding *p, int first,
                     int end, float *out, uint8_t *winners, float *scratch, int pooled) {
#if defined(__x86_64__)
    if (isa == cnn_isa_avx512) return convolve_avx512(c, image, p, first, end, out, winners, scratch, pooled);
    if (isa == cnn_isa_avx2) return convolve_avx2(c, image, p, first, end, out, winners, scratch, pooled);
#else
    (void)isa;
#endif
    convolve_baseline(c, image, p, first, end, out, winners, scratch, pooled);
}

void cnn_winograd_convolve_rows(cnn_isa isa, const cnn_convolution *c, const float *image, const cnn_padding *padding,
                                int first_row, int row_count, float *out, float *scratch) {
    dispatch(isa, c, image, padding, first_row, first_row + row_count, out, 0, scratch, 0);
}

void cnn_winograd_convolve_max_pool_rows(cnn_isa isa, const cnn_convolution *c, const float *image,
                                         const cnn_padding *padding, int first_row, int row_count, float *out,
                                         uint8_t *winners, float *scratch) {
    dispatch(isa, c, image, padding, first_row, first_row + row_count, out, winners, scratch, 1);
}
