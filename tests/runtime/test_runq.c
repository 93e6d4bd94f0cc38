/*
 * test_runq.c: the growable ring of runq.c.  Growing keeps the entries in
 * FIFO order whether or not they had wrapped around the ring's end (the
 * wrapped part moves behind the old end; a mapped ring grows by mremap).
 */
#include "harness.h"

#include "../../runtime/src/internal.h"

#include <stdlib.h>
#include <sys/mman.h>

/* Pushes and pops n entries with the head at every offset of a small
 * ring, so each growth meets a different wrap; entries come out in the
 * order they went in. */
Test(runq, growing_keeps_fifo_order_across_a_wrap) {
  for (uint32_t skew = 0; skew < 300; skew += 7) {
    ac__runq_t q;
    cr_assert_eq(ac__runq_init(&q), 0);
    uintptr_t next_in = 1, next_out = 1;
    for (uint32_t i = 0; i < skew; i++) { /* move the head along */
      cr_assert_eq(ac__runq_push(&q, next_in++), 0);
      cr_assert_eq(ac__runq_pop(&q), next_out++);
    }
    for (uint32_t i = 0; i < 5000; i++)
      cr_assert_eq(ac__runq_push(&q, next_in++), 0);
    cr_assert_geq(q.mask + 1, 5000u);
    while (next_out < next_in)
      cr_assert_eq(ac__runq_pop(&q), next_out++, "skew %u", skew);
    cr_assert_eq(ac__runq_pop(&q), 0);
    ac__runq_free(&q);
  }
}

/* A ring large enough to be mapped (bigmem.c) grows while wrapped, in
 * steps of pushes and pops, and gives every entry back in order. */
Test(runq, a_mapped_ring_grows_while_wrapped) {
  ac__runq_t q;
  cr_assert_eq(ac__runq_init(&q), 0);
  uintptr_t next_in = 1, next_out = 1;
  for (int round = 0; round < 6; round++) {
    uint32_t push = 60000u << round % 3, pop = push / 2 + 123;
    for (uint32_t i = 0; i < push; i++)
      cr_assert_eq(ac__runq_push(&q, next_in++), 0);
    for (uint32_t i = 0; i < pop && next_out < next_in; i++)
      cr_assert_eq(ac__runq_pop(&q), next_out++, "round %d", round);
  }
  cr_assert_geq((size_t)(q.mask + 1) * sizeof(uintptr_t), (size_t)AC__BIG_MIN);
  while (next_out < next_in)
    cr_assert_eq(ac__runq_pop(&q), next_out++);
  ac__runq_free(&q);
}

/* A mapped ring that doubles touches its new half only as pushes fill it:
 * a burst that stops just past the old size (W4's million spawns on two
 * workers) must not hold the whole half resident at its peak. */
Test(runq, a_grown_ring_holds_only_the_pages_its_entries_fill) {
  ac__runq_t q;
  cr_assert_eq(ac__runq_init(&q), 0);
  uintptr_t n = 1;
  while ((size_t)(q.mask + 1) * sizeof(uintptr_t) < 2 * (size_t)AC__BIG_MIN)
    cr_assert_eq(ac__runq_push(&q, n++), 0);
  /* Just grown: entries fill the first half and one slot of the second. */
  size_t half = (size_t)(q.mask + 1) / 2 * sizeof(uintptr_t);
  cr_assert_eq(q.len, q.mask / 2 + 2);
  size_t pages = half / 4096;
  unsigned char *vec = malloc(pages);
  cr_assert_eq(mincore((char *)q.buf + half, half, vec), 0);
  size_t in = 0;
  for (size_t i = 0; i < pages; i++)
    in += vec[i] & 1;
  free(vec);
  cr_assert_leq(in, 1, "%zu of the new half's %zu pages resident", in,
                pages);
  ac__runq_free(&q);
}

/* A steal moves its entries in blocks (runq.c): with the heads of both
 * rings at every offset, so that each side's block meets the ring's end,
 * the thief runs the oldest of src's first half and queues the rest of
 * it behind its own entries, in order; src keeps its second half. */
Test(runq, a_steal_moves_half_in_order_across_both_wraps) {
  for (uint32_t skew = 0; skew < 256; skew += 5) {
    ac__runq_t src, dst;
    cr_assert_eq(ac__runq_init(&src), 0);
    cr_assert_eq(ac__runq_init(&dst), 0);
    for (uint32_t i = 0; i < skew; i++) { /* move both heads along */
      cr_assert_eq(ac__runq_push(&src, 1), 0);
      cr_assert_eq(ac__runq_pop(&src), 1);
      cr_assert_eq(ac__runq_push(&dst, 1), 0);
      cr_assert_eq(ac__runq_pop(&dst), 1);
    }
    uint32_t mine = 3 + skew % 11, theirs = 1 + skew % 150;
    for (uint32_t i = 0; i < mine; i++)
      cr_assert_eq(ac__runq_push(&dst, 10000 + i), 0);
    for (uint32_t i = 0; i < theirs; i++)
      cr_assert_eq(ac__runq_push(&src, 1 + i), 0);
    uint32_t half = (theirs + 1) / 2;
    cr_assert_eq(ac__runq_steal(&dst, &src), 1, "skew %u", skew);
    cr_assert_eq(ac__runq_len(&src), theirs - half);
    cr_assert_eq(ac__runq_len(&dst), mine + half - 1);
    for (uint32_t i = 0; i < mine; i++)
      cr_assert_eq(ac__runq_pop(&dst), 10000 + i, "skew %u", skew);
    for (uint32_t i = 1; i < half; i++)
      cr_assert_eq(ac__runq_pop(&dst), 1 + i, "skew %u", skew);
    for (uint32_t i = half; i < theirs; i++)
      cr_assert_eq(ac__runq_pop(&src), 1 + i, "skew %u", skew);
    cr_assert_eq(ac__runq_pop(&dst), 0);
    cr_assert_eq(ac__runq_pop(&src), 0);
    ac__runq_free(&src);
    ac__runq_free(&dst);
  }
}

/* A steal never grows the thief's ring: it takes no more than fits. */
Test(runq, a_steal_takes_only_what_fits_in_the_thiefs_ring) {
  ac__runq_t src, dst;
  cr_assert_eq(ac__runq_init(&src), 0);
  cr_assert_eq(ac__runq_init(&dst), 0);
  uint32_t cap = dst.mask + 1;
  for (uint32_t i = 0; i < cap - 2; i++)
    cr_assert_eq(ac__runq_push(&dst, 10000 + i), 0);
  for (uint32_t i = 0; i < 100; i++)
    cr_assert_eq(ac__runq_push(&src, 1 + i), 0);
  cr_assert_eq(ac__runq_steal(&dst, &src), 1);
  cr_assert_eq(dst.mask + 1, cap);
  cr_assert_eq(ac__runq_len(&dst), cap);
  cr_assert_eq(ac__runq_len(&src), 97u);
  cr_assert_eq(ac__runq_pop(&src), 4);
  ac__runq_free(&src);
  ac__runq_free(&dst);
}
