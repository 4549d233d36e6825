// x: images [H, W, C] (row_stride floats apart), dz: [images, OH, OW, F] → dw: [KH, KW, C, F]
// += Σ window ⊗ dz.
// The kernel gradient as an implicit matrix product: dw's rows (one per window value kh, kw, c) by its
// columns (filters), the output pixels the shared dimension. Each window is read where it lies in the
// image rather than copied into an im2col row. A tile of R consecutive window values of one kernel row
// (contiguous in the image) keeps sums for V vectors of 16 filters in registers over every output pixel
// of every image it is given, so that each pixel costs V loads of dz, R broadcasts and R·V
// multiply-adds, as the forward kernel's tiles do (AVX2: 6 values × 16 filters in 12 of its 16
// registers; AVX-512: 8 × 32 in 16 of 32), and small outputs (a 4×4 image has 16 pixels) still give each
// tile enough pixels to repay loading and storing its sums.

#include "CVectorKernels.h"
#include "VectorTypes.h"

enum { max_rows = 8 };

// Adds Σ over the output pixels of each image of window[first + i] · dz[pixel, group ..< group + 16·V]
// to dw's row i (dw + i·filters) for i < R.
INLINE void gradient_tile(const cnn_convolution *c, const float *const *images, int image_count, long first,
                          int output_height, const float *dz, int group, float *dw, const int R, const int V) {
    const int width = c->output_width, filters = c->filters;
    const long pixel_step = (long)c->stride_width * c->channels;
    const long row_step = (long)c->stride_height * c->row_stride;
    f16v sums[2][max_rows];
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) sums[v][i] = LOAD(dw + (long)i * filters + group + 16 * v);
    }
    const float *d = dz + group;
    for (int n = 0; n < image_count; n++) {
        for (int y = 0; y < output_height; y++) {
            const float *window = images[n] + first + y * row_step;
            for (int x = 0; x < width; x++, window += pixel_step, d += filters) {
                const f16v d0 = LOAD(d), d1 = V > 1 ? LOAD(d + 16) : d0;
                for (int i = 0; i < R; i++) {
                    sums[0][i] += d0 * window[i];
                    if (V > 1) sums[1][i] += d1 * window[i];
                }
            }
        }
    }
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) STORE(dw + (long)i * filters + group + 16 * v, sums[v][i]);
    }
}

// A tile of count (≤ max_rows) rows: the row count is a constant in each call, so the sums stay in
// registers, and a kernel row's last tile reads nothing past its window.
INLINE void gradient_tile_of(int count, const cnn_convolution *c, const float *const *images,
                             int image_count, long first, int output_height, const float *dz, int group,
                             float *dw, const int V) {
#define TILE(R) gradient_tile(c, images, image_count, first, output_height, dz, group, dw, (R), V)
    WITH_CONSTANT_COUNT(count, TILE);
#undef TILE
}

// Filter groups outermost, so that a group's columns of dz stay in cache while every tile reads them.
INLINE void kernel_gradient(const cnn_convolution *c, const float *const *images, int image_count,
                            int output_height, const float *dz, float *dw, const int R, const int V) {
    const int span = c->kernel_width * c->channels, filters = c->filters;
    for (int group = 0; group < filters;) {
        const int vectors = filters - group >= 16 * V ? V : 1;
        for (int kh = 0; kh < c->kernel_height; kh++) {
            for (int j = 0; j < span; j += R) {
                const int count = span - j < R ? span - j : R;
                float *rows = dw + ((long)kh * span + j) * filters;
                const long first = (long)kh * c->row_stride + j;
                if (vectors == V) {
                    gradient_tile_of(count, c, images, image_count, first, output_height, dz, group, rows, V);
                } else {
                    gradient_tile_of(count, c, images, image_count, first, output_height, dz, group, rows, 1);
                }
            }
        }
        group += 16 * vectors;
    }
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))
static void kernel_gradient_avx512(const cnn_convolution *c, const float *const *images, int image_count,
                                   int output_height, const float *dz, float *dw) {
    kernel_gradient(c, images, image_count, output_height, dz, dw, 8, 2);
}

__attribute__((target("avx2,fma")))
static void kernel_gradient_avx2(const cnn_convolution *c, const float *const *images, int image_count,
                                 int output_height, const float *dz, float *dw) {
    kernel_gradient(c, images, image_count, output_height, dz, dw, 6, 1);
}
#endif

static void kernel_gradient_baseline(const cnn_convolution *c, const float *const *images, int image_count,
                                     int output_height, const float *dz, float *dw) {
    kernel_gradient(c, images, image_count, output_height, dz, dw, 2, 1);
}

void cnn_channels_kernel_gradient(cnn_isa isa, const cnn_convolution *c, const float *const *images,
                                  int image_count, int output_height, const float *dz, float *dw) {
#if defined(__x86_64__)
    if (isa == cnn_isa_avx512) return kernel_gradient_avx512(c, images, image_count, output_height, dz, dw);
    if (isa == cnn_isa_avx2) return kernel_gradient_avx2(c, images, image_count, output_height, dz, dw);
#else
    (void)isa;
#endif
    kernel_gradient_baseline(c, images, image_count, output_height, dz, dw);
}
