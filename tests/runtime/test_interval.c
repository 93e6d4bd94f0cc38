/*
 * test_interval.c: interval ticks stay on the grid start + k * period
 * whatever the awaiting task does between them; late ticks report the
 * periods that passed; ticks are never early on the real clock.
 */
#include "harness.h"

#include <time.h>

typedef struct polled {
  ac_runtime_t *rt;
  t_wake_count_t c;
  ac_waker_t w;
  ac_context_t cx;
} polled_t;

/* Polls one tick of iv by hand under the paused clock, advancing the clock
 * 1 ms at a time until it is ready; returns its output, *at the time. */
static uint64_t tick_at(ac_runtime_t *rt, ac_interval_t *iv, uint64_t *at) {
  t_wake_count_t c = {0, 0};
  ac_waker_t w = t_counting_waker(&c);
  ac_context_t cx = {&w};
  ac_interval_tick_t t = ac_interval_tick(iv);
  uint64_t n = 0;
  while (ac_interval_tick_poll(&t, &cx, &n) == AC_POLL_PENDING)
    ac_runtime_clock_advance(rt, 1);
  ac_interval_tick_drop(&t);
  cr_assert_eq(c.refs, 0);
  *at = ac_runtime_now_ms(rt);
  return n;
}

Test(interval, ticks_stay_on_the_grid_whatever_the_work_between) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  ac_runtime_clock_pause(rt);
  uint64_t t0 = ac_runtime_now_ms(rt), at;
  ac_interval_t iv = ac_interval_new(10);
  cr_assert_eq(tick_at(rt, &iv, &at), 1);
  cr_assert_eq(at, t0, "the first tick is at once");
  for (int k = 1; k <= 20; k++) {
    ac_runtime_clock_advance(rt, (uint64_t)(k % 7)); /* work of 0..6 ms */
    cr_assert_eq(tick_at(rt, &iv, &at), 1);
    cr_assert_eq(at, t0 + 10u * (uint64_t)k, "tick %d drifted to %llu", k,
                 (unsigned long long)(at - t0));
  }
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(interval, a_late_tick_counts_the_periods_and_keeps_the_grid) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  ac_runtime_clock_pause(rt);
  uint64_t t0 = ac_runtime_now_ms(rt), at;
  ac_interval_t iv = ac_interval_at(t0 + 5, 10);
  cr_assert_eq(tick_at(rt, &iv, &at), 1);
  cr_assert_eq(at, t0 + 5);
  /* 27 ms of work: the ticks due at 15 and 25 have passed; one is
   * delivered now (late), the other skipped. */
  ac_runtime_clock_advance(rt, 27);
  cr_assert_eq(tick_at(rt, &iv, &at), 2);
  cr_assert_eq(at, t0 + 32, "late: ready at once");
  cr_assert_eq(tick_at(rt, &iv, &at), 1);
  cr_assert_eq(at, t0 + 35, "back on the grid 5 + 10k");
  ac_runtime_clock_advance(rt, 3);
  ac_interval_reset(&iv);
  cr_assert_eq(tick_at(rt, &iv, &at), 1);
  cr_assert_eq(at, t0 + 48, "reset: one period from now");
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(interval, dropped_tick_leaves_no_timer) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  t_wake_count_t c = {0, 0};
  ac_waker_t w = t_counting_waker(&c);
  ac_context_t cx = {&w};
  ac_interval_t iv = ac_interval_new(1000);
  uint64_t n;
  ac_interval_tick_t t = ac_interval_tick(&iv);
  cr_assert_eq(ac_interval_tick_poll(&t, &cx, &n), AC_POLL_READY);
  t = ac_interval_tick(&iv);
  cr_assert_eq(ac_interval_tick_poll(&t, &cx, &n), AC_POLL_PENDING);
  ac_runtime_stats_t st;
  ac_runtime_stats(rt, &st);
  cr_assert_eq(st.timers, 1);
  ac_interval_tick_drop(&t);
  cr_assert_eq(c.refs, 0);
  ac_runtime_exit();
  t_close_clean(rt);
}

/* On the real clock, on both executors: 5 ticks of 10 ms, none early. */
typedef struct ticker {
  ac_interval_t iv;
  ac_interval_tick_t t;
  int n, armed;
  uint64_t start; /* the clock before the first tick, which is at once */
  uint64_t *at;   /* 6 tick times */
} ticker_t;
static ac_poll_t ticker_poll(void *self, ac_context_t *cx, void *out) {
  ticker_t *k = self;
  (void)out;
  for (;;) {
    if (!k->armed) {
      if (k->n == 0)
        k->start = ac_runtime_now_ms(ac_runtime_current());
      k->t = ac_interval_tick(&k->iv);
      k->armed = 1;
    }
    uint64_t n;
    if (ac_interval_tick_poll(&k->t, cx, &n) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    k->armed = 0;
    k->at[k->n] = ac_runtime_now_ms(ac_runtime_current());
    if (++k->n == 6)
      return AC_POLL_READY;
  }
}
static void ticker_drop(void *self) {
  ticker_t *k = self;
  if (k->armed)
    ac_interval_tick_drop(&k->t);
}
static const ac_future_vtable_t ticker_vtable = {
    ticker_poll, ticker_drop, sizeof(ticker_t), _Alignof(ticker_t), 0,
    "ticker"};

Test(interval, real_clock_ticks_are_never_early) {
  T_FLAVORS(f) {
    uint64_t at[6] = {0};
    ticker_t k = {.iv = ac_interval_new(10), .at = at};
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    t_await_t a = {&ticker_vtable, &k};
    long buf[8];
    cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, buf), 0);
    t_close_clean(rt);
    /* The grid starts at the first tick's poll, at or after k.start; at[0]
     * is read after it and may be a ms later on the live clock, so it is
     * no lower bound (under TSan tick 3 came 29 ms after at[0]). */
    for (int i = 1; i < 6; i++)
      cr_assert(at[i] >= k.start + 10u * (uint64_t)i,
                "tick %d early: %llu ms after the start", i,
                (unsigned long long)(at[i] - k.start));
  }
}
