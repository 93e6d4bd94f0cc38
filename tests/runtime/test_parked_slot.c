/*
 * test_parked_slot.c: on a multi-thread worker, the last task that went
 * pending stays RUNNING in the worker's parked slot, so the wake that
 * follows from the same worker costs no atomic operation (sched.c).  A
 * wake or an abort from another thread only marks such a task; the
 * worker must look at it even while other tasks keep it busy.  These
 * check that such a wake and such an abort are seen while the worker runs
 * a task that only yields (it never goes pending, so no other task takes
 * the slot), that tasks answering each other on one worker get every
 * value, and that nothing is left behind at shutdown.
 */
#include "harness.h"

#include <stdbool.h>
#include <time.h>
#include <unistd.h>

/* Yields until *flag is non-zero, or the task `until` has finished. */
typedef struct spin {
  int *flag;
  ac_task_t *until;
  int yields;
} spin_t;
static ac_poll_t spin_poll(void *self, ac_context_t *cx, void *out) {
  spin_t *s = self;
  (void)out;
  if (s->until ? ac_task_is_finished(s->until) == 1 : t_load(s->flag) != 0)
    return AC_POLL_READY;
  s->yields++;
  ac_waker_wake_by_ref(cx->waker);
  return AC_POLL_PENDING;
}
static void spin_drop(void *self) { (void)self; }
static const ac_future_vtable_t spin_vtable = {
    spin_poll, spin_drop, sizeof(spin_t), _Alignof(spin_t), 0, "spin"};

/* Waits up to 10 s for the task to finish. */
static bool finishes(ac_task_t *t) {
  for (int i = 0; i < 10000; i++) {
    if (ac_task_is_finished(t))
      return true;
    usleep(1000);
  }
  return false;
}

Test(parked_slot, a_wake_from_a_plain_thread_reaches_a_parked_task) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_MULTI_THREAD, 1);
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 1);
  int got = 0;
  ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &got);
  ac_task_t *a = ac_runtime_spawn(rt, &ac_mpsc_recv_vtable, &rx);
  /* b yields until a has finished: a must run while b keeps the one
   * worker busy (the value itself is handed straight to got). */
  spin_t sp = {NULL, a, 0};
  ac_task_t *b = ac_runtime_spawn(rt, &spin_vtable, &sp);
  usleep(20000); /* a waits in the slot, b yields on the one worker */
  int v = 42;
  cr_assert_eq(ac_mpsc_try_send(ch, &v), 0);
  cr_assert(finishes(b), "the receiver never saw the value: its wake "
                         "from this thread was lost in the slot");
  cr_assert(finishes(a));
  cr_assert_eq(got, 42);
  cr_assert_eq(ac_task_detach(a), 0);
  cr_assert_eq(ac_task_detach(b), 0);
  cr_assert_eq(ac_mpsc_sender_drop(ch), 0);
  cr_assert_eq(ac_mpsc_receiver_drop(ch), 0);
  t_close_clean(rt);
}

/* Sets *flag when dropped (the abort of a task drops its future). */
typedef struct dropflag {
  int *flag;
} dropflag_t;
static ac_poll_t dropflag_poll(void *self, ac_context_t *cx, void *out) {
  (void)self;
  (void)cx;
  (void)out;
  return AC_POLL_PENDING;
}
static void dropflag_drop(void *self) {
  dropflag_t *d = self;
  __atomic_store_n(d->flag, 1, __ATOMIC_SEQ_CST);
}
static const ac_future_vtable_t dropflag_vtable = {
    dropflag_poll, dropflag_drop, sizeof(dropflag_t), _Alignof(dropflag_t),
    0, "dropflag"};

Test(parked_slot, an_abort_from_a_plain_thread_reaches_a_parked_task) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_MULTI_THREAD, 1);
  int dropped = 0;
  dropflag_t d = {&dropped};
  ac_task_t *a = ac_runtime_spawn(rt, &dropflag_vtable, &d);
  spin_t sp = {&dropped, NULL, 0};
  ac_task_t *b = ac_runtime_spawn(rt, &spin_vtable, &sp);
  usleep(20000);
  cr_assert_eq(ac_task_abort(a), 0);
  cr_assert(finishes(b), "the aborted task was never dropped");
  cr_assert(finishes(a));
  cr_assert_eq(ac_task_detach(a), 0);
  cr_assert_eq(ac_task_detach(b), 0);
  t_close_clean(rt);
}

/* Ping-pong over two capacity-1 channels between two tasks, many rounds,
 * on two workers: each wake is either from the slot's own worker or
 * from the other; every value comes back. */
typedef struct pp {
  int state, i, n, v, r;
  ac_mpsc_t *tx, *rx;
  union {
    ac_mpsc_send_t send;
    ac_mpsc_recv_t recv;
  } c;
  int *bad;
} pp_t;

static ac_poll_t ping_poll(void *self, ac_context_t *cx, void *out) {
  pp_t *p = self;
  (void)out;
  switch (p->state) {
  case 0:
    for (p->i = 0; p->i < p->n; p->i++) {
      p->v = p->i;
      p->c.send = ac_mpsc_send(p->tx, &p->v);
      p->state = 1;
      /* fallthrough */
    case 1:
      if (ac_mpsc_send_poll(&p->c.send, cx, &p->r) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_send_drop(&p->c.send);
      p->c.recv = ac_mpsc_recv(p->rx, &p->v);
      p->state = 2;
      /* fallthrough */
    case 2:
      if (ac_mpsc_recv_poll(&p->c.recv, cx, &p->r) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_recv_drop(&p->c.recv);
      if (p->r != 0 || p->v != p->i)
        __atomic_fetch_add(p->bad, 1, __ATOMIC_SEQ_CST);
    }
    p->state = 3;
  }
  return AC_POLL_READY;
}

static ac_poll_t pong_poll(void *self, ac_context_t *cx, void *out) {
  pp_t *p = self;
  (void)out;
  switch (p->state) {
  case 0:
    for (p->i = 0; p->i < p->n; p->i++) {
      p->c.recv = ac_mpsc_recv(p->rx, &p->v);
      p->state = 1;
      /* fallthrough */
    case 1:
      if (ac_mpsc_recv_poll(&p->c.recv, cx, &p->r) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_recv_drop(&p->c.recv);
      p->c.send = ac_mpsc_send(p->tx, &p->v);
      p->state = 2;
      /* fallthrough */
    case 2:
      if (ac_mpsc_send_poll(&p->c.send, cx, &p->r) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_send_drop(&p->c.send);
    }
    p->state = 3;
  }
  return AC_POLL_READY;
}
static void pp_drop(void *self) { (void)self; }
static const ac_future_vtable_t ping_vtable = {
    ping_poll, pp_drop, sizeof(pp_t), _Alignof(pp_t), 0, "ping"};
static const ac_future_vtable_t pong_vtable = {
    pong_poll, pp_drop, sizeof(pp_t), _Alignof(pp_t), 0, "pong"};

Test(parked_slot, tasks_answering_each_other_get_every_value) {
  for (uint32_t nw = 1; nw <= 2; nw++) {
    ac_runtime_t *rt = ac_runtime_new(AC_RT_MULTI_THREAD, nw);
    ac_mpsc_t *a = ac_mpsc_new(sizeof(int), 1), *b = ac_mpsc_new(sizeof(int), 1);
    int bad = 0, n = 20000;
    pp_t pi = {.n = n, .tx = a, .rx = b, .bad = &bad};
    pp_t po = {.n = n, .tx = b, .rx = a, .bad = &bad};
    ac_task_t *tpo = ac_runtime_spawn(rt, &pong_vtable, &po);
    ac_task_t *tpi = ac_runtime_spawn(rt, &ping_vtable, &pi);
    cr_assert(finishes(tpi), "%u workers: ping-pong stalled", nw);
    cr_assert(finishes(tpo));
    cr_assert_eq(t_load(&bad), 0);
    cr_assert_eq(ac_task_detach(tpi), 0);
    cr_assert_eq(ac_task_detach(tpo), 0);
    for (int i = 0; i < 2; i++) {
      cr_assert_eq(ac_mpsc_sender_drop(i ? a : b), 0);
      cr_assert_eq(ac_mpsc_receiver_drop(i ? a : b), 0);
    }
    t_close_clean(rt);
  }
}
