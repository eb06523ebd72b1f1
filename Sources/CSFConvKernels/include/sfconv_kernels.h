#ifndef SFCONV_KERNELS_H
#define SFCONV_KERNELS_H

/// acc[k] += a[k] * b[k] for `bins` complex values stored interleaved (re, im).
/// Compiled for several instruction sets and chosen at load time for the running CPU.
void sfconv_complex_multiply_accumulate(float *acc, const float *a, const float *b, long bins);

#endif
