/*
 * test_chan_wake.c: the wake a send gives a receiver parked on its
 * channel.  From a task on the receiver's own worker with the run-next
 * slot free, the receiver's task goes straight to that slot with plain
 * stores (chan_mpsc.c's send fast path, internal.h's ac__wake_to_next);
 * every other case takes the general wake.  These check that the receiver
 * runs next, that a receiver already queued is not queued again, that a
 * taken slot is not overwritten, that a task sending to itself is polled
 * again, and that a receiver in a multi-thread worker's parked slot is
 * taken out of it.
 */
#include "harness.h"

#include <stdbool.h>
#include <string.h>

/* ==== one task on two channels ==== */

/* What the tasks below saw (they are copies made by the spawn). */
typedef struct seen {
  int v[2], rc[2];
  int polls;
} seen_t;

/* Receives once from each of two channels, both waiting at once; counts
 * its polls. */
typedef struct two_rx {
  ac_mpsc_recv_t r[2];
  bool done[2];
  seen_t *seen;
} two_rx_t;
static two_rx_t two_rx(ac_mpsc_t *a, ac_mpsc_t *b, seen_t *seen) {
  two_rx_t t = {{ac_mpsc_recv(a, &seen->v[0]), ac_mpsc_recv(b, &seen->v[1])},
                {false, false},
                seen};
  return t;
}
static ac_poll_t two_rx_poll(void *self, ac_context_t *cx, void *out) {
  two_rx_t *t = self;
  (void)out;
  cr_assert(!t->done[0] || !t->done[1], "polled after it completed");
  t->seen->polls++;
  for (int k = 0; k < 2; k++)
    if (!t->done[k] && ac_mpsc_recv_poll(&t->r[k], cx, &t->seen->rc[k]) ==
                           AC_POLL_READY) {
      t->done[k] = true;
      ac_mpsc_recv_drop(&t->r[k]);
    }
  return t->done[0] && t->done[1] ? AC_POLL_READY : AC_POLL_PENDING;
}
static void two_rx_drop(void *self) {
  two_rx_t *t = self;
  for (int k = 0; k < 2; k++)
    if (!t->done[k])
      ac_mpsc_recv_drop(&t->r[k]);
}
static const ac_future_vtable_t two_rx_vtable = {
    two_rx_poll, two_rx_drop, sizeof(two_rx_t), _Alignof(two_rx_t), 0,
    "two_rx"};

/* Receives from one channel, then sends what it got plus one on another
 * (its recv future is made at its first poll: the spawn copies it). */
typedef struct relay {
  int state, v, rc;
  ac_mpsc_t *from, *to;
  ac_mpsc_recv_t r;
  ac_mpsc_send_t s;
} relay_t;
static ac_poll_t relay_poll(void *self, ac_context_t *cx, void *out) {
  relay_t *t = self;
  (void)out;
  switch (t->state) {
  case 0:
    t->r = ac_mpsc_recv(t->from, &t->v);
    t->state = 1;
    /* fallthrough */
  case 1:
    if (ac_mpsc_recv_poll(&t->r, cx, &t->rc) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    ac_mpsc_recv_drop(&t->r);
    t->v++;
    t->s = ac_mpsc_send(t->to, &t->v);
    t->state = 2;
    /* fallthrough */
  case 2:
    if (ac_mpsc_send_poll(&t->s, cx, &t->rc) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    ac_mpsc_send_drop(&t->s);
    t->state = 3;
  }
  return AC_POLL_READY;
}
static void relay_drop(void *self) {
  relay_t *t = self;
  if (t->state == 1)
    ac_mpsc_recv_drop(&t->r);
  else if (t->state == 2)
    ac_mpsc_send_drop(&t->s);
}
static const ac_future_vtable_t relay_vtable = {
    relay_poll, relay_drop, sizeof(relay_t), _Alignof(relay_t), 0, "relay"};

/* The root: spawns b (waiting on ch[1] and ch[2]) and c (a relay from
 * ch[0] to ch[2]) and yields once so both park.  Then, in one poll, it
 * wakes c with try_send on ch[0] (c takes the run-next slot) and sends on
 * ch[1] to b, whose wake finds the slot taken: b goes to the queue.  c
 * runs next with the slot free and sends to b, which is queued already.
 * Then the root yields until both have finished (or gives up). */
typedef struct root {
  int state, yields, x;
  ac_mpsc_t *ch[3];
  ac_task_t **bc; /* b and c, for the test (block_on polls a copy) */
  two_rx_t bf;
  relay_t cf;
  ac_mpsc_send_t s;
  ac_yield_t y;
  int rc;
} root_t;
static ac_poll_t root_poll(void *self, ac_context_t *cx, void *out) {
  root_t *t = self;
  (void)out;
  switch (t->state) {
  case 0:
    t->bc[0] = ac_spawn_raw(&two_rx_vtable, &t->bf);
    t->bc[1] = ac_spawn_raw(&relay_vtable, &t->cf);
    t->y = ac_yield_now();
    t->state = 1;
    /* fallthrough */
  case 1:
    if (ac_yield_poll(&t->y, cx, NULL) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    t->x = 10;
    cr_assert_eq(ac_mpsc_try_send(t->ch[0], &t->x), 0);
    t->x = 20;
    t->s = ac_mpsc_send(t->ch[1], &t->x);
    cr_assert_eq(ac_mpsc_send_poll(&t->s, cx, &t->rc), AC_POLL_READY);
    cr_assert_eq(t->rc, 0);
    ac_mpsc_send_drop(&t->s);
    for (t->yields = 0; t->yields < 100; t->yields++) {
      if (ac_task_is_finished(t->bc[0]) == 1 &&
          ac_task_is_finished(t->bc[1]) == 1)
        break;
      t->y = ac_yield_now();
      t->state = 2;
      /* fallthrough */
    case 2:
      if (ac_yield_poll(&t->y, cx, NULL) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
    }
  }
  return AC_POLL_READY;
}
static void root_drop(void *self) { (void)self; }
static const ac_future_vtable_t root_vtable = {
    root_poll, root_drop, sizeof(root_t), _Alignof(root_t), 0, "root"};

Test(chan_wake, a_queued_receiver_is_not_queued_again_nor_a_taken_slot_lost) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 1);
    ac_task_t *bc[2] = {NULL, NULL};
    root_t r = {.bc = bc};
    for (int k = 0; k < 3; k++)
      r.ch[k] = ac_mpsc_new(sizeof(int), 1);
    seen_t seen = {{-1, -1}, {-1, -1}, 0};
    r.bf = two_rx(r.ch[1], r.ch[2], &seen);
    r.cf.from = r.ch[0];
    r.cf.to = r.ch[2];
    cr_assert_eq(ac_runtime_block_on(rt, &root_vtable, &r, NULL), 0);
    cr_assert_eq(ac_task_is_finished(bc[1]), 1,
                 "flavor %d: the task in the run-next slot was lost", f);
    cr_assert_eq(ac_task_is_finished(bc[0]), 1, "flavor %d", f);
    cr_assert_eq(seen.v[0], 20);
    cr_assert_eq(seen.v[1], 11, "the relay's value: %d", seen.v[1]);
    cr_assert_eq(seen.rc[0], 0);
    cr_assert_eq(seen.rc[1], 0);
    cr_assert_eq(seen.polls, 2, "flavor %d: b polled %d times (queued "
                 "twice?)", f, seen.polls);
    ac_task_detach(bc[0]);
    ac_task_detach(bc[1]);
    for (int k = 0; k < 3; k++) {
      cr_assert_eq(ac_mpsc_sender_drop(r.ch[k]), 0);
      cr_assert_eq(ac_mpsc_receiver_drop(r.ch[k]), 0);
    }
    t_close_clean(rt);
  }
}

/* ==== the receiver runs next ==== */

/* Appends its letter to a log at every poll; receives once from `from`
 * if set, else yields `yields` times. */
typedef struct logger {
  char letter;
  int yields, v, rc;
  bool made;
  ac_mpsc_t *from;
  ac_mpsc_recv_t r;
  char *log;
} logger_t;
static ac_poll_t logger_poll(void *self, ac_context_t *cx, void *out) {
  logger_t *t = self;
  (void)out;
  t->log[strlen(t->log)] = t->letter;
  if (t->from) {
    if (!t->made) {
      t->r = ac_mpsc_recv(t->from, &t->v);
      t->made = true;
    }
    if (ac_mpsc_recv_poll(&t->r, cx, &t->rc) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    ac_mpsc_recv_drop(&t->r);
    t->from = NULL;
    return AC_POLL_READY;
  }
  if (t->yields-- == 0)
    return AC_POLL_READY;
  ac_waker_wake_by_ref(cx->waker);
  return AC_POLL_PENDING;
}
static void logger_drop(void *self) {
  logger_t *t = self;
  if (t->from && t->made)
    ac_mpsc_recv_drop(&t->r);
}
static const ac_future_vtable_t logger_vtable = {
    logger_poll, logger_drop, sizeof(logger_t), _Alignof(logger_t), 0,
    "logger"};

/* Spawns b (waits on ch) and d (yields 3 times), yields once so that b
 * parks and d runs once, then sends to b and yields until both are done,
 * logging 'a' at each of its polls. */
typedef struct sender {
  int state, x, rc;
  ac_mpsc_t *ch;
  char *log;
  ac_task_t *b, *d;
  ac_mpsc_send_t s;
  ac_yield_t y;
} sender_t;
static ac_poll_t sender_poll(void *self, ac_context_t *cx, void *out) {
  sender_t *t = self;
  (void)out;
  t->log[strlen(t->log)] = 'a';
  switch (t->state) {
  case 0:
    t->b = ac_spawn_raw(&logger_vtable,
                        &(logger_t){'b', 0, 0, 0, false, t->ch, {0}, t->log});
    t->d = ac_spawn_raw(&logger_vtable,
                        &(logger_t){'d', 3, 0, 0, false, NULL, {0}, t->log});
    t->y = ac_yield_now();
    t->state = 1;
    /* fallthrough */
  case 1:
    if (ac_yield_poll(&t->y, cx, NULL) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    t->x = 7;
    t->s = ac_mpsc_send(t->ch, &t->x);
    cr_assert_eq(ac_mpsc_send_poll(&t->s, cx, &t->rc), AC_POLL_READY);
    ac_mpsc_send_drop(&t->s);
    while (ac_task_is_finished(t->b) != 1 || ac_task_is_finished(t->d) != 1) {
      t->y = ac_yield_now();
      t->state = 2;
      /* fallthrough */
    case 2:
      if (ac_yield_poll(&t->y, cx, NULL) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
    }
  }
  ac_task_detach(t->b);
  ac_task_detach(t->d);
  return AC_POLL_READY;
}
static const ac_future_vtable_t sender_vtable = {
    sender_poll, root_drop, sizeof(sender_t), _Alignof(sender_t), 0,
    "sender"};

Test(chan_wake, a_send_runs_its_parked_receiver_before_queued_tasks) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 1);
    char log[64] = {0};
    sender_t s = {.ch = ac_mpsc_new(sizeof(int), 1), .log = log};
    cr_assert_eq(ac_runtime_block_on(rt, &sender_vtable, &s, NULL), 0);
    /* a spawns and yields; b parks, d yields; a sends and yields; b,
     * woken by the running task, comes before d, which was queued first */
    cr_assert_eq(strncmp(log, "abdab", 5), 0, "flavor %d: ran %s", f, log);
    cr_assert_eq(ac_mpsc_sender_drop(s.ch), 0);
    cr_assert_eq(ac_mpsc_receiver_drop(s.ch), 0);
    t_close_clean(rt);
  }
}

/* ==== a task sending to itself ==== */

/* Parks a recv on ch, then sends on ch in the same poll: the wake is its
 * own, so it is polled again and finds the value. */
typedef struct self_send {
  int state, v, x, rc, polls;
  ac_mpsc_t *ch;
  ac_mpsc_recv_t r;
  ac_mpsc_send_t s;
} self_send_t;
static ac_poll_t self_send_poll(void *self, ac_context_t *cx, void *out) {
  self_send_t *t = self;
  t->polls++;
  if (t->state == 0) {
    t->r = ac_mpsc_recv(t->ch, &t->v);
    cr_assert_eq(ac_mpsc_recv_poll(&t->r, cx, &t->rc), AC_POLL_PENDING);
    t->x = 33;
    t->s = ac_mpsc_send(t->ch, &t->x);
    cr_assert_eq(ac_mpsc_send_poll(&t->s, cx, &t->rc), AC_POLL_READY);
    ac_mpsc_send_drop(&t->s);
    t->state = 1;
    return AC_POLL_PENDING;
  }
  if (ac_mpsc_recv_poll(&t->r, cx, &t->rc) == AC_POLL_PENDING)
    return AC_POLL_PENDING;
  ac_mpsc_recv_drop(&t->r);
  *(int *)out = t->v;
  return AC_POLL_READY;
}
static const ac_future_vtable_t self_send_vtable = {
    self_send_poll, root_drop, sizeof(self_send_t), _Alignof(self_send_t),
    sizeof(int), "self_send"};

Test(chan_wake, a_task_sending_to_its_own_parked_recv_runs_again) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 1);
    self_send_t s = {.ch = ac_mpsc_new(sizeof(int), 1)};
    int got = -1;
    cr_assert_eq(ac_runtime_block_on(rt, &self_send_vtable, &s, &got), 0);
    cr_assert_eq(got, 33, "flavor %d", f);
    cr_assert_eq(s.polls, 0, "block_on polls a copy");
    cr_assert_eq(ac_mpsc_sender_drop(s.ch), 0);
    cr_assert_eq(ac_mpsc_receiver_drop(s.ch), 0);
    t_close_clean(rt);
  }
}
