#include "sfconv_kernels.h"

// One binary for every x86-64: the loader picks the widest clone the CPU runs (ifunc).
#if defined(__x86_64__) && defined(__linux__)
#define SFCONV_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define SFCONV_CLONES
#endif

SFCONV_CLONES
void sfconv_complex_multiply_accumulate(float *restrict acc, const float *restrict a, const float *restrict b, long bins) {
    for (long k = 0; k < 2 * bins; k += 2) {
        const float ar = a[k], ai = a[k + 1], br = b[k], bi = b[k + 1];
        acc[k] += ar * br - ai * bi;
        acc[k + 1] += ar * bi + ai * br;
    }
}

SFCONV_CLONES
void sfconv_complex_multiply_accumulate_double(double *restrict acc, const double *restrict a, const double *restrict b, long bins) {
    for (long k = 0; k < 2 * bins; k += 2) {
        const double ar = a[k], ai = a[k + 1], br = b[k], bi = b[k + 1];
        acc[k] += ar * br - ai * bi;
        acc[k + 1] += ar * bi + ai * br;
    }
}
