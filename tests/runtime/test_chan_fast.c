/*
 * test_chan_fast.c: the fast paths of an mpsc channel's send and recv
 * polls on the thread the channel is biased to (chan_mpsc.c: a send that
 * hands its value to a parked recv future, a recv that parks again with
 * the waker already stored, a recv that finds its value handed over)
 * behave as the locked paths do.  Each scenario runs twice: on the test's
 * own thread, which never owns a channel (the locked paths), and inside a
 * task on a current-thread runtime's worker, which owns the channels it
 * makes (the fast paths; asserted, so they cannot go untested).  Under
 * TSan nothing is biased and both runs take the locked paths.
 */
#include "harness.h"
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A new channel; in a worker it is made ours by a first operation. */
static ac_mpsc_t *chan_new(size_t cap, bool in_worker) {
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), cap);
  int v;
  cr_assert_eq(ac_mpsc_try_recv(ch, &v), AC_EAGAIN);
  cr_assert_eq(ac__mpsc_biased_here(ch), in_worker && ac__bias_possible(),
               "the run %s the fast paths", in_worker ? "misses" : "takes");
  return ch;
}

static ac_poll_t send_poll(ac_mpsc_send_t *s, t_rig_t *r, int *rc) {
  return ac_mpsc_send_poll(s, &r->cx, rc);
}

/* ==== the scenarios ==== */

/* Values in order, each handed to the parked recv or buffered, one wake
 * per value, no waker clone left behind. */
static void handoff_in_order(bool in_worker) {
  ac_mpsc_t *ch = chan_new(1, in_worker);
  t_rig_t r;
  t_rig_init(&r);
  for (int i = 0; i < 50; i++) {
    int v = -1, rc = -1, x = i;
    ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &v);
    cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_PENDING);
    cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_PENDING,
                 "polled again with nothing sent");
    ac_mpsc_send_t s = ac_mpsc_send(ch, &x);
    cr_assert_eq(send_poll(&s, &r, &rc), AC_POLL_READY);
    cr_assert_eq(rc, 0);
    ac_mpsc_send_drop(&s);
    cr_assert_eq(v, i, "handed straight to the parked recv");
    cr_assert_eq(r.wc.wakes, i + 1);
    cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_READY);
    cr_assert_eq(rc, 0);
    ac_mpsc_recv_drop(&rx);
  }
  int v;
  cr_assert_eq(ac_mpsc_try_recv(ch, &v), AC_EAGAIN, "nothing left over");
  cr_assert_eq(ac_mpsc_receiver_drop(ch), 0);
  cr_assert_eq(ac_mpsc_sender_drop(ch), 0);
  cr_assert_eq(r.wc.refs, 0);
}

/* The last sender dropped while the receiver waits: a send after that
 * (a misuse) is refused and hands nothing; the receiver sees AC_EPIPE. */
static void no_handoff_after_the_last_sender(bool in_worker) {
  ac_mpsc_t *ch = chan_new(1, in_worker);
  t_rig_t r;
  t_rig_init(&r);
  int v = -1, rc = -1, x = 5;
  ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &v);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_PENDING);
  cr_assert_eq(ac_mpsc_sender_drop(ch), 0);
  cr_assert_eq(r.wc.wakes, 1);
  ac_mpsc_send_t s = ac_mpsc_send(ch, &x);
  cr_assert_eq(send_poll(&s, &r, &rc), AC_POLL_READY);
  cr_assert_eq(rc, -EINVAL, "a send with every sender gone: %d", rc);
  ac_mpsc_send_drop(&s);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_READY);
  cr_assert_eq(rc, AC_EPIPE);
  cr_assert_eq(v, -1, "nothing was handed over");
  ac_mpsc_recv_drop(&rx);
  cr_assert_eq(ac_mpsc_receiver_drop(ch), 0);
  cr_assert_eq(r.wc.refs, 0);
}

/* A recv polled again with another waker parks with that one: the next
 * send wakes it, not the first. */
static void repoll_with_another_waker(bool in_worker) {
  ac_mpsc_t *ch = chan_new(1, in_worker);
  t_rig_t a, b;
  t_rig_init(&a);
  t_rig_init(&b);
  int v = -1, rc = -1, x = 9;
  ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &v);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &a.cx, &rc), AC_POLL_PENDING);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &b.cx, &rc), AC_POLL_PENDING);
  cr_assert_eq(a.wc.refs, 0, "the first waker was released");
  ac_mpsc_send_t s = ac_mpsc_send(ch, &x);
  cr_assert_eq(send_poll(&s, &a, &rc), AC_POLL_READY);
  ac_mpsc_send_drop(&s);
  cr_assert_eq(b.wc.wakes, 1);
  cr_assert_eq(a.wc.wakes, 0);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &b.cx, &rc), AC_POLL_READY);
  cr_assert_eq(v, 9);
  ac_mpsc_recv_drop(&rx);
  cr_assert_eq(ac_mpsc_receiver_drop(ch), 0);
  cr_assert_eq(ac_mpsc_sender_drop(ch), 0);
  cr_assert_eq(b.wc.refs, 0);
}

/* Capacity 1: a sender granted the freed slot comes before a newcomer,
 * even when the receiver is parked by the time the newcomer polls. */
static void granted_sender_first(bool in_worker) {
  ac_mpsc_t *ch = chan_new(1, in_worker);
  cr_assert_eq(ac_mpsc_sender_clone(ch), 0);
  cr_assert_eq(ac_mpsc_sender_clone(ch), 0);
  t_rig_t r;
  t_rig_init(&r);
  int one = 1, two = 2, three = 3, v = -1, rc2 = -1, rc3 = -1, rc = -1;
  cr_assert_eq(ac_mpsc_try_send(ch, &one), 0); /* full */
  ac_mpsc_send_t s2 = ac_mpsc_send(ch, &two);
  cr_assert_eq(send_poll(&s2, &r, &rc2), AC_POLL_PENDING);
  cr_assert_eq(ac_mpsc_try_recv(ch, &v), 0); /* frees the slot: s2's */
  cr_assert_eq(v, 1);
  ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &v);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_PENDING);
  ac_mpsc_send_t s3 = ac_mpsc_send(ch, &three);
  cr_assert_eq(send_poll(&s3, &r, &rc3), AC_POLL_PENDING,
               "the newcomer took the slot granted to the waiting sender");
  cr_assert_eq(send_poll(&s2, &r, &rc2), AC_POLL_READY);
  cr_assert_eq(rc2, 0);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_READY);
  cr_assert_eq(v, 2);
  ac_mpsc_recv_drop(&rx);
  cr_assert_eq(send_poll(&s3, &r, &rc3), AC_POLL_READY);
  cr_assert_eq(rc3, 0);
  ac_mpsc_send_drop(&s2);
  ac_mpsc_send_drop(&s3);
  cr_assert_eq(ac_mpsc_try_recv(ch, &v), 0);
  cr_assert_eq(v, 3);
  for (int i = 0; i < 3; i++)
    cr_assert_eq(ac_mpsc_sender_drop(ch), 0);
  cr_assert_eq(ac_mpsc_receiver_drop(ch), 0);
  cr_assert_eq(r.wc.refs, 0);
}

/* A value handed to one recv future that has not seen it is the next
 * value for another recv of the same receiver; the first then waits for
 * the value after it. */
static void second_recv_takes_the_handed_value(bool in_worker) {
  ac_mpsc_t *ch = chan_new(0, in_worker);
  t_rig_t r;
  t_rig_init(&r);
  int va = -1, vb = -1, rc = -1, x = 1, y = 2;
  ac_mpsc_recv_t a = ac_mpsc_recv(ch, &va);
  cr_assert_eq(ac_mpsc_recv_poll(&a, &r.cx, &rc), AC_POLL_PENDING);
  ac_mpsc_send_t s = ac_mpsc_send(ch, &x);
  cr_assert_eq(send_poll(&s, &r, &rc), AC_POLL_READY);
  ac_mpsc_send_drop(&s);
  ac_mpsc_recv_t b = ac_mpsc_recv(ch, &vb);
  cr_assert_eq(ac_mpsc_recv_poll(&b, &r.cx, &rc), AC_POLL_READY);
  cr_assert_eq(vb, 1);
  ac_mpsc_recv_drop(&b);
  cr_assert_eq(ac_mpsc_recv_poll(&a, &r.cx, &rc), AC_POLL_PENDING,
               "the first recv saw a value it no longer holds");
  s = ac_mpsc_send(ch, &y);
  cr_assert_eq(send_poll(&s, &r, &rc), AC_POLL_READY);
  ac_mpsc_send_drop(&s);
  cr_assert_eq(ac_mpsc_recv_poll(&a, &r.cx, &rc), AC_POLL_READY);
  cr_assert_eq(va, 2);
  ac_mpsc_recv_drop(&a);
  cr_assert_eq(ac_mpsc_sender_drop(ch), 0);
  cr_assert_eq(ac_mpsc_receiver_drop(ch), 0);
  cr_assert_eq(r.wc.refs, 0);
}

/* The receiver dropped while a handed value waits unseen in a recv
 * future: the future does not complete with it (a recv after the
 * receiver was dropped is a misuse), and nothing is left in the channel. */
static void receiver_dropped_under_a_handed_value(bool in_worker) {
  setenv("AC_MISUSE", "quiet", 1);
  ac_mpsc_t *ch = chan_new(1, in_worker);
  t_rig_t r;
  t_rig_init(&r);
  int v = -1, rc = -1, x = 4;
  ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &v);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_PENDING);
  ac_mpsc_send_t s = ac_mpsc_send(ch, &x);
  cr_assert_eq(send_poll(&s, &r, &rc), AC_POLL_READY);
  ac_mpsc_send_drop(&s);
  cr_assert_eq(ac_mpsc_receiver_drop(ch), 0);
  cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_READY);
  cr_assert_eq(rc, -EINVAL, "completed with %d after the receiver went", rc);
  ac_mpsc_recv_drop(&rx);
  cr_assert_eq(ac_mpsc_sender_drop(ch), 0);
  cr_assert_eq(r.wc.refs, 0);
}

/* Values of every size are handed to a parked recv whole: the sizes the
 * fast path copies inline (4, 8, 16) and the rest, which it copies out of
 * line, each between guard bytes that must stay untouched. */
static void every_size_handed_over_whole(bool in_worker) {
  static const size_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 24, 40};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    size_t n = sizes[k];
    ac_mpsc_t *ch = ac_mpsc_new(n, 1);
    t_rig_t r;
    t_rig_init(&r);
    unsigned char src[48], dst[48 + 2];
    for (size_t i = 0; i < n; i++)
      src[i] = (unsigned char)(0x40 + 3 * i + n);
    memset(dst, 0xee, sizeof dst);
    int rc = -1;
    ac_mpsc_recv_t rx = ac_mpsc_recv(ch, dst + 1);
    cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_PENDING);
    cr_assert_eq(ac__mpsc_biased_here(ch), in_worker && ac__bias_possible());
    ac_mpsc_send_t s = ac_mpsc_send(ch, src);
    cr_assert_eq(send_poll(&s, &r, &rc), AC_POLL_READY);
    cr_assert_eq(rc, 0);
    ac_mpsc_send_drop(&s);
    cr_assert_eq(r.wc.wakes, 1, "size %zu", n);
    cr_assert_eq(ac_mpsc_recv_poll(&rx, &r.cx, &rc), AC_POLL_READY);
    cr_assert_eq(rc, 0);
    ac_mpsc_recv_drop(&rx);
    cr_assert_eq(memcmp(dst + 1, src, n), 0, "size %zu: not the value", n);
    cr_assert_eq(dst[0], 0xee, "size %zu: wrote before dst", n);
    cr_assert_eq(dst[n + 1], 0xee, "size %zu: wrote past the value", n);
    cr_assert_eq(ac_mpsc_receiver_drop(ch), 0);
    cr_assert_eq(ac_mpsc_sender_drop(ch), 0);
    cr_assert_eq(r.wc.refs, 0);
  }
}

/* Polled through its vtable (a spawned recv, a program built against an
 * earlier ac.h: the exported function, not ac.h's inline completion), a
 * recv that was handed its value completes with it, though on the
 * owner's thread that function tries to park first. */
static void handed_value_seen_through_the_vtable(bool in_worker) {
  ac_mpsc_t *ch = chan_new(1, in_worker);
  t_rig_t r;
  t_rig_init(&r);
  for (int i = 0; i < 3; i++) {
    int v = -1, rc = -1, x = 70 + i;
    ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &v);
    cr_assert_eq(ac_mpsc_recv_vtable.poll(&rx, &r.cx, &rc), AC_POLL_PENDING);
    ac_mpsc_send_t s = ac_mpsc_send(ch, &x);
    cr_assert_eq(send_poll(&s, &r, &rc), AC_POLL_READY);
    ac_mpsc_send_drop(&s);
    cr_assert_eq(ac_mpsc_recv_vtable.poll(&rx, &r.cx, &rc), AC_POLL_READY,
                 "parked again with its value handed over");
    cr_assert_eq(rc, 0);
    cr_assert_eq(v, 70 + i);
    ac_mpsc_recv_vtable.drop(&rx);
  }
  int v;
  cr_assert_eq(ac_mpsc_try_recv(ch, &v), AC_EAGAIN, "nothing left over");
  cr_assert_eq(ac_mpsc_receiver_drop(ch), 0);
  cr_assert_eq(ac_mpsc_sender_drop(ch), 0);
  cr_assert_eq(r.wc.refs, 0);
}

/* ==== running them on both paths ==== */

typedef struct body {
  void (*fn)(bool in_worker);
} body_t;
static ac_poll_t body_poll(void *self, ac_context_t *cx, void *out) {
  (void)cx;
  (void)out;
  ((body_t *)self)->fn(true);
  return AC_POLL_READY;
}
static void body_drop(void *self) { (void)self; }
static const ac_future_vtable_t body_vtable = {
    body_poll, body_drop, sizeof(body_t), _Alignof(body_t), 0, "body"};

static void both_paths(void (*fn)(bool in_worker)) {
  fn(false);
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  body_t b = {fn};
  cr_assert_eq(ac_runtime_block_on(rt, &body_vtable, &b, NULL), 0);
  t_close_clean(rt);
}

Test(chan_fast, a_send_hands_to_a_parked_recv_in_order) {
  both_paths(handoff_in_order);
}
Test(chan_fast, no_value_is_handed_over_after_the_last_sender_left) {
  both_paths(no_handoff_after_the_last_sender);
}
Test(chan_fast, a_recv_polled_with_another_waker_parks_with_it) {
  both_paths(repoll_with_another_waker);
}
Test(chan_fast, a_granted_sender_is_not_overtaken_by_a_newcomer) {
  both_paths(granted_sender_first);
}
Test(chan_fast, a_second_recv_takes_the_value_handed_to_the_first) {
  both_paths(second_recv_takes_the_handed_value);
}
Test(chan_fast, a_value_of_any_size_is_handed_over_whole) {
  both_paths(every_size_handed_over_whole);
}
Test(chan_fast, a_recv_polled_through_its_vtable_sees_its_handed_value) {
  both_paths(handed_value_seen_through_the_vtable);
}
Test(chan_fast, a_handed_value_is_not_seen_after_the_receiver_left) {
  both_paths(receiver_dropped_under_a_handed_value);
}
