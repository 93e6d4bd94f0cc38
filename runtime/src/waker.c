/*
 * waker.c: the waker of a task, and the no-op waker.
 *
 * A task waker's data is the task; a clone is one reference (task.c rule 1).
 * A wake of an idle task sets RUNNING and queues it, handing the queue its
 * reference; a wake of a task that is queued or being polled only sets
 * NOTIFIED, and a finished task is left alone: never queued twice.  The fast path: a task waking itself during its own poll on
 * this thread (yield_now) only sets a thread-local flag, and the executor
 * requeues it after the poll, so a yield costs no atomic operation.
 * A local task (internal.h) woken on its runtime's thread is queued with
 * plain stores; from elsewhere it gets AC__T_REMOTE and an inject entry.
 * A multi-thread task in this worker's parked slot (sched.c) is RUNNING
 * with a reference already: it is queued with plain stores too.
 */
#include "internal.h"

static ac_waker_t task_clone(void *data) {
  ac_task_t *t = data;
  __atomic_fetch_add(&t->state, AC__T_REF_ONE, __ATOMIC_RELAXED);
  return (ac_waker_t){&ac__task_waker_vtable, t};
}

static void task_drop(void *data) { ac__task_unref(data); }

/* A local task woken from another thread: one entry in flight is
 * enough, it runs the task if it is idle when its thread takes it; by
 * value, our reference becomes the entry's. */
__attribute__((noinline)) static void wake_remote(ac_task_t *t,
                                                  bool by_value) {
  uint32_t st = __atomic_load_n(&t->state, __ATOMIC_RELAXED), nw;
  do {
    if (st & (AC__T_COMPLETE | AC__T_REMOTE)) {
      if (by_value)
        ac__task_unref(t);
      return;
    }
    nw = (st | AC__T_REMOTE) + (by_value ? 0 : AC__T_REF_ONE);
  } while (!__atomic_compare_exchange_n(&t->state, &st, nw, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  ac__sched_schedule(ac__task_sched(t), t);
}

/* Wakes a local task (internal.h); by value, the caller's reference goes
 * too.  On its runtime's thread (the common case: a channel, a timer, an
 * fd, a join) plain stores, and the run-next slot if the running task
 * woke it and the slot is free (what ac__sched_schedule would do, without
 * the call). */
static inline __attribute__((always_inline)) void
wake_local(ac_task_t *t, uintptr_t vtw, bool by_value) {
  ac__worker_t *w = ac__tls.worker;
  if (AC_UNLIKELY(!w || w->sched != ac__task_sched(t))) {
    wake_remote(t, by_value);
    return;
  }
  if (ac__task_claim_local(t, vtw)) {
    if (AC_LIKELY(!w->next && ac__tls.running))
      w->next = (uintptr_t)t;
    /* Else (woken by no task: the reactor's dispatch, a timer; or the
     * slot is taken) the tail of the worker's ring, as enqueue would put
     * it: a current-thread worker's ring, which nobody steals from, needs
     * no lock and no notify, and enqueue's frame and checks were 50
     * instructions of every W6 echo.  A ring that cannot grow goes the
     * long way (to the inject queue). */
    else if (AC_UNLIKELY(ac__runq_push(&w->q, (uintptr_t)t) != 0))
      ac__sched_schedule(w->sched, t);
  }
  if (by_value)
    ac__task_unref(t);
}

void ac__task_wake_by_ref(void *data) {
  ac_task_t *t = data;
  if (t == ac__tls.running) {
    AC__WOKEN = 1;
    return;
  }
  uintptr_t vtw = __atomic_load_n(&t->vtw, __ATOMIC_RELAXED);
  if (vtw & AC__VT_LOCAL) {
    wake_local(t, vtw, false);
    return;
  }
  ac__worker_t *w = ac__tls.worker;
  if (w && w->parked == (uintptr_t)data) { /* RUNNING and a reference */
    w->parked = 0;
    ac__sched_schedule_inline(w->sched, t);
    return;
  }
  uint32_t st = __atomic_load_n(&t->state, __ATOMIC_RELAXED), nw;
  do {
    if (st & (AC__T_COMPLETE | AC__T_NOTIFIED))
      return;
    if (st & AC__T_RUNNING)
      nw = st | AC__T_NOTIFIED; /* its owner polls it again */
    else
      nw = (st | AC__T_RUNNING) + AC__T_REF_ONE; /* the queue owns it */
  } while (!__atomic_compare_exchange_n(&t->state, &st, nw, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  if (!(st & AC__T_RUNNING))
    ac__sched_schedule_inline(ac__task_sched(t), t);
}

/* Wake by value: like wake_by_ref, but our reference becomes the queue's
 * (or is released), in the same atomic operation. */
static void task_wake(void *data) {
  ac_task_t *t = data;
  if (t == ac__tls.running) {
    AC__WOKEN = 1;
    ac__task_unref(t);
    return;
  }
  uintptr_t vtw = __atomic_load_n(&t->vtw, __ATOMIC_RELAXED);
  if (vtw & AC__VT_LOCAL) {
    wake_local(t, vtw, true);
    return;
  }
  ac__worker_t *w = ac__tls.worker;
  if (w && w->parked == (uintptr_t)data) { /* RUNNING and a reference */
    w->parked = 0;
    ac__sched_schedule_inline(w->sched, t);
    ac__task_unref(t); /* ours; the slot's goes with the entry */
    return;
  }
  uint32_t st = __atomic_load_n(&t->state, __ATOMIC_RELAXED), nw;
  bool queue;
  do {
    queue = !(st & (AC__T_COMPLETE | AC__T_RUNNING));
    if (queue)
      nw = st | AC__T_RUNNING;
    else if (st & AC__T_COMPLETE)
      nw = st - AC__T_REF_ONE;
    else
      nw = (st | AC__T_NOTIFIED) - AC__T_REF_ONE;
  } while (!__atomic_compare_exchange_n(&t->state, &st, nw, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  if (queue)
    ac__sched_schedule_inline(ac__task_sched(t), t);
  else if (AC__T_REFS(nw) == 0)
    ac__task_unref_last(t);
}

const ac_waker_vtable_t ac__task_waker_vtable = {task_clone, task_wake,
                                                 ac__task_wake_by_ref,
                                                 task_drop};

static ac_waker_t noop_clone(void *data) {
  return (ac_waker_t){&ac__noop_waker_vtable, data};
}
static void noop(void *data) { (void)data; }
const ac_waker_vtable_t ac__noop_waker_vtable = {noop_clone, noop, noop,
                                                 noop};

ac_waker_t ac_waker_noop(void) {
  return (ac_waker_t){&ac__noop_waker_vtable, NULL};
}
