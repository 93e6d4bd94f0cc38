/*
 * test_yield_batch.c: yields on a stealable queue go to the worker's own
 * ring (sched.c, "the yield ring"), which only its worker touches and
 * nobody steals from.  Every yielder still runs to its end, none is
 * polled twice at once, aborts reach tasks wherever they wait, a shutdown
 * releases what the ring holds, yielders move to a worker that goes idle,
 * and they are not starved by tasks that keep waking each other on their
 * worker.  A task yielding alone (polled again in place) still lets its
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

/* ---- the yield ring's fairness (sched.c) ----
 *
 * One worker is blocked in a poll; on the other, a ring of tasks wake
 * each other for ever while one more yields.  Yielders wait in the
 * worker's own ring behind what is woken (q): without a way back to the
 * front they would wait as long as the others keep waking, here until
 * the blocked worker gives up (5 s); the yielder must finish long before.
 * Two tasks waking each other go through the run-next slot and, after 3
 * runs from it, to the back of the queue (which must be own's tail); six
 * each waking the next two keep q from ever emptying (q's entries must
 * go behind own's at the look around). */
enum { RING_MAX = 6 };
typedef struct pingpong {
  pthread_mutex_t lock;
  int n, fan;  /* tasks in the ring; each wakes the next `fan` */
  ac_waker_t w[RING_MAX];
  int stop;    /* atomic: the yielder is done */
  int started; /* atomic: the blocker is in its poll */
} pingpong_t;

typedef struct pinger {
  pingpong_t *pp;
  int me;
} pinger_t;

static ac_poll_t pinger_poll(void *self, ac_context_t *cx, void *out) {
  pinger_t *p = self;
  pingpong_t *pp = p->pp;
  (void)out;
  pthread_mutex_lock(&pp->lock);
  if (pp->w[p->me].vtable)
    ac_waker_drop(pp->w[p->me]);
  pp->w[p->me] = ac_waker_clone(cx->waker);
  ac_waker_t other[2] = {{NULL, NULL}, {NULL, NULL}};
  for (int k = 0; k < pp->fan; k++) {
    int j = (p->me + 1 + k) % pp->n;
    other[k] = pp->w[j];
    pp->w[j].vtable = NULL;
  }
  pthread_mutex_unlock(&pp->lock);
  for (int k = 0; k < pp->fan; k++)
    if (other[k].vtable)
      ac_waker_wake(other[k]);
  return __atomic_load_n(&pp->stop, __ATOMIC_SEQ_CST) ? AC_POLL_READY
                                                       : AC_POLL_PENDING;
}
static void pinger_drop(void *self) {
  pinger_t *p = self;
  pingpong_t *pp = p->pp;
  pthread_mutex_lock(&pp->lock);
  ac_waker_t w = pp->w[p->me];
  pp->w[p->me].vtable = NULL;
  pthread_mutex_unlock(&pp->lock);
  if (w.vtable)
    ac_waker_drop(w);
}
static const ac_future_vtable_t pinger_vtable = {
    pinger_poll, pinger_drop, sizeof(pinger_t), _Alignof(pinger_t), 0,
    "pinger"};

typedef struct stopper { /* yields `left` times, then stops the others */
  pingpong_t *pp;
  int left;
} stopper_t;

static ac_poll_t stopper_poll(void *self, ac_context_t *cx, void *out) {
  stopper_t *s = self;
  (void)out;
  if (s->left-- > 0) {
    ac_waker_wake_by_ref(cx->waker);
    return AC_POLL_PENDING;
  }
  __atomic_store_n(&s->pp->stop, 1, __ATOMIC_SEQ_CST);
  return AC_POLL_READY;
}
static void stopper_drop(void *self) { (void)self; }
static const ac_future_vtable_t stopper_vtable = {
    stopper_poll, stopper_drop, sizeof(stopper_t), _Alignof(stopper_t), 0,
    "stopper"};

static ac_poll_t blocker_poll(void *self, ac_context_t *cx, void *out) {
  pingpong_t *pp = *(pingpong_t **)self;
  (void)cx;
  __atomic_store_n(&pp->started, 1, __ATOMIC_SEQ_CST);
  double until = now_s() + 5;
  while (!__atomic_load_n(&pp->stop, __ATOMIC_SEQ_CST) && now_s() < until)
    usleep(1000);
  *(int *)out = __atomic_load_n(&pp->stop, __ATOMIC_SEQ_CST);
  return AC_POLL_READY;
}
static void blocker_drop(void *self) { (void)self; }
static const ac_future_vtable_t blocker_vtable = {
    blocker_poll, blocker_drop, sizeof(pingpong_t *), _Alignof(pingpong_t *),
    sizeof(int), "blocker"};

static void yielder_beside_a_ring(int n, int fan) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_MULTI_THREAD, 2);
  /* static: a failed assertion leaves the tasks running */
  static pingpong_t pp;
  static pingpong_t *ppp = &pp;
  memset(&pp, 0, sizeof pp);
  pthread_mutex_init(&pp.lock, NULL);
  pp.n = n;
  pp.fan = fan;
  ac_task_t *b = ac_runtime_spawn(rt, &blocker_vtable, &ppp);
  while (!__atomic_load_n(&pp.started, __ATOMIC_SEQ_CST))
    usleep(100);
  /* The rest lands on the other worker, the blocker's being blocked. */
  static pinger_t p[RING_MAX];
  ac_task_t *t[RING_MAX];
  for (int i = 0; i < n; i++) {
    p[i] = (pinger_t){&pp, i};
    t[i] = ac_runtime_spawn(rt, &pinger_vtable, &p[i]);
  }
  stopper_t st = {&pp, 2000};
  ac_task_t *ts = ac_runtime_spawn(rt, &stopper_vtable, &st);
  int saw = -1;
  cr_assert_eq(join_int(rt, b, &saw), 0);
  cr_assert_eq(saw, 1,
               "the yielder did not finish in 5 s beside %d tasks waking "
               "the next %d",
               n, fan);
  for (int i = 0; i < n; i++)
    ac_task_detach(t[i]);
  ac_task_detach(ts);
  t_close_clean(rt);
}

Test(yield_batch, a_yielder_is_not_starved_by_two_tasks_waking_each_other) {
  yielder_beside_a_ring(2, 1);
}

Test(yield_batch, a_yielder_is_not_starved_by_a_stream_of_wakes) {
  yielder_beside_a_ring(6, 2);
}

/* Yielders sit in their worker's own ring, which nobody steals from: when
 * the other worker goes idle, they must become stealable (published to
 * the queue, the idle worker woken).  Sixteen yielders gather on one
 * worker while the other is blocked; once it is free, some of them must
 * run there. */
enum { MOVERS = 16 };
typedef struct movers {
  pthread_t free_thread; /* the blocker's worker, once it is done */
  int free;              /* atomic: free_thread is set */
  int polled;            /* atomic: movers polled at least once */
  int moved;             /* atomic: a mover ran on free_thread */
} movers_t;

typedef struct mover {
  movers_t *m;
  int first;
  double until;
} mover_t;

static ac_poll_t mover_poll(void *self, ac_context_t *cx, void *out) {
  mover_t *v = self;
  movers_t *m = v->m;
  (void)out;
  if (!v->first) {
    v->first = 1;
    v->until = now_s() + 5;
    t_inc(&m->polled);
  }
  if (__atomic_load_n(&m->free, __ATOMIC_ACQUIRE) &&
      pthread_equal(pthread_self(), m->free_thread))
    __atomic_store_n(&m->moved, 1, __ATOMIC_SEQ_CST);
  if (!__atomic_load_n(&m->moved, __ATOMIC_SEQ_CST) && now_s() < v->until) {
    ac_waker_wake_by_ref(cx->waker);
    return AC_POLL_PENDING;
  }
  return AC_POLL_READY;
}
static void mover_drop(void *self) { (void)self; }
static const ac_future_vtable_t mover_vtable = {
    mover_poll, mover_drop, sizeof(mover_t), _Alignof(mover_t), 0, "mover"};

static ac_poll_t wait_movers_poll(void *self, ac_context_t *cx, void *out) {
  movers_t *m = *(movers_t **)self;
  (void)cx;
  (void)out;
  double until = now_s() + 5;
  while (t_load(&m->polled) < MOVERS && now_s() < until)
    usleep(1000);
  usleep(2000); /* they are yielding in own by now */
  m->free_thread = pthread_self();
  __atomic_store_n(&m->free, 1, __ATOMIC_RELEASE);
  return AC_POLL_READY;
}
static const ac_future_vtable_t wait_movers_vtable = {
    wait_movers_poll, mover_drop, sizeof(movers_t *), _Alignof(movers_t *), 0,
    "wait_movers"};

Test(yield_batch, yielders_move_to_a_worker_that_goes_idle) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_MULTI_THREAD, 2);
  static movers_t m; /* static: a failed assertion leaves tasks running */
  static movers_t *mp = &m;
  memset(&m, 0, sizeof m);
  static mover_t v[MOVERS];
  ac_task_t *b = ac_runtime_spawn(rt, &wait_movers_vtable, &mp);
  ac_task_t *t[MOVERS];
  for (int i = 0; i < MOVERS; i++) {
    v[i] = (mover_t){&m, 0, 0};
    t[i] = ac_runtime_spawn(rt, &mover_vtable, &v[i]);
  }
  for (int i = 0; i < MOVERS; i++) {
    int out;
    cr_assert_eq(join_int(rt, t[i], &out), 0);
  }
  cr_assert_eq(t_load(&m.polled), MOVERS);
  cr_assert_eq(__atomic_load_n(&m.moved, __ATOMIC_SEQ_CST), 1,
               "no yielder ever ran on the worker that went idle");
  int out;
  cr_assert_eq(join_int(rt, b, &out), 0);
  t_close_clean(rt);
}
