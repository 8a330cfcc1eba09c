#ifndef BSSD_C_ALLOCATION_COUNTER_H
#define BSSD_C_ALLOCATION_COUNTER_H

/*
 * Per-thread heap-allocation counter for proving real-time safety.
 *
 * Linking this target into a (dynamically linked, glibc) executable replaces
 * malloc, calloc, realloc, reallocarray, free, memalign, posix_memalign,
 * aligned_alloc, valloc and pvalloc for the whole process (see
 * allocation_counter.c). The replacements forward to glibc's own allocator and,
 * only on a thread that has opted in with bssd_allocation_counting_begin(),
 * count each allocation call. Threads that never opt in pay one thread-local
 * load and a branch per allocation.
 *
 * The allocator functions themselves are deliberately not declared here: they
 * are declared by <stdlib.h>/<malloc.h>, and Swift callers simply get ours
 * through normal symbol resolution.
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Start counting allocations made by the calling thread. Calls nest: counting
/// stays on until as many bssd_allocation_counting_end() calls have been made.
void bssd_allocation_counting_begin(void);

/// Undo one bssd_allocation_counting_begin() on the calling thread (extra calls
/// are ignored).
void bssd_allocation_counting_end(void);

/// Non-zero while the calling thread is counting.
int bssd_allocation_counting_active(void);

/// Allocation calls made by the calling thread while it was counting, since the
/// thread started. Monotonic; take differences.
uint64_t bssd_allocation_count(void);

/// Allocation calls made by any thread while that thread was counting, since
/// the process started. Monotonic; lets one thread monitor another.
uint64_t bssd_allocation_total(void);

/// Always 1. Referencing it from Swift guarantees that the object file that
/// defines the allocator replacements is linked (it is the same object).
int bssd_allocation_interposer_linked(void);

#ifdef __cplusplus
}
#endif

#endif
