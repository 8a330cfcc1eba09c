/*
 * Allocation counting by interposing the glibc allocator.
 *
 * WHY THIS WORKS
 * The dynamic linker resolves a symbol by searching the executable first, then
 * the shared libraries in load order. This file is compiled into the
 * executable (SwiftPM links a C target's object files straight into every
 * executable and test binary that depends on it), so its `malloc` etc. preempt
 * libc's for every caller in the process: Swift code, libswiftCore
 * (swift_slowAlloc -> malloc / posix_memalign), libstdc++ (operator new ->
 * malloc / aligned_alloc), Foundation, and libc's own internal callers (glibc
 * documents replacing malloc this way: "Replacing malloc" in its manual). The
 * linker exports these definitions in the executable's dynamic symbol table
 * because shared libraries on the link line reference them (check with
 * `nm -D <binary> | grep ' T malloc'`).
 *
 * We do not implement an allocator: each replacement forwards to glibc's real
 * implementation through its public `__libc_*` entry points (GLIBC_2.2.5:
 * __libc_malloc, __libc_calloc, __libc_realloc, __libc_free, __libc_memalign,
 * __libc_valloc, __libc_pvalloc). Because the heap is still glibc's, the
 * functions we do not replace (malloc_usable_size, malloc_trim, mallinfo, ...)
 * keep working on our blocks. __libc_reallocarray exists but is
 * GLIBC_PRIVATE (not linkable), so reallocarray is rebuilt on __libc_realloc;
 * posix_memalign and aligned_alloc are rebuilt on __libc_memalign (in glibc
 * 2.36 aligned_alloc is itself an alias of __libc_memalign).
 *
 * SAFETY RULES FOR THIS FILE
 * The hooks run inside every allocation, possibly in signal handlers, in the
 * dynamic linker, or during thread start-up/exit. So they must never allocate,
 * lock, or print: they only touch one initial-exec thread-local block (static
 * TLS, set up before the thread runs, no __tls_get_addr, which could itself
 * allocate) and one lock-free atomic.
 *
 * LIMITS
 * - Only for dynamically linked glibc programs. A fully static executable
 *   (-static-executable) would pull libc.a's malloc.o for __libc_malloc and
 *   clash with these definitions. (--static-swift-stdlib is fine: libc stays
 *   dynamic.)
 * - Counts calls, not bytes: realloc(p, 0), failed allocations and
 *   zero-sized ones count too. free is never counted.
 */

#define _GNU_SOURCE
#include "CAllocationCounter.h"

#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

/* glibc's real allocator (public, versioned GLIBC_2.2.5). */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

#define EXPORT __attribute__((visibility("default")))
#define TLS static __thread __attribute__((tls_model("initial-exec")))

/* Nesting depth of begin/end on this thread; counting is on while > 0. */
TLS unsigned int counting;
/* Allocation calls made by this thread while counting was on. */
TLS uint64_t thread_count;
/* Same, summed over all threads, so another thread can watch. */
static _Atomic uint64_t process_total;

/* Called at the top of every allocating entry point. No allocation, no lock. */
static inline void note_allocation(void) {
    if (__builtin_expect(counting != 0, 0)) {
        thread_count += 1;
        atomic_fetch_add_explicit(&process_total, 1, memory_order_relaxed);
    }
}

/* ---- public counter API ------------------------------------------------- */

EXPORT void bssd_allocation_counting_begin(void) { counting += 1; }

EXPORT void bssd_allocation_counting_end(void) {
    if (counting != 0) counting -= 1;
}

EXPORT int bssd_allocation_counting_active(void) { return counting != 0; }

EXPORT uint64_t bssd_allocation_count(void) { return thread_count; }

EXPORT uint64_t bssd_allocation_total(void) {
    return atomic_load_explicit(&process_total, memory_order_relaxed);
}

EXPORT int bssd_allocation_interposer_linked(void) { return 1; }

/* ---- allocator replacements -------------------------------------------- */

EXPORT void *malloc(size_t size) {
    note_allocation();
    return __libc_malloc(size);
}

EXPORT void free(void *pointer) { __libc_free(pointer); }

EXPORT void *calloc(size_t count, size_t size) {
    note_allocation();
    return __libc_calloc(count, size);
}

EXPORT void *realloc(void *pointer, size_t size) {
    note_allocation();
    return __libc_realloc(pointer, size);
}

EXPORT void *reallocarray(void *pointer, size_t count, size_t size) {
    note_allocation();
    size_t bytes;
    if (__builtin_mul_overflow(count, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(pointer, bytes);
}

EXPORT void *memalign(size_t alignment, size_t size) {
    note_allocation();
    return __libc_memalign(alignment, size);
}

/* C11. glibc 2.36 accepts any alignment here (rounds up, like memalign). */
EXPORT void *aligned_alloc(size_t alignment, size_t size) {
    note_allocation();
    return __libc_memalign(alignment, size);
}

/* POSIX: alignment must be a power of two multiple of sizeof(void *);
 * errors are returned, *result is left untouched on failure.
 * This is the path libswiftCore's swift_slowAlloc takes for alignments above
 * 16 (e.g. UnsafeMutableRawPointer.allocate(byteCount:alignment: 64)). */
EXPORT int posix_memalign(void **result, size_t alignment, size_t size) {
    note_allocation();
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) {
        return EINVAL;
    }
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *result = pointer;
    return 0;
}

EXPORT void *valloc(size_t size) {
    note_allocation();
    return __libc_valloc(size);
}

EXPORT void *pvalloc(size_t size) {
    note_allocation();
    return __libc_pvalloc(size);
}
