/*
 * leaf.h: the test leaf futures of the differential suite.
 *
 * `await leaf(v)` has the value v.  How it gets there depends on the mode:
 *
 *   -DACC_SYNC (the sync erasure): leaf() and its typed variants are plain
 *   functions that return their argument.
 *
 *   otherwise: leaf(v) makes a hand-written future on the ABI of ac.h
 *   (NAME_t, NAME_poll, NAME_drop).  Its first poll draws a number of
 *   suspensions, 0 to 3, from a generator seeded by ACC_TEST_SEED; each
 *   suspension wakes the context's waker by reference and returns pending.
 *   With ACC_TEST_SEED unset or 0 every leaf is ready at its first poll.
 *   ACC_TEST_MIN_SUSPEND=K (0 to 3, default 0) raises the least number of
 *   suspensions per leaf, so that every await of a leaf really suspends.
 *
 * The async leaves also check the ABI from the callee's side and abort with a
 * message on stderr when the caller breaks it: a leaf polled again after it
 * returned ready, or polled at a different address than its first poll (the
 * frame holding it moved), or polled with no waker.
 *
 * Variants: leaf (long), leaf_i (int), leaf_u (unsigned), leaf_ll (long
 * long), leaf_d (double), leaf_c (char), leaf_p (void *), leaf_s (struct
 * pair, by value) and leaf_v (void: a pure suspension point).
 * leaf_never() (long) never completes: the loser of acc's combinators.
 */
#ifndef DIFF_LEAF_H
#define DIFF_LEAF_H

#include <stdio.h>
#include <stdlib.h>

/* The small struct that leaf_s carries through an await. */
struct pair {
  long a;
  long b;
};

#ifdef ACC_SYNC

static inline long leaf(long v) { return v; }
static inline int leaf_i(int v) { return v; }
static inline unsigned leaf_u(unsigned v) { return v; }
static inline long long leaf_ll(long long v) { return v; }
static inline double leaf_d(double v) { return v; }
static inline char leaf_c(char v) { return v; }
static inline void *leaf_p(void *v) { return v; }
static inline struct pair leaf_s(struct pair v) { return v; }
static inline void leaf_v(void) {}

/* A future that never completes loses every race (ac_first, ac_within);
   the erasure evaluates only the winner, so it never reaches this. */
static inline long leaf_never(void) {
  fprintf(stderr, "leaf.h: the erasure evaluated leaf_never()\n");
  abort();
}

/* Erasure mode has no leaves in flight. */
static inline long test_leaf_in_flight(void) { return 0; }

#else /* async modes */

#include <ac.h>

/* Counts of leaves polled but neither ready nor dropped, and of all polls. */
static inline long *test_leaf_counter(int which) {
  static long counts[2];
  return &counts[which];
}
static inline long test_leaf_in_flight(void) { return *test_leaf_counter(0); }

/* splitmix64 over ACC_TEST_SEED: the number of suspensions of the next leaf
   (ACC_TEST_MIN_SUSPEND to 3), or always 0 when the seed is unset or 0. */
static inline int test_leaf_draw(void) {
  static int seeded;
  static unsigned long long state;
  static int enabled, least;
  if (!seeded) {
    const char *s = getenv("ACC_TEST_SEED");
    const char *m = getenv("ACC_TEST_MIN_SUSPEND");
    unsigned long long seed = s ? strtoull(s, NULL, 10) : 0;
    enabled = seed != 0;
    least = m ? atoi(m) : 0;
    least = least < 0 ? 0 : least > 3 ? 3 : least;
    state = seed * 0x9E3779B97F4A7C15ull;
    seeded = 1;
  }
  if (!enabled)
    return 0;
  unsigned long long z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return least + (int)(z % (unsigned)(4 - least));
}

static inline void test_leaf_die(const char *what, const void *self) {
  fprintf(stderr, "leaf.h: %s (leaf at %p)\n", what, self);
  abort();
}

/* The common part of every leaf: the state and the poll protocol.
   left: -1 before the first poll, then the suspensions still to do,
   -2 once ready. */
struct test_leaf_core {
  int left;
  const void *pinned; /* the address of the first poll */
};

static inline int test_leaf_step(struct test_leaf_core *c, const void *self,
                                 ac_context_t *cx) {
  if (!cx || !cx->waker || !cx->waker->vtable)
    test_leaf_die("polled without a waker", self);
  if (c->left == -2)
    test_leaf_die("polled again after it returned ready", self);
  if (c->left == -1) {
    c->pinned = self;
    c->left = test_leaf_draw();
    ++*test_leaf_counter(0);
  } else if (c->pinned != self) {
    test_leaf_die("moved between polls (the frame is not pinned)", self);
  }
  ++*test_leaf_counter(1);
  if (c->left > 0) {
    c->left--;
    ac_waker_wake_by_ref(cx->waker);
    return 0;
  }
  c->left = -2;
  --*test_leaf_counter(0);
  return 1;
}

/* The core is the first member of every leaf: a leaf in flight is dropped
   where it was polled, or the drop found the wrong storage. */
static inline void test_leaf_release(struct test_leaf_core *c) {
  if (c->left >= 0 && c->pinned != (const void *)c)
    test_leaf_die("dropped at another address than it was polled at", c);
  if (c->left >= 0)
    --*test_leaf_counter(0); /* dropped while in flight */
  c->left = -2;
}

/* One leaf type per output type: TYPE_t, its constructor, poll and drop. */
#define TEST_LEAF(NAME, CTOR, T)                                              \
  typedef struct NAME {                                                       \
    struct test_leaf_core core;                                               \
    T v;                                                                      \
  } NAME##_t;                                                                 \
  static inline NAME##_t CTOR(T v) {                                          \
    NAME##_t f = {{-1, NULL}, v};                                             \
    return f;                                                                 \
  }                                                                           \
  static inline ac_poll_t NAME##_poll(NAME##_t *self, ac_context_t *cx,       \
                                      T *out) {                               \
    if (!test_leaf_step(&self->core, self, cx))                               \
      return AC_POLL_PENDING;                                                 \
    *out = self->v;                                                           \
    return AC_POLL_READY;                                                     \
  }                                                                           \
  static inline void NAME##_drop(NAME##_t *self) {                            \
    test_leaf_release(&self->core);                                           \
  }

TEST_LEAF(test_leaf, leaf, long)
TEST_LEAF(test_leaf_i, leaf_i, int)
TEST_LEAF(test_leaf_u, leaf_u, unsigned)
TEST_LEAF(test_leaf_ll, leaf_ll, long long)
TEST_LEAF(test_leaf_d, leaf_d, double)
TEST_LEAF(test_leaf_c, leaf_c, char)
TEST_LEAF(test_leaf_p, leaf_p, void *)
TEST_LEAF(test_leaf_s, leaf_s, struct pair)

/* The void leaf: a suspension point with no value. */
typedef struct test_leaf_v {
  struct test_leaf_core core;
} test_leaf_v_t;

static inline test_leaf_v_t leaf_v(void) {
  test_leaf_v_t f = {{-1, NULL}};
  return f;
}
static inline ac_poll_t test_leaf_v_poll(test_leaf_v_t *self, ac_context_t *cx,
                                         void *out) {
  (void)out;
  return test_leaf_step(&self->core, self, cx) ? AC_POLL_READY
                                               : AC_POLL_PENDING;
}
static inline void test_leaf_v_drop(test_leaf_v_t *self) {
  test_leaf_release(&self->core);
}

/* A leaf that never completes: a branch that loses every race of acc's
   combinators (ac_first, ac_within).  It is in flight from its first poll
   until it is dropped, so a loser the combinator forgets to drop fails the
   run; it never wakes anyone, as a future that waits for nothing. */
typedef struct test_never {
  struct test_leaf_core core;
} test_never_t;

static inline test_never_t leaf_never(void) {
  test_never_t f = {{-1, NULL}};
  return f;
}
static inline ac_poll_t test_never_poll(test_never_t *self, ac_context_t *cx,
                                        long *out) {
  (void)out;
  if (!cx || !cx->waker || !cx->waker->vtable)
    test_leaf_die("polled without a waker", self);
  if (self->core.left == -2)
    test_leaf_die("polled again after it was dropped", self);
  if (self->core.left == -1) {
    self->core.pinned = self;
    self->core.left = 0;
    ++*test_leaf_counter(0);
  } else if (self->core.pinned != self) {
    test_leaf_die("moved between polls (the frame is not pinned)", self);
  }
  ++*test_leaf_counter(1);
  return AC_POLL_PENDING;
}
static inline void test_never_drop(test_never_t *self) {
  test_leaf_release(&self->core);
}

#endif /* ACC_SYNC */

#endif /* DIFF_LEAF_H */
