#ifndef GATEWAYD_CMALLOCSTATS_H
#define GATEWAYD_CMALLOCSTATS_H

#include <stddef.h>

/// Bytes glibc's malloc has handed out and not taken back, all arenas (mallinfo2: uordblks + hblkhd). For tests
/// that check memory is given back; Swift's Glibc module does not import <malloc.h>.
size_t gatewayd_malloc_in_use(void);

#endif
