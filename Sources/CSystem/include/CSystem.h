#ifndef BSSD_CSYSTEM_H
#define BSSD_CSYSTEM_H

// GNU extensions of glibc that Swift's Glibc module leaves out; wrapped once here so the Swift
// side stays typed.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>

/// Names the calling thread (at most 15 bytes are kept), so `top -H`, `ps -L` and debuggers show
/// which of bssd's threads is which. Returns 0 or an errno.
int bssd_set_thread_name(const char *name);

#endif
