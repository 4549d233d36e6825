// The C side of gemm-vs-c.sh: times cblas_sgemm on n×n matrices, as any C program would call it, and
// prints GFLOP/s (2·n³ per product) in the same format as the Swift `gemm-throughput` executable.
// Usage: gemm-throughput-c [n] [threads] [warmup] [repeats]
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1024;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    int warmup = argc > 3 ? atoi(argv[3]) : 3;
    int repeats = argc > 4 ? atoi(argv[4]) : 20;
    if (n <= 0 || threads <= 0 || warmup < 0 || repeats <= 0) {
        fprintf(stderr, "usage: %s [n] [threads] [warmup] [repeats]\n", argv[0]);
        return 2;
    }
    openblas_set_num_threads(threads);

    size_t count = (size_t)n * (size_t)n;
    float *a = malloc(count * sizeof(float));
    float *b = malloc(count * sizeof(float));
    float *c = malloc(count * sizeof(float));
    double *seconds = malloc((size_t)repeats * sizeof(double));
    if (!a || !b || !c || !seconds) {
        fprintf(stderr, "out of memory for n = %d\n", n);
        return 1;
    }
    srand(1);
    for (size_t i = 0; i < count; i++) {
        a[i] = 2.0f * (float)rand() / (float)RAND_MAX - 1.0f;
        b[i] = 2.0f * (float)rand() / (float)RAND_MAX - 1.0f;
    }

    for (int i = 0; i < warmup; i++) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    }
    for (int i = 0; i < repeats; i++) {
        double start = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        seconds[i] = now() - start;
    }
    qsort(seconds, (size_t)repeats, sizeof(double), compare_doubles);
    double median = repeats % 2 ? seconds[repeats / 2] : (seconds[repeats / 2 - 1] + seconds[repeats / 2]) / 2;
    double flops = 2.0 * (double)n * (double)n * (double)n;
    printf("c n=%d threads=%d best_gflops=%.1f median_gflops=%.1f core=%s checksum=%g\n", n, threads,
           flops / seconds[0] / 1e9, flops / median / 1e9, openblas_get_corename(), (double)c[0]);

    free(a);
    free(b);
    free(c);
    free(seconds);
    return 0;
}
