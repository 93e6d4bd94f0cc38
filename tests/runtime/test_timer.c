/*
 * test_timer.c: sleeps, deadlines and timeouts; leaves are polled by hand
 * under a paused clock, and in a running runtime on the real clock.
 */
#include "harness.h"

#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

Test(timer, dropped_sleep_leaves_no_entry) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  ac_runtime_clock_pause(rt);
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  ac_sleep_t s = ac_sleep_ms(100);
  cr_assert_eq(ac_sleep_poll(&s, &cx, NULL), AC_POLL_PENDING);
  ac_runtime_stats_t st;
  ac_runtime_stats(rt, &st);
  cr_assert_eq(st.timers, 1);
  cr_assert_eq(wc.refs, 1);
  ac_sleep_drop(&s);
  ac_runtime_stats(rt, &st);
  cr_assert_eq(st.timers, 0);
  cr_assert_eq(wc.refs, 0);
  cr_assert_eq(wc.wakes, 0);
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(timer, sleep_fires_when_the_paused_clock_passes_it) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  ac_runtime_clock_pause(rt);
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  ac_sleep_t s = ac_sleep_ms(100);
  cr_assert_eq(ac_sleep_poll(&s, &cx, NULL), AC_POLL_PENDING);
  ac_runtime_clock_advance(rt, 99);
  cr_assert_eq(wc.wakes, 0);
  cr_assert_eq(ac_sleep_poll(&s, &cx, NULL), AC_POLL_PENDING);
  ac_runtime_clock_advance(rt, 1);
  cr_assert_eq(wc.wakes, 1);
  cr_assert_eq(wc.refs, 0);
  cr_assert_eq(ac_sleep_poll(&s, &cx, NULL), AC_POLL_READY);
  ac_sleep_drop(&s);
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(timer, sleeps_fire_in_deadline_order) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  ac_runtime_clock_pause(rt);
  enum { N = 200 };
  static ac_sleep_t s[N];
  t_wake_count_t wc[N];
  for (int i = 0; i < N; i++) {
    wc[i] = (t_wake_count_t){0};
    ac_waker_t w = t_counting_waker(&wc[i]);
    ac_context_t cx = {&w};
    s[i] = ac_sleep_ms((uint64_t)((i * 7919) % N) + 1);
    cr_assert_eq(ac_sleep_poll(&s[i], &cx, NULL), AC_POLL_PENDING);
  }
  /* Drop every third before it fires. */
  for (int i = 0; i < N; i += 3)
    ac_sleep_drop(&s[i]);
  for (int t = 1; t <= N; t++) {
    ac_runtime_clock_advance(rt, 1);
    for (int i = 0; i < N; i++) {
      int due = (i * 7919) % N + 1 <= t && i % 3 != 0;
      cr_assert_eq(wc[i].wakes, due, "sleep %d at t=%d", i, t);
    }
  }
  for (int i = 0; i < N; i++)
    if (i % 3)
      ac_sleep_drop(&s[i]);
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(timer, zero_sleep_is_ready_at_once) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  ac_waker_t w = ac_waker_noop();
  ac_context_t cx = {&w};
  ac_sleep_t s = ac_sleep_ms(0);
  cr_assert_eq(ac_sleep_poll(&s, &cx, NULL), AC_POLL_READY);
  ac_sleep_drop(&s);
  ac_sleep_t u = ac_sleep_until(ac_runtime_now_ms(rt));
  cr_assert_eq(ac_sleep_poll(&u, &cx, NULL), AC_POLL_READY);
  ac_sleep_drop(&u);
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(timer, sleep_in_a_runtime_takes_its_time) {
  T_FLAVORS(f) {
    uint64_t t0 = now_ms();
    int v = 0;
    t_sleeper_t s = t_sleeper(30, 3, NULL);
    cr_assert_eq(t_run(f, &t_sleeper_vtable, &s, &v), 0);
    uint64_t dt = now_ms() - t0;
    cr_assert_eq(v, 3);
    cr_assert_geq(dt, 29);
    cr_assert_lt(dt, 2000);
  }
}

Test(timer, many_sleeping_tasks_all_wake) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    int drops = 0;
    ac_task_t *t[500];
    for (int i = 0; i < 500; i++) {
      t_sleeper_t s = t_sleeper((uint64_t)(i % 20), i, &drops);
      t[i] = ac_runtime_spawn(rt, &t_sleeper_vtable, &s);
    }
    for (int i = 0; i < 500; i++) {
      ac_join_t j = ac_task_join(t[i]);
      t_await_t a = {&ac_join_vtable, &j};
      int out[16];
      cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, out), 0);
      cr_assert_eq(out[0], i);
    }
    cr_assert_eq(t_load(&drops), 500);
    t_close_clean(rt);
  }
}

Test(timer, timeout_fires_and_drops_the_inner_future) {
  T_FLAVORS(f) {
    int drops = 0, r = 1;
    t_forever_t fv = {&drops};
    ac_timeout_t to = ac_timeout(&t_forever_vtable, &fv, NULL, 20);
    cr_assert_eq(t_run(f, &ac_timeout_vtable, &to, &r), 0);
    cr_assert_eq(r, AC_ETIMEDOUT);
    cr_assert_eq(drops, 1);
  }
}

Test(timer, timeout_passes_an_early_result_and_cancels_its_timer) {
  T_FLAVORS(f) {
    int drops = 0, r = 1, v = 0;
    t_counter_t c = t_counter(3, 11, NULL, &drops);
    ac_timeout_t to = ac_timeout(&t_counter_vtable, &c, &v, 60000);
    cr_assert_eq(t_run(f, &ac_timeout_vtable, &to, &r), 0);
    cr_assert_eq(r, 0);
    cr_assert_eq(v, 11);
    cr_assert_eq(drops, 1);
  }
}

Test(timer, dropped_timeout_removes_its_timer) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  int drops = 0, r;
  t_forever_t fv = {&drops};
  ac_timeout_t to = ac_timeout(&t_forever_vtable, &fv, NULL, 1000);
  ac_waker_t w = ac_waker_noop();
  ac_context_t cx = {&w};
  cr_assert_eq(ac_timeout_poll(&to, &cx, &r), AC_POLL_PENDING);
  ac_runtime_stats_t st;
  ac_runtime_stats(rt, &st);
  cr_assert_eq(st.timers, 1);
  ac_timeout_drop(&to);
  cr_assert_eq(drops, 1);
  ac_runtime_exit();
  t_close_clean(rt);
}

/* Registers a 1 ms sleep, then stays busy past its deadline inside the
 * same poll, so the timer is already due when the executor parks. */
typedef struct late {
  int state;
  ac_sleep_t s;
} late_t;
static ac_poll_t late_poll(void *self, ac_context_t *cx, void *out) {
  late_t *l = self;
  (void)out;
  if (ac_sleep_poll(&l->s, cx, NULL) == AC_POLL_READY)
    return AC_POLL_READY;
  uint64_t t0 = now_ms();
  while (now_ms() - t0 < 5)
    ;
  return AC_POLL_PENDING;
}
static void late_drop(void *self) { ac_sleep_drop(&((late_t *)self)->s); }
static const ac_future_vtable_t late_vtable = {
    late_poll, late_drop, sizeof(late_t), _Alignof(late_t), 0, "late"};

Test(timer, timer_due_before_park_does_not_block_the_driver) {
  alarm(20); /* the bug this guards against was a hang */
  T_FLAVORS(f) {
    late_t l = {0, ac_sleep_ms(1)};
    cr_assert_eq(t_run(f, &late_vtable, &l, NULL), 0);
  }
  alarm(0);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Issue 13, item 2: the deadline is start + the whole duration on a
 * monotonic ns clock; a ms clock that rounds down let sleep_ms(1) return
 * after 8 us.  Sleeps of 1 ms, each started at a random point of a ms. */
Test(timer, sleep_is_never_early) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 1);
    int early = 0;
    for (int i = 0; i < 100; i++) {
      struct timespec jitter = {0, (i * 37 % 100) * 10000};
      nanosleep(&jitter, NULL);
      ac_sleep_t s = ac_sleep_ms(1);
      t_await_t a = {&ac_sleep_vtable, &s};
      uint64_t t0 = now_ns();
      cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, NULL), 0);
      if (now_ns() - t0 < 1000000)
        early++;
    }
    cr_assert_eq(early, 0, "%d of 100 sleeps of 1 ms were early", early);
    t_close_clean(rt);
  }
}

/* UINT64_MAX ms (or (uint64_t)-5) wrapped into the past and returned at
 * once: it saturates now, and never fires. */
Test(timer, huge_durations_saturate_instead_of_wrapping) {
  T_FLAVORS(f) {
    uint64_t huge[] = {UINT64_MAX, (uint64_t)-5, UINT64_MAX / 1000};
    for (int i = 0; i < 3; i++) {
      ac_sleep_t forever = ac_sleep_ms(huge[i]), soon = ac_sleep_ms(20);
      ac_branch_t b[2] = {{&ac_sleep_vtable, &forever, NULL},
                          {&ac_sleep_vtable, &soon, NULL}};
      ac_select_t sel = ac_select(b, 2);
      int winner = -1;
      cr_assert_eq(t_run(f, &ac_select_vtable, &sel, &winner), 0);
      cr_assert_eq(winner, 1, "sleep_ms(%llu) fired first",
                   (unsigned long long)huge[i]);
    }
    int v = 0, r = 1;
    t_sleeper_t inner = t_sleeper(10, 4, NULL);
    ac_timeout_t to = ac_timeout(&t_sleeper_vtable, &inner, &v, UINT64_MAX);
    cr_assert_eq(t_run(f, &ac_timeout_vtable, &to, &r), 0);
    cr_assert_eq(r, 0, "a timeout of UINT64_MAX ms timed out");
    cr_assert_eq(v, 4);
  }
}

Test(timer, sleep_until_a_huge_deadline_stays_pending) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  ac_runtime_clock_pause(rt);
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  ac_sleep_t s = ac_sleep_until(UINT64_MAX - 1);
  cr_assert_eq(ac_sleep_poll(&s, &cx, NULL), AC_POLL_PENDING);
  ac_runtime_clock_advance(rt, UINT64_MAX / 2);
  cr_assert_eq(wc.wakes, 0);
  cr_assert_eq(ac_sleep_poll(&s, &cx, NULL), AC_POLL_PENDING);
  ac_sleep_drop(&s);
  cr_assert_eq(wc.refs, 0);
  ac_runtime_exit();
  t_close_clean(rt);
}
