#ifndef SFCONV_KERNELS_H
#define SFCONV_KERNELS_H

/// acc[k] += a[k] * b[k] for `bins` complex values stored interleaved (re, im).
/// Compiled for several instruction sets and chosen at load time for the running CPU.
void sfconv_complex_multiply_accumulate(float *acc, const float *a, const float *b, long bins);

/// The same in double precision.
void sfconv_complex_multiply_accumulate_double(double *acc, const double *a, const double *b, long bins);

/// Tells glibc's malloc to keep freed blocks (up to 256 MiB) for reuse rather than return them
/// to the system; process-wide (memory.c). Returns nonzero when both settings were accepted.
int sfconv_retain_freed_memory(void);

#endif
