/*
 * test_yield.c: the yield leaf's self-wake (ac.h) and the run loop around
 * it (sched.c).  Polled by the runtime with its own context, ac_yield_poll
 * wakes its task by raising a thread-local flag instead of calling the
 * waker; under any other waker (a combinator's, a hand-made context, a
 * task set's entry) it must still call that waker, and outside a task's
 * poll nothing may take the flag for a wake.  A task yielding alone is
 * polled again in place, yet work that arrives from another thread
 * through the inject queue still runs.
 */
#include "harness.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Polls a yield under a waker of its own (a counting one) from inside a
 * task, then a second yield under the task's context: the first must wake
 * the counting waker, not the task; the second must wake the task (the
 * task is polled again and completes).  Outputs the counted wakes. */
typedef struct foreign {
  int state;
  t_wake_count_t count;
  ac_yield_t inner, own;
} foreign_t;

static ac_poll_t foreign_poll(void *self, ac_context_t *cx, void *out) {
  foreign_t *f = self;
  switch (f->state) {
  case 0: {
    ac_waker_t w = t_counting_waker(&f->count);
    ac_context_t mine = {&w};
    f->inner = ac_yield_now();
    cr_assert_eq(ac_yield_poll(&f->inner, &mine, NULL), AC_POLL_PENDING);
    ac_waker_drop(w);
    cr_assert_eq(f->count.wakes, 1, "the yield did not wake its own waker");
    f->own = ac_yield_now();
    f->state = 1;
  } /* fallthrough */
  case 1:
    if (ac_yield_poll(&f->own, cx, NULL) == AC_POLL_PENDING)
      return AC_POLL_PENDING; /* a lost self-wake hangs here */
    *(int *)out = f->count.wakes;
    f->state = 2;
  }
  return AC_POLL_READY;
}
static void foreign_drop(void *self) { (void)self; }
static const ac_future_vtable_t foreign_vtable = {
    foreign_poll, foreign_drop, sizeof(foreign_t), _Alignof(foreign_t),
    sizeof(int), "foreign"};

Test(yield, a_yield_under_another_waker_wakes_that_waker) {
  T_FLAVORS(f) {
    foreign_t fut;
    memset(&fut, 0, sizeof fut);
    int wakes = -1;
    cr_assert_eq(t_run(f, &foreign_vtable, &fut, &wakes), 0);
    cr_assert_eq(wakes, 1, "flavor %d", f);
  }
}

/* After a runtime has polled tasks on this thread, a yield polled by hand
 * still calls its waker: the runtime's context is gone. */
Test(yield, a_yield_polled_by_hand_after_a_runtime_ran_wakes_its_waker) {
  T_FLAVORS(f) {
    int polls = 0, drops = 0, out = 0;
    t_counter_t c = t_counter(3, 7, &polls, &drops);
    cr_assert_eq(t_run(f, &t_counter_vtable, &c, &out), 0);
    cr_assert_eq(out, 7);
    cr_assert_null(ac__poll_tls.self, "flavor %d: a poll loop's waker is "
                                      "still published", f);
    t_wake_count_t count = {0, 0};
    ac_waker_t w = t_counting_waker(&count);
    ac_context_t cx = {&w};
    ac_yield_t y = ac_yield_now();
    cr_assert_eq(ac_yield_poll(&y, &cx, NULL), AC_POLL_PENDING);
    cr_assert_eq(count.wakes, 1, "flavor %d: the wake was lost", f);
    cr_assert_eq(ac_yield_poll(&y, &cx, NULL), AC_POLL_READY);
    ac_waker_drop(w);
  }
}

/* A task whose output is too large for the run loop's buffer takes the
 * general path (task.c), with a context of its own: its yields still wake
 * it, and tasks on the fast path around it still do too. */
typedef struct big_out {
  char bytes[200];
} big_out_t;
typedef struct big_yielder {
  int left;
  ac_yield_t y;
  int started;
} big_yielder_t;
static ac_poll_t big_yielder_poll(void *self, ac_context_t *cx, void *out) {
  big_yielder_t *b = self;
  while (b->left > 0) {
    if (!b->started) {
      b->y = ac_yield_now();
      b->started = 1;
    }
    if (ac_yield_poll(&b->y, cx, NULL) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    b->started = 0;
    b->left--;
  }
  memset(out, 0x5a, sizeof(big_out_t));
  return AC_POLL_READY;
}
static void big_yielder_drop(void *self) { (void)self; }
static const ac_future_vtable_t big_yielder_vtable = {
    big_yielder_poll, big_yielder_drop, sizeof(big_yielder_t),
    _Alignof(big_yielder_t), sizeof(big_out_t), "big_yielder"};

/* Spawns a big yielder and a plain one, awaits both. */
typedef struct mixed {
  int state;
  ac_task_t *big, *small;
  ac_join_t j;
  big_out_t out;
  int polls, drops;
} mixed_t;
static ac_poll_t mixed_poll(void *self, ac_context_t *cx, void *out) {
  mixed_t *m = self;
  int v = 0;
  switch (m->state) {
  case 0: {
    big_yielder_t b = {1000, {0}, 0};
    m->big = ac_spawn_raw(&big_yielder_vtable, &b);
    t_counter_t c = t_counter(1000, 5, &m->polls, &m->drops);
    m->small = ac_spawn_raw(&t_counter_vtable, &c);
    m->j = ac_task_join(m->big);
    m->state = 1;
  } /* fallthrough */
  case 1:
    if (ac_join_poll(&m->j, cx, &m->out) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    m->j = ac_task_join(m->small);
    m->state = 2;
    /* fallthrough */
  case 2:
    if (ac_join_poll(&m->j, cx, &v) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    for (size_t i = 0; i < sizeof m->out.bytes; i++)
      cr_assert_eq(m->out.bytes[i], 0x5a);
    *(int *)out = v;
    m->state = 3;
  }
  return AC_POLL_READY;
}
static void mixed_drop(void *self) { (void)self; }
static const ac_future_vtable_t mixed_vtable = {
    mixed_poll, mixed_drop, sizeof(mixed_t), _Alignof(mixed_t), sizeof(int),
    "mixed"};

Test(yield, tasks_on_the_general_path_and_the_inline_one_both_yield) {
  T_FLAVORS(f) {
    mixed_t m;
    memset(&m, 0, sizeof m);
    int v = 0;
    cr_assert_eq(t_run(f, &mixed_vtable, &m, &v), 0);
    cr_assert_eq(v, 5, "flavor %d", f);
  }
}

/* A task yielding alone is polled again in place without looking at the
 * inject queue each time; a task that another thread spawns meanwhile
 * (it goes to the inject queue) must still run: the yielder waits for its
 * flag.  Gives up after 10 s (outputs 0). */
typedef struct waiter {
  int *flag;
  double until;
} waiter_t;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static ac_poll_t waiter_poll(void *self, ac_context_t *cx, void *out) {
  waiter_t *w = self;
  if (w->until == 0)
    w->until = now_s() + 10;
  int seen = t_load(w->flag);
  if (!seen && now_s() < w->until) {
    ac_yield_t y = ac_yield_now();
    (void)ac_yield_poll(&y, cx, NULL);
    return AC_POLL_PENDING;
  }
  *(int *)out = seen;
  return AC_POLL_READY;
}
static void waiter_drop(void *self) { (void)self; }
static const ac_future_vtable_t waiter_vtable = {
    waiter_poll, waiter_drop, sizeof(waiter_t), _Alignof(waiter_t),
    sizeof(int), "waiter"};

typedef struct setter {
  int *flag;
} setter_t;
static ac_poll_t setter_poll(void *self, ac_context_t *cx, void *out) {
  (void)cx;
  (void)out;
  t_inc(((setter_t *)self)->flag);
  return AC_POLL_READY;
}
static void setter_drop(void *self) { (void)self; }
static const ac_future_vtable_t setter_vtable = {
    setter_poll, setter_drop, sizeof(setter_t), _Alignof(setter_t), 0,
    "setter"};

typedef struct remote_arg {
  ac_runtime_t *rt;
  int *flag;
} remote_arg_t;
static void *remote_spawn(void *p) {
  remote_arg_t *a = p;
  usleep(20000); /* the waiter is yielding by now */
  setter_t s = {a->flag};
  ac_task_t *t = ac_runtime_spawn(a->rt, &setter_vtable, &s);
  cr_assert_not_null(t);
  ac_task_detach(t);
  return NULL;
}

Test(yield, a_task_yielding_alone_lets_a_remote_spawn_run) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 1);
    cr_assert_not_null(rt);
    int flag = 0, seen = 0;
    remote_arg_t a = {rt, &flag};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, remote_spawn, &a), 0);
    waiter_t w = {&flag, 0};
    cr_assert_eq(ac_runtime_block_on(rt, &waiter_vtable, &w, &seen), 0);
    pthread_join(th, NULL);
    cr_assert_eq(seen, 1, "flavor %d: the remote task never ran", f);
    t_close_clean(rt);
  }
}

/* Yielders on a current-thread runtime take turns in queue order: each
 * yield sends its task behind the others (one rotation of the ring, done
 * inline by the run loop) and the head runs next.  Each logs its id at
 * every poll; three of them yielding four times log 0 1 2 0 1 2 ...
 * (spawned from the block_on task: the first goes to the run-next slot,
 * the others to the queue, so 0 runs first). */
enum { RR_TASKS = 3, RR_YIELDS = 4 };
typedef struct rr_log {
  int ids[RR_TASKS * (RR_YIELDS + 1)];
  int n;
} rr_log_t;
typedef struct rr_yielder {
  int id, left;
  rr_log_t *log;
} rr_yielder_t;
static ac_poll_t rr_yielder_poll(void *self, ac_context_t *cx, void *out) {
  rr_yielder_t *y = self;
  y->log->ids[y->log->n++] = y->id;
  if (y->left-- == 0)
    return AC_POLL_READY;
  ac_yield_t yl = ac_yield_now();
  (void)ac_yield_poll(&yl, cx, out);
  return AC_POLL_PENDING;
}
static void rr_yielder_drop(void *self) { (void)self; }
static const ac_future_vtable_t rr_yielder_vtable = {
    rr_yielder_poll, rr_yielder_drop, sizeof(rr_yielder_t),
    _Alignof(rr_yielder_t), 0, "rr_yielder"};

typedef struct rr_main {
  int state, i;
  rr_log_t *log;
  ac_join_t joins[RR_TASKS];
} rr_main_t;
static ac_poll_t rr_main_poll(void *self, ac_context_t *cx, void *out) {
  rr_main_t *m = self;
  (void)out;
  if (m->state == 0) {
    for (int i = 0; i < RR_TASKS; i++) {
      rr_yielder_t y = {i, RR_YIELDS, m->log};
      m->joins[i] = ac_task_join(ac_spawn_raw(&rr_yielder_vtable, &y));
    }
    m->state = 1;
  }
  for (; m->i < RR_TASKS; m->i++) {
    if (ac_join_poll(&m->joins[m->i], cx, NULL) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    ac_join_drop(&m->joins[m->i]);
  }
  return AC_POLL_READY;
}
static void rr_main_drop(void *self) { (void)self; }
static const ac_future_vtable_t rr_main_vtable = {
    rr_main_poll, rr_main_drop, sizeof(rr_main_t), _Alignof(rr_main_t), 0,
    "rr_main"};

Test(yield, yielders_take_turns_in_queue_order) {
  rr_log_t log;
  memset(&log, 0, sizeof log);
  rr_main_t m;
  memset(&m, 0, sizeof m);
  m.log = &log;
  cr_assert_eq(t_run(AC_RT_CURRENT_THREAD, &rr_main_vtable, &m, NULL), 0);
  cr_assert_eq(log.n, RR_TASKS * (RR_YIELDS + 1));
  for (int k = 0; k < log.n; k++)
    cr_assert_eq(log.ids[k], k % RR_TASKS, "poll %d ran task %d", k,
                 log.ids[k]);
}
