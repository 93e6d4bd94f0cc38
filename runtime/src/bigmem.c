/*
 * bigmem.c: the runtime's few large arrays (run queue rings, the timer
 * heap), mapped straight from the kernel above AC__BIG_MIN bytes.
 *
 * A burst of a million tasks grows them to megabytes, and glibc, once a
 * freed mapping has raised its dynamic mmap threshold, serves the next
 * ones from its arenas, where freed memory at the top of a thread's heap
 * stays resident (10-15 B a task after a million sleepers on the
 * multi-thread executor).  Mapped arrays go back to the kernel when they
 * shrink or are freed.  Below the threshold they are malloc's.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static bool big(size_t n) { return n >= AC__BIG_MIN; }

void *ac__big_alloc(size_t n) {
  if (!big(n))
    return malloc(n);
  void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
  if (p == MAP_FAILED) {
    errno = ENOMEM;
    return NULL;
  }
  return p;
}

void ac__big_free(void *p, size_t n) {
  if (!p)
    return;
  if (big(n))
    munmap(p, n);
  else
    free(p);
}

/* realloc for an array of old bytes now wanted at n; NULL (the old one
 * kept) on failure. */
void *ac__big_realloc(void *p, size_t old, size_t n) {
  if (!big(old) && !big(n))
    return realloc(p, n);
  if (big(old) && big(n)) {
    void *q = mremap(p, old, n, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) {
      errno = ENOMEM;
      return NULL;
    }
    return q;
  }
  void *q = ac__big_alloc(n);
  if (!q)
    return NULL;
  memcpy(q, p, old < n ? old : n);
  ac__big_free(p, old);
  return q;
}
