/*
 * test_broadcast_watch.c: broadcast delivers every value to every
 * receiver, tells a laggard how many it lost, closes with AC_EPIPE after
 * the last value; watch receivers see the latest value and wait for the
 * next change.
 */
#include "harness.h"

#include <errno.h>

static ac_context_t *cx_of(t_wake_count_t *c, ac_waker_t *w,
                           ac_context_t *cx) {
  *w = t_counting_waker(c);
  cx->waker = w;
  return cx;
}

Test(broadcast, every_receiver_gets_every_value_in_order) {
  ac_broadcast_t *b = ac_broadcast_new(sizeof(int), 4);
  ac_broadcast_rx_t *r1 = ac_broadcast_subscribe(b);
  ac_broadcast_rx_t *r2 = ac_broadcast_subscribe(b);
  for (int i = 1; i <= 3; i++)
    cr_assert_eq(ac_broadcast_send(b, &i), 2, "two receivers");
  int v;
  for (int i = 1; i <= 3; i++) {
    cr_assert_eq(ac_broadcast_try_recv(r1, &v), 0);
    cr_assert_eq(v, i);
  }
  cr_assert_eq(ac_broadcast_try_recv(r1, &v), AC_EAGAIN);
  cr_assert_eq(ac_broadcast_try_recv(r2, &v), 0);
  cr_assert_eq(v, 1);
  ac_broadcast_rx_free(r1);
  ac_broadcast_rx_free(r2);
  int x = 9;
  cr_assert_eq(ac_broadcast_send(b, &x), AC_EPIPE, "nobody listens");
  ac_broadcast_sender_drop(b);
}

Test(broadcast, a_laggard_is_told_how_many_it_lost) {
  ac_broadcast_t *b = ac_broadcast_new(sizeof(int), 4);
  ac_broadcast_rx_t *r = ac_broadcast_subscribe(b);
  for (int i = 0; i < 10; i++)
    ac_broadcast_send(b, &i);
  int v = -1;
  cr_assert_eq(ac_broadcast_try_recv(r, &v), 6, "values 0-5 overwritten");
  cr_assert_eq(v, -1, "nothing copied with a lag");
  for (int i = 6; i < 10; i++) {
    cr_assert_eq(ac_broadcast_try_recv(r, &v), 0);
    cr_assert_eq(v, i);
  }
  ac_broadcast_sender_drop(b);
  cr_assert_eq(ac_broadcast_try_recv(r, &v), AC_EPIPE);
  ac_broadcast_rx_free(r);
}

Test(broadcast, recv_waits_and_closing_wakes_it) {
  ac_broadcast_t *b = ac_broadcast_new(sizeof(int), 2);
  ac_broadcast_rx_t *r = ac_broadcast_subscribe(b);
  t_wake_count_t c = {0, 0};
  ac_waker_t w;
  ac_context_t cx;
  cx_of(&c, &w, &cx);
  int v = 0;
  long out = 99;
  ac_broadcast_recv_t f = ac_broadcast_recv(r, &v);
  cr_assert_eq(ac_broadcast_recv_poll(&f, &cx, &out), AC_POLL_PENDING);
  int seven = 7;
  ac_broadcast_send(b, &seven);
  cr_assert_eq(c.wakes, 1);
  cr_assert_eq(ac_broadcast_recv_poll(&f, &cx, &out), AC_POLL_READY);
  cr_assert(out == 0 && v == 7);
  ac_broadcast_recv_drop(&f);
  f = ac_broadcast_recv(r, &v);
  cr_assert_eq(ac_broadcast_recv_poll(&f, &cx, &out), AC_POLL_PENDING);
  ac_broadcast_sender_drop(b);
  cr_assert_eq(c.wakes, 2);
  cr_assert_eq(ac_broadcast_recv_poll(&f, &cx, &out), AC_POLL_READY);
  cr_assert_eq(out, AC_EPIPE);
  ac_broadcast_recv_drop(&f);
  f = ac_broadcast_recv(r, &v);
  ac_broadcast_recv_drop(&f); /* never polled */
  cr_assert_eq(c.refs, 0);
  ac_broadcast_rx_free(r);
}

/* Two tasks receive what a third sends, on both executors. */
typedef struct bcast_rx_task {
  ac_broadcast_rx_t *rx;
  int sum, v, armed;
  ac_broadcast_recv_t f;
} bcast_rx_task_t;
static ac_poll_t bcast_rx_poll(void *self, ac_context_t *cx, void *out) {
  bcast_rx_task_t *t = self;
  for (;;) {
    if (!t->armed) {
      t->f = ac_broadcast_recv(t->rx, &t->v);
      t->armed = 1;
    }
    long r;
    if (ac_broadcast_recv_poll(&t->f, cx, &r) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    t->armed = 0;
    if (r == AC_EPIPE) {
      ac_broadcast_rx_free(t->rx);
      *(int *)out = t->sum;
      return AC_POLL_READY;
    }
    if (r == 0)
      t->sum += t->v;
  }
}
static void bcast_rx_drop(void *self) {
  bcast_rx_task_t *t = self;
  if (t->armed)
    ac_broadcast_recv_drop(&t->f);
}
static const ac_future_vtable_t bcast_rx_vtable = {
    bcast_rx_poll, bcast_rx_drop, sizeof(bcast_rx_task_t),
    _Alignof(bcast_rx_task_t), sizeof(int), "bcast_rx"};

typedef struct bcast_tx_task {
  ac_broadcast_t *b;
  int i;
  ac_yield_t y;
  int yielding;
} bcast_tx_task_t;
static ac_poll_t bcast_tx_poll(void *self, ac_context_t *cx, void *out) {
  bcast_tx_task_t *t = self;
  (void)out;
  for (; t->i <= 100; t->i++) {
    if (!t->yielding) {
      ac_broadcast_send(t->b, &t->i);
      t->y = ac_yield_now();
      t->yielding = 1;
    }
    if (ac_yield_poll(&t->y, cx, NULL) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    t->yielding = 0;
  }
  ac_broadcast_sender_drop(t->b);
  return AC_POLL_READY;
}
static void bcast_tx_drop(void *self) { (void)self; }
static const ac_future_vtable_t bcast_tx_vtable = {
    bcast_tx_poll, bcast_tx_drop, sizeof(bcast_tx_task_t),
    _Alignof(bcast_tx_task_t), 0, "bcast_tx"};

Test(broadcast, tasks_on_both_executors_see_every_value) {
  T_FLAVORS(f) {
    ac_broadcast_t *b = ac_broadcast_new(sizeof(int), 128);
    int s1 = 0, s2 = 0;
    bcast_rx_task_t r1 = {ac_broadcast_subscribe(b), 0, 0, 0, {0}};
    bcast_rx_task_t r2 = {ac_broadcast_subscribe(b), 0, 0, 0, {0}};
    bcast_tx_task_t tx = {b, 1, {0}, 0};
    ac_branch_t br[3] = {{.vt = &bcast_rx_vtable, .fut = &r1, .out = &s1},
                         {.vt = &bcast_rx_vtable, .fut = &r2, .out = &s2},
                         {.vt = &bcast_tx_vtable, .fut = &tx}};
    ac_join_all_t j = ac_join_all(br, 3);
    cr_assert_eq(t_run(f, &ac_join_all_vtable, &j, NULL), 0);
    cr_assert_eq(s1, 5050);
    cr_assert_eq(s2, 5050);
  }
}

Test(watch, receivers_see_the_latest_and_wait_for_a_change) {
  int v = 1;
  ac_watch_t *w = ac_watch_new(sizeof v, &v);
  ac_watch_rx_t *r = ac_watch_subscribe(w);
  t_wake_count_t c = {0, 0};
  ac_waker_t wk;
  ac_context_t cx;
  cx_of(&c, &wk, &cx);
  int got = 0, out = 9;
  cr_assert_eq(ac_watch_borrow(r, &got), 0);
  cr_assert_eq(got, 1);
  ac_watch_changed_t ch = ac_watch_changed(r);
  cr_assert_eq(ac_watch_changed_poll(&ch, &cx, &out), AC_POLL_PENDING);
  for (v = 2; v <= 4; v++)
    cr_assert_eq(ac_watch_send(w, &v), 1);
  cr_assert_eq(c.wakes, 1, "woken once, the waiter left the list");
  cr_assert_eq(ac_watch_changed_poll(&ch, &cx, &out), AC_POLL_READY);
  cr_assert_eq(out, 0);
  ac_watch_changed_drop(&ch);
  cr_assert_eq(ac_watch_borrow(r, &got), 3);
  cr_assert_eq(got, 4, "only the latest");
  ch = ac_watch_changed(r);
  cr_assert_eq(ac_watch_changed_poll(&ch, &cx, &out), AC_POLL_PENDING);
  ac_watch_sender_drop(w);
  cr_assert_eq(ac_watch_changed_poll(&ch, &cx, &out), AC_POLL_READY);
  cr_assert_eq(out, AC_EPIPE);
  ac_watch_changed_drop(&ch);
  cr_assert_eq(c.refs, 0);
  ac_watch_rx_free(r);
}

Test(watch, dropped_changed_leaves_the_list) {
  int v = 0;
  ac_watch_t *w = ac_watch_new(sizeof v, &v);
  ac_watch_rx_t *r = ac_watch_subscribe(w);
  t_wake_count_t c = {0, 0};
  ac_waker_t wk;
  ac_context_t cx;
  cx_of(&c, &wk, &cx);
  ac_watch_changed_t ch = ac_watch_changed(r);
  int out;
  cr_assert_eq(ac_watch_changed_poll(&ch, &cx, &out), AC_POLL_PENDING);
  ac_watch_changed_drop(&ch);
  cr_assert_eq(c.refs, 0);
  v = 5;
  ac_watch_send(w, &v);
  cr_assert_eq(c.wakes, 0);
  ac_watch_rx_free(r);
  ac_watch_sender_drop(w);
}
