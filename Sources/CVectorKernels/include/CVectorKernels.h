#ifndef SWIFTCNN_CVECTORKERNELS_H
#define SWIFTCNN_CVECTORKERNELS_H

// Vector kernels that must use the CPU's widest registers and fused multiply-add. A Swift library
// cannot: SwiftPM refuses a target CPU flag in a dependency, and Swift has no per-function target
// attribute. C does, so each kernel here is compiled three times (AVX-512, AVX2 + FMA, and the
// baseline) and the caller picks one at run time from the features it detected.

#include <stdint.h>

typedef enum {
    cnn_isa_baseline = 0,
    cnn_isa_avx2 = 1,
    cnn_isa_avx512 = 2,
} cnn_isa;

// A convolution of `channels` input channels into `filters` outputs (a multiple of 16), over an image
// whose windows all lie inside it (the caller pads it when the layer pads). The single-channel kernels
// below take one channel and a 3×3 or 5×5 window.
typedef struct {
    const float *kernel;      // [KH, KW, channels, filters]
    const float *bias;        // [filters], or NULL
    long row_stride;          // floats from one image row to the next
    int channels;
    int kernel_height, kernel_width;
    int stride_height, stride_width;
    int output_width;         // window positions per row (before pooling)
    int filters;
    int relu;                 // 1: max(·, 0) after the bias; 0: nothing
} cnn_convolution;

// Where a zero-padded image's rows come from: the image as it lies, `height` rows of `width` pixels
// `row_stride` floats apart, placed `pad_top` rows down and `pad_left` pixels right in the padded one.
typedef struct {
    long row_stride;
    int height, width;
    int pad_top, pad_left;
} cnn_padding;

// The single-channel kernels (channels 1, a 3×3 or 5×5 window).
// image: one image; out: [rows, output_width, filters] from output row first_row on.
void cnn_convolve_rows(cnn_isa isa, const cnn_convolution *c, const float *image,
                       int first_row, int row_count, float *out);

// The convolution followed by 2×2 max pooling with stride 2: out and winners: [rows, output_width / 2,
// filters] from pooled row first_row on; winners[i] is 0–3, the cell of its window (row-major) that
// won, the first one on ties.
void cnn_convolve_max_pool_rows(cnn_isa isa, const cnn_convolution *c, const float *image,
                                int first_row, int row_count, float *out, uint8_t *winners);

// Adds one image's kernel gradient Σ window ⊗ dz to dw ([KH, KW, filters]) and Σ dz to db (NULL: none).
// dz: [output_height, output_width, filters], the gradient after the activation's derivative.
void cnn_convolution_gradients(cnn_isa isa, const cnn_convolution *c, const float *image,
                               int output_height, const float *dz, float *dw, float *db);

// The same through the pooling: dpooled, pooled, winners: [pooled_height, output_width / 2, filters],
// from cnn_convolve_max_pool_rows. With relu set, cells whose pooled value is not positive pass nothing.
void cnn_convolution_max_pool_gradients(cnn_isa isa, const cnn_convolution *c, const float *image,
                                        int pooled_height, const float *dpooled, const float *pooled,
                                        const uint8_t *winners, float *dw, float *db);

// The kernel for several channels, any window and strides.
// image: one image [rows, columns, channels]; out: [rows, output_width, filters] from output row first_row on.
void cnn_convolve_channels_rows(cnn_isa isa, const cnn_convolution *c, const float *image,
                                int first_row, int row_count, float *out);

// The same followed by 2×2 max pooling with stride 2, as cnn_convolve_max_pool_rows: out and winners:
// [rows, output_width / 2, filters] from pooled row first_row on.
void cnn_convolve_channels_max_pool_rows(cnn_isa isa, const cnn_convolution *c, const float *image,
                                         int first_row, int row_count, float *out, uint8_t *winners);

// Winograd's F(4×4, 3×3) for 3×3 windows with stride 1, channels and filters multiples of 16.
// w: [3, 3, channels, filters] → u: [36, channels, filters], the kernel in the transformed domain.
void cnn_winograd_transform_kernel(cnn_isa isa, const float *w, int channels, int filters, float *u);
// Floats of scratch a call below needs.
long cnn_winograd_scratch_floats(int channels, int filters);
// As cnn_convolve_channels_rows and cnn_convolve_channels_max_pool_rows, with c->kernel the transformed
// kernel and image the unpadded image that padding describes (c->row_stride unused): the windows are
// read with zeros outside it.
void cnn_winograd_convolve_rows(cnn_isa isa, const cnn_convolution *c, const float *image, const cnn_padding *padding,
                                int first_row, int row_count, float *out, float *scratch);
void cnn_winograd_convolve_max_pool_rows(cnn_isa isa, const cnn_convolution *c, const float *image,
                                         const cnn_padding *padding, int first_row, int row_count, float *out,
                                         uint8_t *winners, float *scratch);
// Adds the kernel gradient Σ window ⊗ dz of image_count images (each as padding describes it; dz:
// [image_count, output_height, output_width, filters]) to dw ([3, 3, channels, filters]), computed in
// Winograd's domain; scratch: cnn_winograd_kernel_gradient_scratch_floats floats.
long cnn_winograd_kernel_gradient_scratch_floats(int channels, int filters);
void cnn_winograd_kernel_gradient(cnn_isa isa, const cnn_convolution *c, const float *const *images,
                                  const cnn_padding *padding, int image_count, int output_height, const float *dz,
                                  float *dw, float *scratch);
// The same with BF16 products and FP32 sums, on CPUs with AVX512_BF16 only (x86-64). channels must be
// even; kernel: the weights as cnn_pack_bfloat16_kernel packs them; scratch: room for the BF16 copy of
// the input rows a call reads (at most the whole padded image, rows × row_stride values).
#if defined(__x86_64__)
// y[i] = x[i] rounded to the nearest BF16 value (ties to even), as vcvtneps2bf16 rounds.
void cnn_convert_to_bfloat16(const float *x, long count, uint16_t *y);
// w: [shared, filters] (shared even, filters a multiple of 16) → packed: [shared / 2, filters, 2] BF16.
void cnn_pack_bfloat16_kernel(const float *w, int shared, int filters, uint16_t *packed);
// image: the image as c describes it, or with padding set, the unpadded image that padding describes,
// which the kernels pad as they convert it.
void cnn_convolve_channels_rows_bf16(const cnn_convolution *c, const uint16_t *kernel, const float *image,
                                     const cnn_padding *padding, int first_row, int row_count, float *out,
                                     uint16_t *scratch);
void cnn_convolve_channels_max_pool_rows_bf16(const cnn_convolution *c, const uint16_t *kernel, const float *image,
                                              const cnn_padding *padding, int first_row, int row_count, float *out,
                                              uint8_t *winners, uint16_t *scratch);
// cnn_channels_kernel_gradient with BF16 products and FP32 sums (image_count at most 16); scratch: for each
// image, H·row_stride words for its values in pairs and output_height·⌈output_width / 2⌉·filters words
// for its output gradient in pairs (H the rows the windows cover).
void cnn_channels_kernel_gradient_bf16(const cnn_convolution *c, const float *const *images, int image_count,
                                       int output_height, const float *dz, float *dw, uint32_t *scratch);
#endif

// The gradient of one image's convolution sums, dz: [output_height, output_width, filters], from the
// gradient of its fused 2×2 max pooling, dpooled, with pooled and winners as the pooled kernels wrote
// them ([output_height / 2, output_width / 2, filters]); with relu set, cells whose pooled value is not
// positive pass nothing. Every element of dz is written.
void cnn_scatter_max_pool_gradient(cnn_isa isa, const float *dpooled, const float *pooled, const uint8_t *winners,
                                   int relu, int output_height, int output_width, int filters, float *dz);

// Adds the images' kernel gradient Σ window ⊗ dz to dw ([KH, KW, channels, filters]) for several
// channels, any window and strides. images: image_count images as the forward kernel reads them; dz:
// [image_count, output_height, output_width, filters], the gradient after the activation's derivative.
void cnn_channels_kernel_gradient(cnn_isa isa, const cnn_convolution *c, const float *const *images,
                                  int image_count, int output_height, const float *dz, float *dw);

// Batch normalisation over [rows, channels] (any channel count), its statistics and its backward pass,
// optionally with ReLU after it (relu 1). The sums are added to, row after row, in double.
// sums[c] += Σ x[m, c], squares[c] += Σ x[m, c]².
void cnn_channel_moments(cnn_isa isa, const float *x, long rows, int channels, double *sums, double *squares);

// y = (x − mean) · scale + offset per channel, then max(·, 0) when relu (NaN kept).
void cnn_normalize_channels(cnn_isa isa, const float *x, long rows, int channels, const float *mean,
                            const float *scale, const float *offset, int relu, float *y);

// The same for one image x: [height, width, channels] (channels a multiple of 16), followed by 2×2 max
// pooling with stride 2: pooled and winners: [height / 2, width / 2, channels], as
// cnn_convolve_max_pool_rows writes them.
void cnn_normalize_channels_max_pool(cnn_isa isa, const float *x, int height, int width, int channels,
                                     const float *mean, const float *scale, const float *offset, int relu,
                                     float *pooled, uint8_t *winners);

// The backward passes after cnn_normalize_channels_max_pool, for one image, from the pooled gradient:
// each cell's g is dpooled where it won the window (and, when relu, the pooled value is positive), zero
// elsewhere. The sums are added in x's order, as the unpooled pass adds them; every element of dx
// (centered_scale and shift as below) is written.
void cnn_normalization_max_pool_gradient_sums(cnn_isa isa, const float *dpooled, const float *pooled,
                                              const uint8_t *winners, const float *x, int height, int width,
                                              int channels, const float *mean, int relu, double *sums,
                                              double *products);
void cnn_normalization_max_pool_input_gradient(cnn_isa isa, const float *dpooled, const float *pooled,
                                               const uint8_t *winners, const float *x, int height, int width,
                                               int channels, const float *mean, const float *scale, int relu,
                                               const float *centered_scale, const float *shift, float *dx);

// With g = dy, or dy where the forward pass's normalised value is positive when relu:
// gradient_sums[c] += Σ g, products[c] += Σ g · (x − mean).
void cnn_normalization_gradient_sums(cnn_isa isa, const float *dy, const float *x, long rows, int channels,
                                     const float *mean, const float *scale, const float *offset, int relu,
                                     double *gradient_sums, double *products);

// dx = g · scale + (x − mean) · centered_scale + shift per channel, g as above.
void cnn_normalization_input_gradient(cnn_isa isa, const float *dy, const float *x, long rows, int channels,
                                      const float *mean, const float *scale, const float *offset, int relu,
                                      const float *centered_scale, const float *shift, float *dx);

// One step of Adam (the Swift type's rule) over count elements: p the values, g their gradients, m and v
// the first and second moments, updated in place. rate is the learning rate times the bias correction
// √(1 − β2ᵗ) / (1 − β1ᵗ), decay the learning rate times the decoupled weight decay.
typedef struct {
    float rate, decay;
    float beta1_complement, beta2_complement;  // 1 − β1, 1 − β2
    float epsilon;
} cnn_adam_coefficients;

void cnn_adam_update(cnn_isa isa, float *p, const float *g, float *m, float *v, long count,
                     const cnn_adam_coefficients *c);

#endif
