/*
 * test_waker.c: the waker protocol: yield's self-wake, wake-once, wakes
 * from other threads, the no-op waker.
 */
#include "harness.h"

#include <pthread.h>

Test(waker, yield_wakes_itself_then_is_ready) {
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  ac_yield_t y = ac_yield_now();
  cr_assert_eq(ac_yield_poll(&y, &cx, NULL), AC_POLL_PENDING);
  cr_assert_eq(wc.wakes, 1);
  cr_assert_eq(ac_yield_poll(&y, &cx, NULL), AC_POLL_READY);
  cr_assert_eq(wc.wakes, 1);
  ac_yield_drop(&y);
  cr_assert_eq(wc.refs, 0);
}

Test(waker, noop_waker_does_nothing) {
  ac_waker_t w = ac_waker_noop();
  ac_waker_t c = ac_waker_clone(&w);
  ac_waker_wake_by_ref(&c);
  ac_waker_wake(c);
  ac_waker_drop(ac_waker_clone(&w));
  cr_assert(ac_waker_will_wake(&w, &c));
}

/* Stores its waker the first time, then counts polls until `target`
 * wakes have been observed. */
typedef struct wake_many {
  int polls;
  ac_waker_t waker;
  int *go;
} wake_many_t;
static ac_poll_t wm_poll(void *self, ac_context_t *cx, void *out) {
  wake_many_t *m = self;
  (void)out;
  m->polls++;
  if (m->polls == 1) {
    m->waker = ac_waker_clone(cx->waker);
    /* Wake it many times before it even returns: it must be queued once. */
    for (int i = 0; i < 100; i++)
      ac_waker_wake_by_ref(&m->waker);
    return AC_POLL_PENDING;
  }
  ac_waker_drop(m->waker);
  return AC_POLL_READY;
}
static void wm_drop(void *self) { (void)self; }
static const ac_future_vtable_t wm_vtable = {wm_poll, wm_drop,
                                             sizeof(wake_many_t),
                                             _Alignof(wake_many_t), 0, "wm"};

Test(waker, many_wakes_of_a_running_task_queue_it_once) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    wake_many_t m = {0};
    ac_task_t *t = ac_runtime_spawn(rt, &wm_vtable, &m);
    ac_join_t j = ac_task_join(t);
    t_await_t a = {&ac_join_vtable, &j};
    cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, NULL), 0);
    t_close_clean(rt);
  }
}

/* A task that parks its waker where another thread can wake it. */
typedef struct parked {
  int state;
  ac_waker_t waker;
  int stored, woken;
} parked_t;
static ac_poll_t parked_poll(void *self, ac_context_t *cx, void *out) {
  parked_t *p = self;
  (void)out;
  if (p->state == 0) {
    p->waker = ac_waker_clone(cx->waker);
    p->state = 1;
    __atomic_store_n(&p->stored, 1, __ATOMIC_SEQ_CST);
    return AC_POLL_PENDING;
  }
  if (!__atomic_load_n(&p->woken, __ATOMIC_SEQ_CST))
    return AC_POLL_PENDING;
  return AC_POLL_READY;
}
static void parked_drop(void *self) { (void)self; }

static void *waker_thread(void *arg) {
  parked_t **pp = arg;
  parked_t *p;
  while (!(p = __atomic_load_n(pp, __ATOMIC_SEQ_CST)) ||
         !__atomic_load_n(&p->stored, __ATOMIC_SEQ_CST))
    ;
  __atomic_store_n(&p->woken, 1, __ATOMIC_SEQ_CST);
  ac_waker_wake(p->waker);
  return NULL;
}

/* block_on's future is moved into the task, so the thread finds it via
 * the pointer the first poll publishes. */
typedef struct publish {
  parked_t inner;
  parked_t **slot;
} publish_t;
static ac_poll_t publish_poll(void *self, ac_context_t *cx, void *out) {
  publish_t *p = self;
  __atomic_store_n(p->slot, &p->inner, __ATOMIC_SEQ_CST);
  return parked_poll(&p->inner, cx, out);
}
static const ac_future_vtable_t publish_vtable = {
    publish_poll, parked_drop, sizeof(publish_t), _Alignof(publish_t), 0,
    "publish"};

Test(waker, wake_from_another_thread_unparks_the_runtime) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    parked_t *slot = NULL;
    pthread_t th;
    pthread_create(&th, NULL, waker_thread, &slot);
    publish_t p = {{0}, &slot};
    cr_assert_eq(ac_runtime_block_on(rt, &publish_vtable, &p, NULL), 0);
    pthread_join(th, NULL);
    t_close_clean(rt);
  }
}
