#include "CAllocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
int gatewayd_release_free_memory(void) { return malloc_trim(0); }
#else
int gatewayd_release_free_memory(void) { return 0; }
#endif
