#ifndef SWIFTCNN_COPENBLAS_SHIM_H
#define SWIFTCNN_COPENBLAS_SHIM_H

// Debian's libopenblas-dev installs <cblas.h> through the alternatives system.
#include <cblas.h>
#include <stdint.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

// CPUID and XGETBV are instructions, not library calls: Swift has no inline assembly,
// so the kernel choice reads CPU features through these two inline functions.
// On other architectures they report no features, and OpenBLAS's own choice stands.
static inline int swiftcnn_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
#if defined(__x86_64__) || defined(__i386__)
    return __get_cpuid_count(leaf, subleaf, &regs[0], &regs[1], &regs[2], &regs[3]);
#else
    regs[0] = regs[1] = regs[2] = regs[3] = 0;
    return 0;
#endif
}

static inline uint64_t swiftcnn_xgetbv(uint32_t index) {
#if defined(__x86_64__) || defined(__i386__)
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(index));
    return ((uint64_t)edx << 32) | eax;
#else
    (void)index;
    return 0;
#endif
}

#endif
