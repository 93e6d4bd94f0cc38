/*
 * runq.c: run queues.  One growable ring serves as a worker's local queue,
 * the global inject queue and the current-thread queue.
 *
 * Growing instead of overflowing keeps push infallible in practice and
 * removes tokio's overflow-to-inject path.  Locking is the caller's choice
 * (the owner of a current-thread queue never locks); steal() locks both.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define INITIAL_CAP 256

int ac__runq_init(ac__runq_t *q) {
  memset(q, 0, sizeof *q);
  q->buf = malloc(INITIAL_CAP * sizeof *q->buf);
  if (!q->buf)
    return -1;
  q->mask = INITIAL_CAP - 1;
  return 0;
}

void ac__runq_free(ac__runq_t *q) {
  ac__big_free(q->buf, (q->mask + 1) * sizeof *q->buf);
  q->buf = NULL;
}

int ac__runq_grow(ac__runq_t *q) {
  uint32_t cap = q->mask + 1, len = q->len;
  uint32_t at = q->head & q->mask;
  /* The entries keep their places in a ring twice as large, and those
   * that had wrapped to its start move behind the old end: a mapped
   * ring grows by mremap, without copying or touching again the pages
   * it had (a burst of spawns, W1: 256 entries to a million). */
  uintptr_t *nb = ac__big_realloc(q->buf, cap * sizeof *nb,
                                  2 * (size_t)cap * sizeof *nb);
  if (!nb)
    return -1;
  /* The new half is not faulted in ahead: a burst that stops just past
   * the old size (W4 on two workers: a million spawns, a ring of 2^20)
   * would hold 4 MB it never uses at the peak. */
  if (at + len > cap)
    memcpy(nb + cap, nb, (size_t)(at + len - cap) * sizeof *nb);
  q->buf = nb;
  q->head = at;
  q->mask = 2 * cap - 1;
  return 0;
}

/* A large ring after a pop: empty, back to the initial ring (kept if
 * malloc fails); else, at a multiple of AC__RUNQ_RELEASE, the block of
 * entries the head just passed goes back to the kernel (a mapped ring,
 * bigmem.c: page-aligned, and so is the block), unless the tail has
 * wrapped into it. */
void ac__runq_shrink(ac__runq_t *q) {
  if (q->len != 0) {
    uint32_t cap = q->mask + 1;
    if (q->len <= cap - AC__RUNQ_RELEASE)
      (void)madvise(q->buf + ((q->head - AC__RUNQ_RELEASE) & q->mask),
                    AC__RUNQ_RELEASE * sizeof *q->buf, MADV_DONTNEED);
    return;
  }
  uintptr_t *nb = malloc(INITIAL_CAP * sizeof *nb);
  if (!nb)
    return;
  ac__big_free(q->buf, (q->mask + 1) * sizeof *q->buf);
  q->buf = nb;
  q->head = 0; /* len is 0 */
  q->mask = INITIAL_CAP - 1;
}

/* n entries off q's head into out, in order, with one length update (q
 * locked, n <= its length).  A large ring pops them one at a time: each
 * pop may give back the block of entries the head just passed. */
static void take_head(ac__runq_t *q, uintptr_t *out, uint32_t n) {
  if (AC_UNLIKELY(q->mask >= AC__RUNQ_SHRINK_AT)) {
    for (uint32_t i = 0; i < n; i++)
      out[i] = ac__runq_pop(q);
    return;
  }
  uint32_t h = q->head, m = q->mask;
  for (uint32_t i = 0; i < n; i++)
    out[i] = q->buf[(h + i) & m];
  q->head = h + n;
  ac__runq_set_len(q, q->len - n);
}

/* Moves half of src (rounded up, at most STEAL_MAX) into dst and returns
 * one of them to run now.  dst belongs to the calling worker.  The two
 * locks are never held together: two workers stealing from each other
 * would otherwise deadlock.  Entries move in blocks, not through a pop
 * and a push each (W1 on two workers: 41 instructions a stolen task). */
#define STEAL_MAX 128
uintptr_t ac__runq_steal(ac__runq_t *dst, ac__runq_t *src) {
  if (ac__runq_len(src) == 0)
    return 0;
  uintptr_t got[STEAL_MAX];
  /* Only what fits in dst without growing it (dst is ours, and only we
   * push to it here): a steal never needs memory. */
  uint32_t room = dst->mask + 1 - ac__runq_len(dst) + 1;
  ac__spin_lock(&src->lock);
  uint32_t n = (src->len + 1) / 2;
  if (n > STEAL_MAX)
    n = STEAL_MAX;
  if (n > room)
    n = room;
  take_head(src, got, n);
  ac__spin_unlock(&src->lock);
  if (n == 0)
    return 0;
  if (n > 1) {
    ac__spin_lock(&dst->lock);
    /* fits: see room (only we push to dst) */
    uint32_t t = dst->head + dst->len, m = dst->mask;
    for (uint32_t i = 1; i < n; i++)
      dst->buf[(t + i - 1) & m] = got[i];
    ac__runq_set_len(dst, dst->len + n - 1);
    ac__spin_unlock(&dst->lock);
  }
  return got[0];
}
