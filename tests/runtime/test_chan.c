/*
 * test_chan.c: oneshot and mpsc channels: values, closing from either
 * side, waiting senders, and cancellation of waiting futures.
 */
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>

Test(chan, oneshot_delivers_one_value) {
  ac_oneshot_t *ch = ac_oneshot_new(sizeof(int));
  int v = 5, got = 0, r = 1;
  cr_assert_eq(ac_oneshot_send(ch, &v), 0);
  ac_oneshot_recv_t rx = ac_oneshot_recv(ch, &got);
  cr_assert_eq(t_run(AC_RT_CURRENT_THREAD, &ac_oneshot_recv_vtable, &rx, &r),
               0);
  cr_assert_eq(r, 0);
  cr_assert_eq(got, 5);
}

Test(chan, oneshot_recv_sees_epipe_when_sender_drops) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  ac_oneshot_t *ch = ac_oneshot_new(sizeof(int));
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  int got = 0, r = 0;
  ac_oneshot_recv_t rx = ac_oneshot_recv(ch, &got);
  cr_assert_eq(ac_oneshot_recv_poll(&rx, &cx, &r), AC_POLL_PENDING);
  ac_oneshot_sender_drop(ch);
  cr_assert_eq(wc.wakes, 1);
  cr_assert_eq(ac_oneshot_recv_poll(&rx, &cx, &r), AC_POLL_READY);
  cr_assert_eq(r, AC_EPIPE);
  ac_oneshot_recv_drop(&rx);
  cr_assert_eq(wc.refs, 0);
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(chan, oneshot_send_fails_when_receiver_is_gone) {
  ac_oneshot_t *ch = ac_oneshot_new(sizeof(int));
  int got;
  ac_oneshot_recv_t rx = ac_oneshot_recv(ch, &got);
  ac_oneshot_recv_drop(&rx);
  int v = 1;
  cr_assert_eq(ac_oneshot_send(ch, &v), AC_EPIPE);
}

static void *send_later(void *arg) {
  int v = 77;
  ac_oneshot_send(arg, &v);
  return NULL;
}

Test(chan, oneshot_send_from_a_plain_thread_wakes_the_task) {
  T_FLAVORS(f) {
    ac_oneshot_t *ch = ac_oneshot_new(sizeof(int));
    int got = 0, r = 1;
    pthread_t th;
    pthread_create(&th, NULL, send_later, ch);
    ac_oneshot_recv_t rx = ac_oneshot_recv(ch, &got);
    cr_assert_eq(t_run(f, &ac_oneshot_recv_vtable, &rx, &r), 0);
    pthread_join(th, NULL);
    cr_assert_eq(r, 0);
    cr_assert_eq(got, 77);
  }
}

/* Ping-pong between two tasks over two capacity-1 channels (W3's shape). */
typedef struct pinger {
  int state, i, n, v, r;
  ac_mpsc_t *tx, *rx;
  ac_mpsc_send_t send;
  ac_mpsc_recv_t recv;
} pinger_t;
static ac_poll_t pinger_poll(void *self, ac_context_t *cx, void *out) {
  pinger_t *p = self;
  switch (p->state) {
  case 0:
    for (p->i = 0; p->i < p->n; p->i++) {
      p->v = p->i;
      p->send = ac_mpsc_send(p->tx, &p->v);
      p->state = 1;
      /* fallthrough */
    case 1:
      if (ac_mpsc_send_poll(&p->send, cx, &p->r) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_send_drop(&p->send);
      cr_assert_eq(p->r, 0);
      p->recv = ac_mpsc_recv(p->rx, &p->v);
      p->state = 2;
      /* fallthrough */
    case 2:
      if (ac_mpsc_recv_poll(&p->recv, cx, &p->r) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_recv_drop(&p->recv);
      cr_assert_eq(p->r, 0);
      cr_assert_eq(p->v, p->i + 1);
    }
    ac_mpsc_sender_drop(p->tx);
    ac_mpsc_receiver_drop(p->rx);
    p->state = 3;
    *(int *)out = p->n;
  }
  return AC_POLL_READY;
}
static void pinger_drop(void *self) { (void)self; }
static const ac_future_vtable_t pinger_vtable = {
    pinger_poll, pinger_drop, sizeof(pinger_t), _Alignof(pinger_t),
    sizeof(int), "pinger"};

/* The echo side: receives v, sends v + 1, until the channel closes. */
static ac_poll_t ponger_poll(void *self, ac_context_t *cx, void *out) {
  pinger_t *p = self;
  switch (p->state) {
  case 0:
    for (;;) {
      p->recv = ac_mpsc_recv(p->rx, &p->v);
      p->state = 1;
      /* fallthrough */
    case 1:
      if (ac_mpsc_recv_poll(&p->recv, cx, &p->r) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_recv_drop(&p->recv);
      if (p->r == AC_EPIPE)
        break;
      p->v++;
      p->send = ac_mpsc_send(p->tx, &p->v);
      p->state = 2;
      /* fallthrough */
    case 2:
      if (ac_mpsc_send_poll(&p->send, cx, &p->r) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_send_drop(&p->send);
      p->i++;
    }
    ac_mpsc_sender_drop(p->tx);
    ac_mpsc_receiver_drop(p->rx);
    p->state = 3;
    *(int *)out = p->i;
  }
  return AC_POLL_READY;
}
static const ac_future_vtable_t ponger_vtable = {
    ponger_poll, pinger_drop, sizeof(pinger_t), _Alignof(pinger_t),
    sizeof(int), "ponger"};

Test(chan, bounded_ping_pong_round_trips) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_mpsc_t *a = ac_mpsc_new(sizeof(int), 1), *b = ac_mpsc_new(sizeof(int), 1);
    pinger_t pong = {.tx = b, .rx = a};
    ac_task_t *t = ac_runtime_spawn(rt, &ponger_vtable, &pong);
    pinger_t ping = {.n = 20000, .tx = a, .rx = b};
    int n = 0, m[16] = {0};
    cr_assert_eq(ac_runtime_block_on(rt, &pinger_vtable, &ping, &n), 0);
    ac_join_t j = ac_task_join(t);
    t_await_t aw = {&ac_join_vtable, &j};
    cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &aw, m), 0);
    cr_assert_eq(n, 20000);
    cr_assert_eq(m[0], 20000);
    t_close_clean(rt);
  }
}

Test(chan, mpsc_try_send_respects_capacity_and_order) {
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 2);
  int v;
  for (v = 0; v < 2; v++)
    cr_assert_eq(ac_mpsc_try_send(ch, &v), 0);
  cr_assert_eq(ac_mpsc_try_send(ch, &v), AC_EAGAIN);
  cr_assert_eq(ac_mpsc_try_recv(ch, &v), 0);
  cr_assert_eq(v, 0);
  cr_assert_eq(ac_mpsc_try_recv(ch, &v), 0);
  cr_assert_eq(v, 1);
  cr_assert_eq(ac_mpsc_try_recv(ch, &v), AC_EAGAIN);
  ac_mpsc_sender_drop(ch);
  cr_assert_eq(ac_mpsc_try_recv(ch, &v), AC_EPIPE);
  ac_mpsc_receiver_drop(ch);
}

Test(chan, unbounded_mpsc_grows_and_keeps_order) {
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 0);
  for (int i = 0; i < 10000; i++)
    cr_assert_eq(ac_mpsc_try_send(ch, &i), 0);
  for (int i = 0; i < 10000; i++) {
    int v;
    cr_assert_eq(ac_mpsc_try_recv(ch, &v), 0);
    cr_assert_eq(v, i);
  }
  ac_mpsc_receiver_drop(ch);
  int v = 0;
  cr_assert_eq(ac_mpsc_try_send(ch, &v), AC_EPIPE);
  ac_mpsc_sender_drop(ch);
}

Test(chan, waiting_sender_dropped_leaves_the_queue) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 1);
  int v = 1, r;
  cr_assert_eq(ac_mpsc_try_send(ch, &v), 0);
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  ac_mpsc_send_t s1 = ac_mpsc_send(ch, &v), s2 = ac_mpsc_send(ch, &v);
  cr_assert_eq(ac_mpsc_send_poll(&s1, &cx, &r), AC_POLL_PENDING);
  cr_assert_eq(ac_mpsc_send_poll(&s2, &cx, &r), AC_POLL_PENDING);
  cr_assert_eq(wc.refs, 2);
  ac_mpsc_send_drop(&s1); /* queued: just leaves */
  cr_assert_eq(wc.refs, 1);
  cr_assert_eq(ac_mpsc_try_recv(ch, &v), 0); /* grants s2 its slot */
  cr_assert_eq(wc.wakes, 1);
  ac_mpsc_send_t s3 = ac_mpsc_send(ch, &v);
  cr_assert_eq(ac_mpsc_send_poll(&s3, &cx, &r), AC_POLL_PENDING,
               "a newcomer must not take a slot promised to s2");
  ac_mpsc_send_drop(&s2); /* granted, unused: passes the slot to s3 */
  cr_assert_eq(wc.wakes, 2);
  cr_assert_eq(ac_mpsc_send_poll(&s3, &cx, &r), AC_POLL_READY);
  cr_assert_eq(r, 0);
  ac_mpsc_send_drop(&s3);
  cr_assert_eq(wc.refs, 0);
  ac_mpsc_receiver_drop(ch);
  ac_mpsc_sender_drop(ch);
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(chan, receiver_drop_fails_waiting_senders) {
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 1);
  int v = 1, r = 0;
  ac_mpsc_try_send(ch, &v);
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  ac_mpsc_send_t s = ac_mpsc_send(ch, &v);
  cr_assert_eq(ac_mpsc_send_poll(&s, &cx, &r), AC_POLL_PENDING);
  ac_mpsc_receiver_drop(ch);
  cr_assert_eq(wc.wakes, 1);
  cr_assert_eq(ac_mpsc_send_poll(&s, &cx, &r), AC_POLL_READY);
  cr_assert_eq(r, AC_EPIPE);
  ac_mpsc_send_drop(&s);
  ac_mpsc_sender_drop(ch);
  cr_assert_eq(wc.refs, 0);
}

Test(chan, recv_wakes_when_last_sender_drops) {
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 0);
  ac_mpsc_sender_clone(ch);
  int v, r = 0;
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &v);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &cx, &r), AC_POLL_PENDING);
  ac_mpsc_sender_drop(ch);
  cr_assert_eq(wc.wakes, 0);
  ac_mpsc_sender_drop(ch);
  cr_assert_eq(wc.wakes, 1);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &cx, &r), AC_POLL_READY);
  cr_assert_eq(r, AC_EPIPE);
  ac_mpsc_recv_drop(&rx);
  ac_mpsc_receiver_drop(ch);
  cr_assert_eq(wc.refs, 0);
}

/* Issue 13, item 1: a granted sender whose value goes straight to a parked
 * receiver leaves its reserved slot empty; the next waiting sender must
 * get it, or producers above the capacity deadlock. */
Test(chan, granted_send_handed_to_a_parked_recv_grants_the_next_sender) {
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 1);
  int v1 = 1, v2 = 2, v3 = 3, got = 0, r = -1;
  cr_assert_eq(ac_mpsc_try_send(ch, &v1), 0);
  t_wake_count_t w2c = {0}, w3c = {0}, rxc = {0};
  ac_waker_t w2 = t_counting_waker(&w2c), w3 = t_counting_waker(&w3c),
             wr = t_counting_waker(&rxc);
  ac_context_t cx2 = {&w2}, cx3 = {&w3}, cxr = {&wr};
  ac_mpsc_send_t s2 = ac_mpsc_send(ch, &v2), s3 = ac_mpsc_send(ch, &v3);
  cr_assert_eq(ac_mpsc_send_poll(&s2, &cx2, &r), AC_POLL_PENDING);
  cr_assert_eq(ac_mpsc_send_poll(&s3, &cx3, &r), AC_POLL_PENDING);
  cr_assert_eq(ac_mpsc_try_recv(ch, &got), 0); /* frees the slot: s2's */
  cr_assert_eq(got, 1);
  cr_assert_eq(w2c.wakes, 1);
  ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &got);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &cxr, &r), AC_POLL_PENDING);
  cr_assert_eq(ac_mpsc_send_poll(&s2, &cx2, &r), AC_POLL_READY); /* handoff */
  cr_assert_eq(r, 0);
  cr_assert_eq(w3c.wakes, 1, "the slot s2 left empty must go to s3");
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &cxr, &r), AC_POLL_READY);
  cr_assert_eq(got, 2);
  cr_assert_eq(ac_mpsc_send_poll(&s3, &cx3, &r), AC_POLL_READY);
  cr_assert_eq(ac_mpsc_try_recv(ch, &got), 0);
  cr_assert_eq(got, 3);
  ac_mpsc_send_drop(&s2);
  ac_mpsc_send_drop(&s3);
  ac_mpsc_recv_drop(&rx);
  ac_mpsc_receiver_drop(ch);
  ac_mpsc_sender_drop(ch);
  cr_assert_eq(w2c.refs + w3c.refs + rxc.refs, 0);
}

Test(chan, mpsc_new_rejects_sizes_whose_buffer_overflows) {
  errno = 0;
  cr_assert_null(ac_mpsc_new(16, (size_t)1 << 60));
  cr_assert_eq(errno, EINVAL);
  cr_assert_null(ac_mpsc_new(4, SIZE_MAX));
  cr_assert_null(ac_mpsc_new(SIZE_MAX, 2));
  ac_mpsc_t *ch = ac_mpsc_new(8, 1000);
  cr_assert_not_null(ch);
  ac_mpsc_receiver_drop(ch);
  ac_mpsc_sender_drop(ch);
}
