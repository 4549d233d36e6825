#ifndef SWIFTCNN_CVECTORKERNELS_VECTORTYPES_H
#define SWIFTCNN_CVECTORKERNELS_VECTORTYPES_H

// What the kernels' .c files share: 16-float vector types, written once and compiled into each
// instruction-set variant by inlining (one AVX-512 register, two AVX2 registers or four SSE ones).

#include <stdint.h>

typedef float f16v __attribute__((vector_size(64)));
typedef int32_t i16v __attribute__((vector_size(64)));

#define INLINE static inline __attribute__((always_inline))

// Macros rather than functions: passing a 64-byte vector by value from baseline code changes the ABI.
#define LOAD(p) ({ f16v loaded_; __builtin_memcpy(&loaded_, (p), sizeof loaded_); loaded_; })
#define STORE(p, v) do { f16v stored_ = (v); __builtin_memcpy((p), &stored_, sizeof stored_); } while (0)
#define MASK(v, keep) ((f16v)((i16v)(v) & (keep)))
// Keeps NaN, so that a diverging model still shows a non-finite loss.
#define RELU(v) MASK((v), ~((v) < 0))

// Runs TILE(R) with R the constant equal to count (1 to 8), so that a tile whose length is only known
// at run time still indexes its sums with constants and keeps them in registers.
#define WITH_CONSTANT_COUNT(count, TILE) \
    do {                                  \
        switch (count) {                  \
        case 8: TILE(8); break;           \
        case 7: TILE(7); break;           \
        case 6: TILE(6); break;           \
        case 5: TILE(5); break;           \
        case 4: TILE(4); break;           \
        case 3: TILE(3); break;           \
        case 2: TILE(2); break;           \
        default: TILE(1); break;          \
        }                                 \
    } while (0)

#endif
