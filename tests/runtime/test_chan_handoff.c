/*
 * test_chan_handoff.c: an mpsc sender hands its value straight to a
 * receiver parked on an empty channel (chan_mpsc.c).  Order, close, and
 * dropping either side at each point must behave as through the buffer.
 */
#include "harness.h"

#include <pthread.h>
#include <sched.h>

static int send_now(ac_mpsc_t *ch, int v, t_rig_t *r) {
  ac_mpsc_send_t s = ac_mpsc_send(ch, &v);
  int rc = -1;
  cr_assert_eq(ac_mpsc_send_poll(&s, &r->cx, &rc), AC_POLL_READY);
  ac_mpsc_send_drop(&s);
  return rc;
}

Test(chan_handoff, parked_receiver_gets_values_in_order) {
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 2);
  t_rig_t r;
  t_rig_init(&r);
  int v = -1, rc = -1;
  ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &v);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_PENDING);
  for (int i = 1; i <= 3; i++) /* 1 handed over, 2 and 3 buffered */
    cr_assert_eq(send_now(ch, i, &r), 0);
  cr_assert_eq(r.wc.wakes, 3);
  cr_assert_eq(v, 1, "the first value goes straight to the parked dst");
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_READY);
  cr_assert_eq(rc, 0);
  cr_assert_eq(v, 1);
  ac_mpsc_recv_drop(&rx);
  for (int i = 2; i <= 3; i++) {
    ac_mpsc_recv_t rx2 = ac_mpsc_recv(ch, &v);
    cr_assert_eq(ac_mpsc_recv_poll(&rx2, &r.cx, &rc), AC_POLL_READY);
    cr_assert_eq(v, i);
    ac_mpsc_recv_drop(&rx2);
  }
  ac_mpsc_sender_drop(ch);
  ac_mpsc_receiver_drop(ch);
  cr_assert_eq(r.wc.refs, 0);
}

Test(chan_handoff, dropped_receiver_puts_the_value_back_first) {
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 1);
  t_rig_t r;
  t_rig_init(&r);
  int v = -1, rc = -1;
  ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &v);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_PENDING);
  cr_assert_eq(send_now(ch, 10, &r), 0); /* handed to rx */
  cr_assert_eq(send_now(ch, 11, &r), 0); /* buffered: the channel is full */
  cr_assert_eq(ac_mpsc_try_send(ch, &v), AC_EAGAIN);
  ac_mpsc_recv_drop(&rx); /* never saw 10 */
  cr_assert_eq(r.wc.refs, 0);
  int got;
  cr_assert_eq(ac_mpsc_try_recv(ch, &got), 0);
  cr_assert_eq(got, 10, "a value handed over and not seen is not lost");
  cr_assert_eq(ac_mpsc_try_recv(ch, &got), 0);
  cr_assert_eq(got, 11);
  cr_assert_eq(ac_mpsc_try_recv(ch, &got), AC_EAGAIN);
  ac_mpsc_sender_drop(ch);
  ac_mpsc_receiver_drop(ch);
}

Test(chan_handoff, try_recv_takes_the_handed_value_first) {
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 0);
  t_rig_t r;
  t_rig_init(&r);
  int v = -1, rc = -1, got = -1;
  ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &v);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_PENDING);
  cr_assert_eq(ac_mpsc_try_send(ch, &(int){1}), 0);
  cr_assert_eq(ac_mpsc_try_send(ch, &(int){2}), 0);
  cr_assert_eq(ac_mpsc_try_recv(ch, &got), 0);
  cr_assert_eq(got, 1);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_READY);
  cr_assert_eq(v, 2);
  ac_mpsc_recv_drop(&rx);
  ac_mpsc_sender_drop(ch);
  ac_mpsc_receiver_drop(ch);
  cr_assert_eq(r.wc.refs, 0);
}

Test(chan_handoff, close_while_parked_reports_epipe) {
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 1);
  t_rig_t r;
  t_rig_init(&r);
  int v = -1, rc = -1;
  ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &v);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_PENDING);
  ac_mpsc_sender_drop(ch);
  cr_assert_eq(r.wc.wakes, 1);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_READY);
  cr_assert_eq(rc, AC_EPIPE);
  cr_assert_eq(v, -1);
  ac_mpsc_recv_drop(&rx);
  ac_mpsc_receiver_drop(ch);
  cr_assert_eq(r.wc.refs, 0);
}

Test(chan_handoff, value_handed_over_before_close_is_received) {
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 1);
  t_rig_t r;
  t_rig_init(&r);
  int v = -1, rc = -1;
  ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &v);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_PENDING);
  cr_assert_eq(send_now(ch, 7, &r), 0);
  ac_mpsc_sender_drop(ch);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_READY);
  cr_assert_eq(rc, 0);
  cr_assert_eq(v, 7);
  ac_mpsc_recv_drop(&rx);
  ac_mpsc_recv_t rx2 = ac_mpsc_recv(ch, &v);
  cr_assert_eq(ac_mpsc_recv_poll(&rx2, &r.cx, &rc), AC_POLL_READY);
  cr_assert_eq(rc, AC_EPIPE);
  ac_mpsc_receiver_drop(ch);
  cr_assert_eq(r.wc.refs, 0);
}

/* A sender parked on a full channel is not handed anything: dropped after
 * it was woken, it has not sent (the slot passes on). */
Test(chan_handoff, parked_sender_dropped_after_wake_has_not_sent) {
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 1);
  t_rig_t r;
  t_rig_init(&r);
  int one = 1, two = 2, rc = -1, got = -1;
  cr_assert_eq(ac_mpsc_try_send(ch, &one), 0);
  ac_mpsc_send_t s = ac_mpsc_send(ch, &two);
  cr_assert_eq(ac_mpsc_send_poll(&s, &r.cx, &rc), AC_POLL_PENDING);
  cr_assert_eq(ac_mpsc_try_recv(ch, &got), 0);
  cr_assert_eq(got, 1);
  cr_assert_eq(r.wc.wakes, 1);
  ac_mpsc_send_drop(&s);
  cr_assert_eq(ac_mpsc_try_recv(ch, &got), AC_EAGAIN);
  ac_mpsc_sender_drop(ch);
  ac_mpsc_receiver_drop(ch);
  cr_assert_eq(r.wc.refs, 0);
}

/* Across threads: a plain thread sends 1..N into a capacity-1 channel
 * while a task receives, parking often; every value arrives, in order. */
enum { N_MSG = 20000 };

typedef struct summer {
  int state, v, rc, expect, bad;
  ac_mpsc_t *ch;
  ac_mpsc_recv_t rx;
} summer_t;

static ac_poll_t summer_poll(void *self, ac_context_t *cx, void *out) {
  summer_t *s = self;
  switch (s->state) {
  case 0:
    for (;;) {
      s->rx = ac_mpsc_recv(s->ch, &s->v);
      s->state = 1;
      /* fallthrough */
    case 1:
      if (ac_mpsc_recv_poll(&s->rx, cx, &s->rc) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_recv_drop(&s->rx);
      if (s->rc != 0)
        break;
      if (s->v != ++s->expect)
        s->bad++;
    }
    s->state = 2;
  }
  *(int *)out = s->bad ? -1 : s->expect;
  return AC_POLL_READY;
}
static void summer_drop(void *self) {
  summer_t *s = self;
  if (s->state == 1)
    ac_mpsc_recv_drop(&s->rx);
}
static const ac_future_vtable_t summer_vtable = {
    summer_poll, summer_drop, sizeof(summer_t), _Alignof(summer_t),
    sizeof(int), "summer"};

static void *feeder(void *arg) {
  ac_mpsc_t *ch = arg;
  for (int i = 1; i <= N_MSG;)
    if (ac_mpsc_try_send(ch, &i) == 0)
      i++;
    else
      sched_yield(); /* full: on a loaded machine, let the receiver run */
  ac_mpsc_sender_drop(ch);
  return NULL;
}

Test(chan_handoff, order_holds_across_threads) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 1);
    summer_t s = {.ch = ch};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, feeder, ch), 0);
    int out[16] = {0};
    cr_assert_eq(ac_runtime_block_on(rt, &summer_vtable, &s, out), 0);
    pthread_join(th, NULL);
    cr_assert_eq(out[0], N_MSG);
    ac_mpsc_receiver_drop(ch);
    t_close_clean(rt);
  }
}

/* Several plain threads send (sender id, sequence) into one channel while
 * a task receives: each sender's values arrive in its order, none lost.
 * Capacity 1 and 4, both executors. */
enum { N_SENDERS = 3, N_EACH = 4000 };

typedef struct tagged {
  int sender, seq;
} tagged_t;

typedef struct fan_in {
  int state, rc, bad, got;
  int next[N_SENDERS];
  tagged_t v;
  ac_mpsc_t *ch;
  ac_mpsc_recv_t rx;
} fan_in_t;

static ac_poll_t fan_in_poll(void *self, ac_context_t *cx, void *out) {
  fan_in_t *s = self;
  switch (s->state) {
  case 0:
    for (;;) {
      s->rx = ac_mpsc_recv(s->ch, &s->v);
      s->state = 1;
      /* fallthrough */
    case 1:
      if (ac_mpsc_recv_poll(&s->rx, cx, &s->rc) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_recv_drop(&s->rx);
      if (s->rc != 0)
        break;
      s->got++;
      if (s->v.sender < 0 || s->v.sender >= N_SENDERS ||
          s->v.seq != s->next[s->v.sender]++)
        s->bad++;
    }
    s->state = 2;
  }
  *(int *)out = s->bad ? -1 : s->got;
  return AC_POLL_READY;
}
static void fan_in_drop(void *self) {
  fan_in_t *s = self;
  if (s->state == 1)
    ac_mpsc_recv_drop(&s->rx);
}
static const ac_future_vtable_t fan_in_vtable = {
    fan_in_poll, fan_in_drop, sizeof(fan_in_t), _Alignof(fan_in_t),
    sizeof(int), "fan_in"};

typedef struct sender_arg {
  ac_mpsc_t *ch;
  int id;
} sender_arg_t;

static void *tagged_feeder(void *arg) {
  sender_arg_t *a = arg;
  for (int i = 0; i < N_EACH;) {
    tagged_t v = {a->id, i};
    if (ac_mpsc_try_send(a->ch, &v) == 0)
      i++;
    else
      sched_yield();
  }
  ac_mpsc_sender_drop(a->ch);
  return NULL;
}

Test(chan_handoff, several_senders_keep_their_order) {
  for (size_t cap = 1; cap <= 4; cap += 3)
    T_FLAVORS(f) {
      ac_runtime_t *rt = ac_runtime_new(f, 2);
      ac_mpsc_t *ch = ac_mpsc_new(sizeof(tagged_t), cap);
      for (int k = 1; k < N_SENDERS; k++)
        ac_mpsc_sender_clone(ch);
      fan_in_t s = {.ch = ch};
      pthread_t th[N_SENDERS];
      sender_arg_t args[N_SENDERS];
      for (int k = 0; k < N_SENDERS; k++) {
        args[k] = (sender_arg_t){ch, k};
        cr_assert_eq(pthread_create(&th[k], NULL, tagged_feeder, &args[k]), 0);
      }
      int out[16] = {0};
      cr_assert_eq(ac_runtime_block_on(rt, &fan_in_vtable, &s, out), 0);
      for (int k = 0; k < N_SENDERS; k++)
        pthread_join(th[k], NULL);
      cr_assert_eq(out[0], N_SENDERS * N_EACH, "got %d", out[0]);
      ac_mpsc_receiver_drop(ch);
      t_close_clean(rt);
    }
}
