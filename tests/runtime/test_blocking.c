/*
 * test_blocking.c: ac_spawn_blocking runs calls that block on the pool, not
 * on a worker; the pool is bounded; a dropped future never runs a queued
 * call, and a running call finishes with its result discarded and its
 * argument released once.
 */
#include "harness.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long square(void *arg) {
  long v = *(long *)arg;
  usleep(5000); /* really blocks */
  return v * v;
}

Test(blocking, result_of_the_call_is_the_output) {
  T_FLAVORS(f) {
    long v = 12, out = 0;
    ac_blocking_t b = ac_spawn_blocking(square, &v);
    cr_assert_eq(t_run(f, &ac_blocking_vtable, &b, &out), 0);
    cr_assert_eq(out, 144);
  }
}

/* A gate a blocking call waits on, opened by a task of the runtime: if the
 * call held up the only worker, the task could never open it. */
typedef struct gate {
  int open;
  int waited_ms;
} gate_t;

static long wait_gate(void *arg) {
  gate_t *g = arg;
  for (int ms = 0; ms < 5000; ms++) {
    if (__atomic_load_n(&g->open, __ATOMIC_SEQ_CST))
      return ms;
    usleep(1000);
  }
  return -ETIMEDOUT;
}

typedef struct open_gate {
  int state;
  gate_t *gate;
  ac_sleep_t sleep;
} open_gate_t;

static ac_poll_t open_gate_poll(void *self, ac_context_t *cx, void *out) {
  open_gate_t *o = self;
  (void)out;
  if (o->state == 0) {
    o->sleep = ac_sleep_ms(5);
    o->state = 1;
  }
  if (ac_sleep_poll(&o->sleep, cx, NULL) == AC_POLL_PENDING)
    return AC_POLL_PENDING;
  __atomic_store_n(&o->gate->open, 1, __ATOMIC_SEQ_CST);
  return AC_POLL_READY;
}
static void open_gate_drop(void *self) {
  open_gate_t *o = self;
  if (o->state == 1)
    ac_sleep_drop(&o->sleep);
}
static const ac_future_vtable_t open_gate_vtable = {
    open_gate_poll, open_gate_drop, sizeof(open_gate_t),
    _Alignof(open_gate_t), 0, "open_gate"};

Test(blocking, a_blocking_call_leaves_the_worker_free) {
  T_FLAVORS(f) {
    gate_t g = {0, 0};
    long got = 0;
    ac_blocking_t b = ac_spawn_blocking(wait_gate, &g);
    open_gate_t o = {0, &g, {0}};
    ac_branch_t br[2] = {{.vt = &ac_blocking_vtable, .fut = &b, .out = &got},
                         {.vt = &open_gate_vtable, .fut = &o}};
    ac_join_all_t j = ac_join_all(br, 2);
    cr_assert_eq(t_run(f, &ac_join_all_vtable, &j, NULL), 0);
    cr_assert(got >= 0, "the call gave up waiting: the worker was blocked");
  }
}

/* ==== a call that runs until the test lets it go ==== */

typedef struct held {
  int started, go, finished, released;
} held_t;

static long held_call(void *arg) {
  held_t *h = arg;
  __atomic_store_n(&h->started, 1, __ATOMIC_SEQ_CST);
  while (!__atomic_load_n(&h->go, __ATOMIC_SEQ_CST))
    usleep(500);
  __atomic_fetch_add(&h->finished, 1, __ATOMIC_SEQ_CST);
  return 7;
}
static void held_release(void *arg) {
  held_t *h = arg;
  __atomic_fetch_add(&h->released, 1, __ATOMIC_SEQ_CST);
}

/* Waits up to 5 s for *p to reach v. */
static int wait_for(int *p, int v) {
  for (int i = 0; i < 5000 && __atomic_load_n(p, __ATOMIC_SEQ_CST) < v; i++)
    usleep(1000);
  return __atomic_load_n(p, __ATOMIC_SEQ_CST) >= v;
}

Test(blocking, dropped_while_running_discards_the_result_and_releases) {
  T_FLAVORS(f) {
    held_t h = {0};
    long out = -1;
    int rc = 1;
    ac_blocking_t b = ac_spawn_blocking_owned(held_call, &h, held_release);
    ac_timeout_t t = ac_timeout(&ac_blocking_vtable, &b, &out, 20);
    cr_assert_eq(t_run(f, &ac_timeout_vtable, &t, &rc), 0);
    cr_assert_eq(rc, AC_ETIMEDOUT);
    cr_assert_eq(out, -1, "no result reached the dropped future");
    cr_assert(wait_for(&h.started, 1));
    cr_assert_eq(t_load(&h.released), 0, "released while the call runs");
    __atomic_store_n(&h.go, 1, __ATOMIC_SEQ_CST);
    cr_assert(wait_for(&h.released, 1), "released after the call returned");
    usleep(2000);
    cr_assert_eq(t_load(&h.finished), 1);
    cr_assert_eq(t_load(&h.released), 1, "released exactly once");
  }
}

Test(blocking, completed_owned_call_gives_the_argument_back) {
  T_FLAVORS(f) {
    held_t h = {.go = 1};
    long out = 0;
    ac_blocking_t b = ac_spawn_blocking_owned(held_call, &h, held_release);
    cr_assert_eq(t_run(f, &ac_blocking_vtable, &b, &out), 0);
    cr_assert_eq(out, 7);
    cr_assert_eq(t_load(&h.released), 0, "the caller owns it again");
  }
}

/* Ready once *flag is nonzero, looking every ms: lets a current-thread
 * runtime run its tasks while the test waits on a pool thread. */
typedef struct until {
  int *flag;
  int sleeping;
  ac_sleep_t sleep;
} until_t;
static ac_poll_t until_poll(void *self, ac_context_t *cx, void *out) {
  until_t *u = self;
  (void)out;
  for (;;) {
    if (u->sleeping && ac_sleep_poll(&u->sleep, cx, NULL) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    u->sleeping = 0;
    if (__atomic_load_n(u->flag, __ATOMIC_SEQ_CST))
      return AC_POLL_READY;
    u->sleep = ac_sleep_ms(1);
    u->sleeping = 1;
  }
}
static void until_drop(void *self) {
  until_t *u = self;
  if (u->sleeping)
    ac_sleep_drop(&u->sleep);
}
static const ac_future_vtable_t until_vtable = {
    until_poll, until_drop, sizeof(until_t), _Alignof(until_t), 0, "until"};

static void block_until(ac_runtime_t *rt, int *flag) {
  until_t u = {flag, 0, {0}};
  cr_assert_eq(ac_runtime_block_on(rt, &until_vtable, &u, NULL), 0);
}

/* With one pool thread, a second call waits in the queue; dropped there, it
 * never runs and is released. */
Test(blocking, queued_call_dropped_never_runs) {
  setenv("AC_BLOCKING_THREADS", "1", 1);
  T_FLAVORS(f) {
    held_t first = {0}, second = {.go = 1};
    long out2 = -1;
    ac_blocking_t b1 = ac_spawn_blocking(held_call, &first);
    ac_blocking_t b2 = ac_spawn_blocking_owned(held_call, &second,
                                               held_release);
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_task_t *t1 = ac_runtime_spawn(rt, &ac_blocking_vtable, &b1);
    block_until(rt, &first.started);
    ac_timeout_t to = ac_timeout(&ac_blocking_vtable, &b2, &out2, 20);
    t_await_t a = {&ac_timeout_vtable, &to};
    long buf[8] = {0}; /* t_await's output is 64 bytes */
    cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, buf), 0);
    cr_assert_eq((int)buf[0], AC_ETIMEDOUT);
    cr_assert_eq(t_load(&second.started), 0, "the queued call ran (flavor %d)",
                 f);
    cr_assert_eq(t_load(&second.released), 1);
    __atomic_store_n(&first.go, 1, __ATOMIC_SEQ_CST);
    ac_join_t j = ac_task_join(t1);
    a = (t_await_t){&ac_join_vtable, &j};
    cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, buf), 0);
    cr_assert_eq(buf[0], 7);
    t_close_clean(rt);
    cr_assert_eq(t_load(&second.started), 0);
  }
}

/* ==== the bound ==== */

static int running, most;

static long count_concurrency(void *arg) {
  (void)arg;
  int now = __atomic_add_fetch(&running, 1, __ATOMIC_SEQ_CST);
  int seen = __atomic_load_n(&most, __ATOMIC_SEQ_CST);
  while (now > seen &&
         !__atomic_compare_exchange_n(&most, &seen, now, false,
                                      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
    ;
  usleep(10000);
  __atomic_sub_fetch(&running, 1, __ATOMIC_SEQ_CST);
  return 1;
}

Test(blocking, pool_never_runs_more_threads_than_its_bound) {
  setenv("AC_BLOCKING_THREADS", "2", 1);
  T_FLAVORS(f) {
    enum { N = 6 };
    __atomic_store_n(&most, 0, __ATOMIC_SEQ_CST);
    ac_blocking_t b[N];
    long out[N] = {0};
    ac_branch_t br[N];
    for (int i = 0; i < N; i++) {
      b[i] = ac_spawn_blocking(count_concurrency, NULL);
      br[i] = (ac_branch_t){.vt = &ac_blocking_vtable, .fut = &b[i],
                            .out = &out[i]};
    }
    ac_join_all_t j = ac_join_all(br, N);
    cr_assert_eq(t_run(f, &ac_join_all_vtable, &j, NULL), 0);
    long sum = 0;
    for (int i = 0; i < N; i++)
      sum += out[i];
    cr_assert_eq(sum, N);
    cr_assert(t_load(&most) >= 1 && t_load(&most) <= 2, "%d at once",
              t_load(&most));
  }
}

/* ==== shutdown ==== */

Test(blocking, runtime_frees_while_a_call_runs_and_the_call_cleans_up) {
  T_FLAVORS(f) {
    held_t h = {0};
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_blocking_t b = ac_spawn_blocking_owned(held_call, &h, held_release);
    ac_task_t *t = ac_runtime_spawn(rt, &ac_blocking_vtable, &b);
    ac_task_detach(t);
    block_until(rt, &h.started);
    t_close_clean(rt); /* does not wait for the call */
    cr_assert_eq(t_load(&h.finished), 0);
    __atomic_store_n(&h.go, 1, __ATOMIC_SEQ_CST);
    cr_assert(wait_for(&h.released, 1));
    cr_assert_eq(t_load(&h.finished), 1);
  }
}

Test(blocking, without_a_runtime_the_output_is_einval) {
  long v = 3, out = 0;
  ac_blocking_t b = ac_spawn_blocking(square, &v);
  t_wake_count_t c = {0, 0};
  ac_waker_t w = t_counting_waker(&c);
  ac_context_t cx = {&w};
  cr_assert_eq(ac_blocking_poll(&b, &cx, &out), AC_POLL_READY);
  cr_assert_eq(out, -EINVAL);
  ac_blocking_drop(&b);
  cr_assert_eq(c.refs, 0);
}

Test(blocking, spawned_as_a_task_with_ac_spawn) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_runtime_enter(rt);
    long v = 9, out[8] = {0};
    ac_task_t *t = ac_spawn(ac_spawn_blocking(square, &v));
    cr_assert_not_null(t);
    ac_join_t j = ac_task_join(t);
    t_await_t a = {&ac_join_vtable, &j};
    ac_runtime_exit();
    cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, out), 0);
    cr_assert_eq(out[0], 81);
    t_close_clean(rt);
  }
}
