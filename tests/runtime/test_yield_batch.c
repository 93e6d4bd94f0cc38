/*
 * test_yield_batch.c: yields on a stealable queue go through the worker's
 * private batch (sched.c): up to AC__BATCH entries taken off the queue's
 * head under one lock hold, and the yielders gathered behind.  Every
 * yielder still runs to its end, none is polled twice at once, aborts
 * reach tasks sitting in a batch, and a shutdown releases what a batch
 * holds.  A task yielding alone (polled again in place) still lets its
 * worker look at the driver.
 */
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { TASKS = 64 };

/* Yields `left` times through a self-wake, then outputs its id; asserts
 * it is never polled on two threads at once. */
typedef struct yielder {
  int id, left;
  int *busy; /* per task: in a poll now */
  int *drops;
} yielder_t;

static ac_poll_t yielder_poll(void *self, ac_context_t *cx, void *out) {
  yielder_t *y = self;
  cr_assert_eq(__atomic_exchange_n(&y->busy[y->id], 1, __ATOMIC_SEQ_CST), 0,
               "task %d polled twice at once", y->id);
  ac_poll_t r = AC_POLL_READY;
  if (y->left-- > 0) {
    ac_waker_wake_by_ref(cx->waker);
    r = AC_POLL_PENDING;
  } else {
    *(int *)out = y->id;
  }
  __atomic_store_n(&y->busy[y->id], 0, __ATOMIC_SEQ_CST);
  return r;
}
static void yielder_drop(void *self) {
  yielder_t *y = self;
  if (y->drops)
    t_inc(y->drops);
}
static const ac_future_vtable_t yielder_vtable = {
    yielder_poll, yielder_drop, sizeof(yielder_t), _Alignof(yielder_t),
    sizeof(int), "yielder"};

/* Joins t from outside the runtime; its output into *out. */
static int join_int(ac_runtime_t *rt, ac_task_t *t, int *out) {
  ac_join_t j = ac_task_join(t);
  t_await_t a = {&ac_join_vtable, &j};
  char buf[64] = {0}; /* t_await's output size */
  cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, buf), 0);
  memcpy(out, buf, sizeof *out);
  return ac_join_status(&j);
}

Test(yield_batch, every_yielder_on_two_workers_runs_to_its_end) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_MULTI_THREAD, 2);
  int busy[TASKS] = {0}, drops = 0;
  ac_task_t *t[TASKS];
  for (int i = 0; i < TASKS; i++) {
    yielder_t y = {i, 500 + 37 * i, busy, &drops};
    t[i] = ac_runtime_spawn(rt, &yielder_vtable, &y);
    cr_assert_not_null(t[i]);
  }
  for (int i = 0; i < TASKS; i++) {
    int out = -1;
    cr_assert_eq(join_int(rt, t[i], &out), 0);
    cr_assert_eq(out, i);
  }
  cr_assert_eq(t_load(&drops), TASKS);
  t_close_clean(rt);
}

Test(yield_batch, aborts_reach_yielders_wherever_they_wait) {
  for (int round = 0; round < 20; round++) {
    ac_runtime_t *rt = ac_runtime_new(AC_RT_MULTI_THREAD, 2);
    int busy[TASKS] = {0}, drops = 0;
    ac_task_t *t[TASKS];
    for (int i = 0; i < TASKS; i++) {
      /* the odd ones yield for ever (as good as): only an abort ends them */
      yielder_t y = {i, i % 2 ? 1 << 30 : 50 * round, busy, &drops};
      t[i] = ac_runtime_spawn(rt, &yielder_vtable, &y);
    }
    usleep(200); /* let them spread over queues, batches and workers */
    for (int i = 1; i < TASKS; i += 2)
      cr_assert_eq(ac_task_abort(t[i]), 0);
    for (int i = 0; i < TASKS; i++) {
      int out = -1;
      int st = join_int(rt, t[i], &out);
      if (i % 2)
        cr_assert_eq(st, AC_ECANCELED, "task %d: %d", i, st);
      else
        cr_assert(st == 0 && out == i, "task %d: status %d out %d", i, st,
                  out);
    }
    cr_assert_eq(t_load(&drops), TASKS);
    t_close_clean(rt);
  }
}

Test(yield_batch, shutdown_releases_yielders_held_in_a_batch) {
  for (int round = 0; round < 20; round++) {
    ac_runtime_t *rt = ac_runtime_new(AC_RT_MULTI_THREAD, 2);
    int busy[TASKS] = {0}, drops = 0;
    for (int i = 0; i < TASKS; i++) {
      yielder_t y = {i, 1 << 30, busy, &drops};
      ac_task_detach(ac_runtime_spawn(rt, &yielder_vtable, &y));
    }
    usleep(100 * (unsigned)(round % 5));
    t_close_clean(rt); /* asserts no task or allocation is left */
    cr_assert_eq(drops, TASKS);
  }
}

/* spinner: yields until its sleeper (spawned at the first poll) has
 * finished, or 10 s; outputs 1 if it saw it finish. */
typedef struct spinner {
  ac_task_t *sleeper;
  double until;
} spinner_t;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static ac_poll_t spinner_poll(void *self, ac_context_t *cx, void *out) {
  spinner_t *s = self;
  if (!s->sleeper) {
    t_sleeper_t sl = t_sleeper(10, 0, NULL);
    s->sleeper = ac_spawn_raw(&t_sleeper_vtable, &sl);
    s->until = now_s() + 10;
  }
  int done = ac_task_is_finished(s->sleeper) == 1;
  if (!done && now_s() < s->until) {
    ac_waker_wake_by_ref(cx->waker);
    return AC_POLL_PENDING;
  }
  ac_task_detach(s->sleeper);
  *(int *)out = done;
  return AC_POLL_READY;
}
static void spinner_drop(void *self) { (void)self; }
static const ac_future_vtable_t spinner_vtable = {
    spinner_poll, spinner_drop, sizeof(spinner_t), _Alignof(spinner_t),
    sizeof(int), "spinner"};

/* A task that yields alone on its worker is polled again in place, and
 * that repoll counted down the same tick as the run loop, which it reset
 * each time: the loop never looked at the driver, so a timer never fired
 * (a current-thread runtime hung here) and a shutdown waited seconds. */
Test(yield_batch, a_task_yielding_alone_lets_timers_fire) {
  T_FLAVORS(f) {
    spinner_t s = {NULL, 0};
    int saw = 0;
    cr_assert_eq(t_run(f, &spinner_vtable, &s, &saw), 0);
    cr_assert_eq(saw, 1, "flavor %d: the sleeper's timer never fired", f);
  }
}
