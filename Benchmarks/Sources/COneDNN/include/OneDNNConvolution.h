// Times oneDNN's convolutions on SwiftCNN's layouts, for onednn-comparison.
#ifndef ONEDNN_CONVOLUTION_H
#define ONEDNN_CONVOLUTION_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One convolution over a batch: input [batch, height, width, channels] (NHWC), output
/// [batch, outputHeight, outputWidth, filters], explicit padding on each side.
typedef struct {
    int batch, height, width, channels, filters;
    int kernelHeight, kernelWidth, strideHeight, strideWidth;
    int padTop, padLeft, padBottom, padRight;
    int outputHeight, outputWidth;
    int hasBias, relu;
} OneDNNConvolutionShape;

typedef enum {
    /// Forward in training mode, with the bias and a fused ReLU when the shape has them.
    OneDNNForward = 0,
    /// The input gradient.
    OneDNNBackwardData = 1,
    /// The kernel gradient, with the bias gradient when the shape has a bias.
    OneDNNBackwardWeights = 2,
} OneDNNPass;

/// The median seconds of `repetitions` runs of `pass` after `warmup` untimed ones, on `threads` OpenMP
/// threads, in FP32 or with BF16 inputs and outputs (`bf16`; the kernel gradient stays FP32). The
/// activations are NHWC; the kernel takes the layout oneDNN prefers, reordered once before timing.
/// Writes oneDNN's name for the implementation it chose into `implementation`. Returns a negative value,
/// with the reason in `implementation`, when oneDNN has no implementation (BF16 without AVX512_BF16).
double onednn_convolution_seconds(const OneDNNConvolutionShape *shape, OneDNNPass pass, int bf16, int threads,
                                  int warmup, int repetitions, char *implementation, size_t capacity);

/// oneDNN's version, e.g. "2.6.3".
void onednn_version(char *version, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
