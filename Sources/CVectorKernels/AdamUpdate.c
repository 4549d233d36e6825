// p, g, m, v: one parameter's value, gradient, first and second moments, `count` floats each.
// One step of Adam over them (the rule is documented on the Swift type `Adam`). Naive reference:
// AdamUpdateReference.swift, which this matches bit for bit in every instruction set: the float
// arithmetic is written in the reference's order with contraction into fused multiply-adds switched off,
// and √v is the reference's three Newton steps on the reciprocal-square-root estimate rather than the
// hardware's square root, so that a step's numbers do not depend on the CPU. It is C because the Swift
// package compiles for x86-64's baseline, where each 16-lane step of the same update ran as four SSE
// operations; in AVX-512 it takes one, and what is left is moving seven floats an element.

#include "CVectorKernels.h"
#include "VectorTypes.h"

#pragma clang fp contract(off)

typedef uint32_t u16v __attribute__((vector_size(64)));

// One element's step, written once for a 16-lane vector type V (its scalars spread over the lanes) and
// once for a float: m and v are updated in place and the expression is the new value.
#define ADAM_STEP(V, p, g, m, v, c, keep, as_bits, as_float) ({                 \
    (m) = (m) + (c)->beta1_complement * ((g) - (m));                             \
    (v) = (v) + (c)->beta2_complement * ((g) * (g) - (v));                       \
    V y_ = as_float(0x5F375A86u - (as_bits(v) >> 1));                            \
    const V half_ = 0.5f * (v);                                                  \
    y_ = y_ * (1.5f - half_ * y_ * y_);                                          \
    y_ = y_ * (1.5f - half_ * y_ * y_);                                          \
    y_ = y_ * (1.5f - half_ * y_ * y_);                                          \
    (p) * (keep) - (c)->rate * (m) / ((v) * y_ + (c)->epsilon);                  \
})

#define VECTOR_BITS(x) ((u16v)(x))
#define VECTOR_FLOAT(x) ((f16v)(x))

INLINE uint32_t float_bits(float x) { uint32_t bits; __builtin_memcpy(&bits, &x, sizeof bits); return bits; }
INLINE float bits_float(uint32_t bits) { float x; __builtin_memcpy(&x, &bits, sizeof x); return x; }

INLINE void adam_update(float *p, const float *g, float *m, float *v, long count, const cnn_adam_coefficients *c) {
    const float keep = 1 - c->decay;
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        f16v mi = LOAD(m + i), vi = LOAD(v + i);
        const f16v next = ADAM_STEP(f16v, LOAD(p + i), LOAD(g + i), mi, vi, c, keep, VECTOR_BITS, VECTOR_FLOAT);
        STORE(m + i, mi);
        STORE(v + i, vi);
        STORE(p + i, next);
    }
    for (; i < count; i++) {
        float mi = m[i], vi = v[i];
        p[i] = ADAM_STEP(float, p[i], g[i], mi, vi, c, keep, float_bits, bits_float);
        m[i] = mi;
        v[i] = vi;
    }
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"))) static void
adam_update_avx512(float *p, const float *g, float *m, float *v, long count, const cnn_adam_coefficients *c) {
    adam_update(p, g, m, v, count, c);
}
__attribute__((target("avx2,fma"))) static void
adam_update_avx2(float *p, const float *g, float *m, float *v, long count, const cnn_adam_coefficients *c) {
    adam_update(p, g, m, v, count, c);
}
#endif

void cnn_adam_update(cnn_isa isa, float *p, const float *g, float *m, float *v, long count,
                     const cnn_adam_coefficients *c) {
#if defined(__x86_64__)
    if (isa == cnn_isa_avx512) { adam_update_avx512(p, g, m, v, count, c); return; }
    if (isa == cnn_isa_avx2) { adam_update_avx2(p, g, m, v, count, c); return; }
#endif
    (void)isa;
    adam_update(p, g, m, v, count, c);
}
