/*
 * harness.h: what the runtime tests share: a counting waker for polling
 * leaves by hand, a few leaf-style futures written the way acc generates
 * frames, and t_close_clean(), which every test ends with: it shuts the
 * runtime down and asserts that no task, timer, fd or allocation is left.
 */
#ifndef AC_TEST_HARNESS_H
#define AC_TEST_HARNESS_H

#include <ac.h>
#include <criterion/criterion.h>

#define t_close_clean(rt)                                                      \
  do {                                                                         \
    ac_runtime_shutdown(rt);                                                   \
    ac_runtime_stats_t st_;                                                    \
    ac_runtime_stats(rt, &st_);                                                \
    cr_assert_eq(st_.tasks, 0, "tasks left: %zu", st_.tasks);                  \
    cr_assert_eq(st_.timers, 0, "timers left: %zu", st_.timers);               \
    cr_assert_eq(st_.fds, 0, "fds left: %zu", st_.fds);                        \
    cr_assert_eq(st_.allocated, 0, "task allocations left: %zu",               \
                 st_.allocated);                                               \
    cr_assert_eq(ac_runtime_free(rt), 0);                                      \
  } while (0)

/* Runs through both flavors: for (int f = 0; f < 2; f++) ... */
#define T_FLAVORS(f) for (ac_rt_flavor_t f = 0; f <= AC_RT_MULTI_THREAD; f++)

static inline int t_load(const int *p) {
  return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}
static inline void t_inc(int *p) { __atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST); }

/* A waker that counts wakes and live clones. */
typedef struct t_wake_count {
  int wakes;
  int refs;
} t_wake_count_t;
ac_waker_t t_counting_waker(t_wake_count_t *c);

/* A context for polling by hand whose waker counts into wc. */
typedef struct t_rig {
  t_wake_count_t wc;
  ac_waker_t w;
  ac_context_t cx;
} t_rig_t;

static inline void t_rig_init(t_rig_t *r) {
  r->wc = (t_wake_count_t){0};
  r->w = t_counting_waker(&r->wc);
  r->cx = (ac_context_t){&r->w};
}

/* counter: wakes itself and returns pending `yields` times, then outputs
 * `value` (int).  Counts its polls and drops. */
typedef struct t_counter {
  int yields;
  int value;
  int *polls, *drops;
} t_counter_t;
t_counter_t t_counter(int yields, int value, int *polls, int *drops);
extern const ac_future_vtable_t t_counter_vtable;

/* sleeper: awaits ac_sleep_ms(ms), then outputs value (int).  The shape of
 * a generated frame: a state index, a live local, the child inline. */
typedef struct t_sleeper {
  int state;
  int value;
  ac_sleep_t sleep;
  int *drops;
} t_sleeper_t;
t_sleeper_t t_sleeper(uint64_t ms, int value, int *drops);
extern const ac_future_vtable_t t_sleeper_vtable;

/* pending forever: never ready, never wakes; counts drops. */
typedef struct t_forever {
  int *drops;
} t_forever_t;
extern const ac_future_vtable_t t_forever_vtable;

/* awaiter: awaits one type-erased future it holds by pointer and copies
 * its output (out_size bytes) out.  A block_on-able wrapper for leaves
 * that must be polled inside a task. */
typedef struct t_await {
  const ac_future_vtable_t *vt;
  void *fut;
} t_await_t;
extern const ac_future_vtable_t t_await_vtable;
/* block_on(t_await{vt, fut}) on a fresh runtime of `flavor`; asserts it
 * closes clean.  Returns block_on's status. */
int t_run(ac_rt_flavor_t flavor, const ac_future_vtable_t *vt, void *fut,
          void *out);

#endif
