#include <malloc.h>
#include "sfconv_kernels.h"

int sfconv_retain_freed_memory(void) {
    // Blocks up to 256 MiB come from the heap and freed memory stays there: a batch that
    // allocates and frees the same few megabytes for every file then reuses them instead of
    // mapping fresh pages (and taking a page fault for each) every time.
    int mapped = mallopt(M_MMAP_THRESHOLD, 256 << 20);
    int trimmed = mallopt(M_TRIM_THRESHOLD, 512 << 20);
    return mapped && trimmed;
}
