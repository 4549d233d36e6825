#ifndef SWIFTCNN_CVECTORKERNELS_MAXPOOLEPILOGUE_H
#define SWIFTCNN_CVECTORKERNELS_MAXPOOLEPILOGUE_H

// The end of a convolution with 2×2 max pooling fused, shared by the single- and several-channel
// kernels: a window's four cells, still in registers, become their maximum and which cell won (0–3,
// row-major, the first on ties, as the unfused pooling picks). The activation goes on after the
// maximum: ReLU is monotone, so it commutes with it, and the backward pass reads its derivative off
// the pooled value.

#include "VectorTypes.h"

typedef uint8_t u8x16 __attribute__((vector_size(16)));

#define CHOOSE(condition, yes, no) ((f16v)(((i16v)(yes) & (condition)) | ((i16v)(no) & ~(condition))))

// The window's cells are cells[first ..< first + 4] (16 filters each); its maximum and winner go to out
// and winners. A macro, so that cells stays an array whose address is never taken: the kernels index
// it with constants only, which lets the compiler keep the sums in registers.
#define STORE_WINDOW_MAXIMUM(cells, first, relu, out, winners)                        \
    do {                                                                              \
        f16v best_ = (cells)[(first)];                                                \
        i16v winner_ = (i16v){0};                                                     \
        for (int i_ = 1; i_ < 4; i_++) {                                              \
            const i16v better_ = (cells)[(first) + i_] > best_;                       \
            best_ = CHOOSE(better_, (cells)[(first) + i_], best_);                    \
            winner_ = (winner_ & ~better_) | (i_ & better_);                          \
        }                                                                             \
        STORE((out), (relu) ? RELU(best_) : best_);                                   \
        const u8x16 bytes_ = __builtin_convertvector(winner_, u8x16);                 \
        __builtin_memcpy((winners), &bytes_, sizeof bytes_);                          \
    } while (0)

#endif
