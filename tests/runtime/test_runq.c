/*
 * test_runq.c: the growable ring of runq.c.  Growing keeps the entries in
 * FIFO order whether or not they had wrapped around the ring's end (the
 * wrapped part moves behind the old end; a mapped ring grows by mremap).
 */
#include "harness.h"

#include "../../runtime/src/internal.h"

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
