#include "CAllocator.h"
// Any libc header defines __GLIBC__ (through <features.h>); without one first, the test below was always false
// and both functions compiled to `return 0` — malloc_trim never ran.
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>
int gatewayd_release_free_memory(void) { return malloc_trim(0); }
int gatewayd_fix_mmap_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes) && mallopt(M_TRIM_THRESHOLD, bytes); }
int gatewayd_allocator_is_glibc(void) { return 1; }
#else
int gatewayd_release_free_memory(void) { return 0; }
int gatewayd_fix_mmap_threshold(int bytes) { (void)bytes; return 0; }
int gatewayd_allocator_is_glibc(void) { return 0; }
#endif
