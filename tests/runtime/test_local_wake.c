/*
 * test_local_wake.c: the tasks of a current-thread runtime keep their
 * queued state where only the runtime's thread writes it (docs/runtime.md
 * §2); wakes from other threads go through the inject queue.  These check
 * what a user sees of that: wakes from a plain thread coalesce into one
 * run, a task woken from both sides runs once per wake it has not yet
 * seen, an abort from another thread drops an idle task, and the
 * references come out even (t_close_clean finds no allocation left).
 */
#include "harness.h"

#include <pthread.h>

/* Stores a clone of its waker on the first poll and returns pending until
 * *go; counts its polls. */
typedef struct waiter {
  int *go, *polls;
  ac_waker_t *slot;
} waiter_t;

static ac_poll_t waiter_poll(void *self, ac_context_t *cx, void *out) {
  waiter_t *w = self;
  (void)out;
  t_inc(w->polls);
  if (t_load(w->go))
    return AC_POLL_READY;
  if (!w->slot->vtable)
    *w->slot = ac_waker_clone(cx->waker);
  return AC_POLL_PENDING;
}
static void waiter_drop(void *self) { (void)self; }
static const ac_future_vtable_t waiter_vtable = {
    waiter_poll, waiter_drop, sizeof(waiter_t), _Alignof(waiter_t), 0,
    "waiter"};

static ac_waker_t *shared_slot;
static void *wake_many(void *arg) {
  int n = *(int *)arg;
  for (int i = 0; i < n; i++)
    ac_waker_wake_by_ref(shared_slot);
  return NULL;
}

/* Lets the runtime run what is queued (block_on of a short sleep). */
static void turn(ac_runtime_t *rt) {
  t_sleeper_t s = t_sleeper(5, 0, NULL);
  cr_assert_eq(ac_runtime_block_on(rt, &t_sleeper_vtable, &s, NULL), 0);
}

Test(local_wake, wakes_from_a_plain_thread_coalesce_into_one_run) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  int go = 0, polls = 0, n = 10000;
  ac_waker_t slot = {0};
  waiter_t w = {&go, &polls, &slot};
  ac_task_t *t = ac_runtime_spawn(rt, &waiter_vtable, &w);
  cr_assert_not_null(t);
  turn(rt);
  cr_assert_eq(t_load(&polls), 1);
  shared_slot = &slot;
  pthread_t th;
  pthread_create(&th, NULL, wake_many, &n);
  pthread_join(th, NULL);
  turn(rt);
  cr_assert_eq(t_load(&polls), 2, "%d wakes from elsewhere: %d polls", n,
               t_load(&polls));
  go = 1;
  ac_waker_wake_by_ref(&slot); /* not a worker now: a remote wake too */
  turn(rt);
  cr_assert_eq(t_load(&polls), 3);
  cr_assert(ac_task_is_finished(t));
  ac_waker_drop(slot);
  cr_assert_eq(ac_task_detach(t), 0);
  t_close_clean(rt);
}

/* Wakes the waiter from inside the runtime (a task) and from a plain
 * thread at once, many times: each run sees the wakes before it, none is
 * lost (the last one finds go set), and nothing runs after completion. */
typedef struct poker {
  int state, i;
  ac_waker_t *slot;
  int *go;
  ac_yield_t y;
} poker_t;

static ac_poll_t poker_poll(void *self, ac_context_t *cx, void *out) {
  poker_t *p = self;
  (void)out;
  switch (p->state) {
  case 0:
    for (p->i = 0; p->i < 2000; p->i++) {
      ac_waker_wake_by_ref(p->slot);
      p->y = ac_yield_now();
      p->state = 1;
      /* fallthrough */
    case 1:
      if (ac_yield_poll(&p->y, cx, NULL) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
    }
  }
  __atomic_store_n(p->go, 1, __ATOMIC_SEQ_CST);
  ac_waker_wake_by_ref(p->slot);
  return AC_POLL_READY;
}
static const ac_future_vtable_t poker_vtable = {
    poker_poll, waiter_drop, sizeof(poker_t), _Alignof(poker_t), 0, "poker"};

Test(local_wake, wakes_from_inside_and_outside_are_not_lost) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  int go = 0, polls = 0, n = 20000;
  ac_waker_t slot = {0};
  waiter_t w = {&go, &polls, &slot};
  ac_task_t *t = ac_runtime_spawn(rt, &waiter_vtable, &w);
  turn(rt);
  shared_slot = &slot;
  pthread_t th;
  pthread_create(&th, NULL, wake_many, &n);
  poker_t p = {.slot = &slot, .go = &go};
  cr_assert_eq(ac_runtime_block_on(rt, &poker_vtable, &p, NULL), 0);
  pthread_join(th, NULL);
  for (int i = 0; i < 100 && !ac_task_is_finished(t); i++)
    turn(rt);
  cr_assert(ac_task_is_finished(t), "the last wake was lost");
  int seen = t_load(&polls);
  cr_assert_leq(seen, 2 + 2000 + n, "more runs than wakes: %d", seen);
  turn(rt);
  cr_assert_eq(t_load(&polls), seen, "polled after it finished");
  ac_waker_drop(slot);
  cr_assert_eq(ac_task_detach(t), 0);
  t_close_clean(rt);
}

static ac_task_t *to_abort;
static int abort_rc = -1;
static void *abort_it(void *arg) {
  (void)arg;
  abort_rc = ac_task_abort(to_abort);
  return NULL;
}

Test(local_wake, abort_from_another_thread_drops_an_idle_task) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  int go = 0, polls = 0;
  ac_waker_t slot = {0};
  waiter_t w = {&go, &polls, &slot};
  to_abort = ac_runtime_spawn(rt, &waiter_vtable, &w);
  turn(rt);
  pthread_t th;
  pthread_create(&th, NULL, abort_it, NULL);
  pthread_join(th, NULL);
  cr_assert_eq(abort_rc, 0);
  turn(rt);
  cr_assert(ac_task_is_finished(to_abort));
  cr_assert_eq(t_load(&polls), 1, "an aborted task is dropped, not polled");
  ac_waker_drop(slot);
  cr_assert_eq(ac_task_detach(to_abort), 0);
  t_close_clean(rt);
}
