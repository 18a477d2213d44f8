#ifndef GATEWAYD_CALLOCATOR_H
#define GATEWAYD_CALLOCATOR_H

/// Gives the memory malloc holds free back to the system (glibc's malloc_trim(0); nothing elsewhere). Swift's Glibc
/// module does not import <malloc.h>. The daemon calls it once after startup, whose configuration parse is its peak.
/// Returns 1 when memory was released.
int gatewayd_release_free_memory(void);

#endif
