#ifndef GATEWAYD_CALLOCATOR_H
#define GATEWAYD_CALLOCATOR_H

/// Gives the memory malloc holds free back to the system (glibc's malloc_trim(0); nothing elsewhere). Swift's Glibc
/// module does not import <malloc.h>. The daemon calls it once after startup, whose configuration parse is its peak.
/// Returns 1 when memory was released.
int gatewayd_release_free_memory(void);

/// Fixes glibc's mmap threshold at `bytes` (mallopt M_MMAP_THRESHOLD; nothing elsewhere): blocks at least that large
/// get pages of their own, given back to the system when freed. Left dynamic, glibc raises the threshold each time
/// such a block is freed, and the start-up's large temporary arrays then stay in the heap between live blocks: at
/// 100,000 platforms 17 MB in use held 52 MB of memory. Returns 1 on success.
int gatewayd_fix_mmap_threshold(int bytes);

/// 1 where the functions above act (glibc), 0 where they are no-ops: a test checks the build took the glibc branch.
int gatewayd_allocator_is_glibc(void);

#endif
