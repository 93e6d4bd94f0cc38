/*
 * test_chan_bias.c: an mpsc channel used by one worker thread is biased to
 * it (no lock taken, internal.h "bias.c"); any other thread that touches
 * it revokes the bias first, and waits for an operation the owner is in
 * the middle of.  These check that the bias is taken where it should be
 * (else the fast path goes untested), that a plain thread's operation
 * revokes it, that a long run of one thread's operations biases it again,
 * and that operations racing a revocation lose and duplicate nothing.
 * Under TSan no object is biased (the barrier is invisible to it): the
 * checks of the bias itself are skipped there, the rest still run.
 */
#include "harness.h"
#include "internal.h"

#include <pthread.h>
#include <sched.h>

/* A future that runs fn(arg) on its first poll, on the runtime's worker. */
typedef struct body {
  void (*fn)(void *arg);
  void *arg;
} body_t;
static ac_poll_t body_poll(void *self, ac_context_t *cx, void *out) {
  body_t *b = self;
  (void)cx;
  (void)out;
  b->fn(b->arg);
  return AC_POLL_READY;
}
static void body_drop(void *self) { (void)self; }
static const ac_future_vtable_t body_vtable = {
    body_poll, body_drop, sizeof(body_t), _Alignof(body_t), 0, "body"};

/* Runs fn(arg) in a task of rt, on its worker thread. */
static void in_task(ac_runtime_t *rt, void (*fn)(void *), void *arg) {
  body_t b = {fn, arg};
  cr_assert_eq(ac_runtime_block_on(rt, &body_vtable, &b, NULL), 0);
}

typedef struct probe {
  ac_mpsc_t *ch;
  int ops;   /* try_send + try_recv pairs to run first */
  bool mine; /* out: biased to this thread afterwards */
} probe_t;

static void send_recv_pairs(void *arg) {
  probe_t *p = arg;
  for (int i = 0; i < p->ops; i++) {
    int v = i, r = -1;
    cr_assert_eq(ac_mpsc_try_send(p->ch, &v), 0);
    cr_assert_eq(ac_mpsc_try_recv(p->ch, &r), 0);
    cr_assert_eq(r, i);
  }
  p->mine = ac__mpsc_biased_here(p->ch);
}

Test(chan_bias, a_channel_used_by_one_worker_is_biased_to_it) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 1);
    probe_t p = {ac_mpsc_new(sizeof(int), 4), 3, false};
    in_task(rt, send_recv_pairs, &p);
    cr_assert_eq(p.mine, ac__bias_possible(), "flavor %d: biased %d", f,
                 p.mine);
    /* A multi-thread runtime's workers are threads of their own; a
     * current-thread one runs on the thread that calls block_on. */
    if (f == AC_RT_MULTI_THREAD)
      cr_assert_not(ac__mpsc_biased_here(p.ch));
    cr_assert_eq(ac_mpsc_sender_drop(p.ch), 0);
    cr_assert_eq(ac_mpsc_receiver_drop(p.ch), 0);
    t_close_clean(rt);
  }
}

static void *plain_send_recv(void *arg) {
  ac_mpsc_t *ch = arg;
  int v = 7, r = -1;
  if (ac_mpsc_try_send(ch, &v) != 0 || ac_mpsc_try_recv(ch, &r) != 0 ||
      r != 7 || ac__mpsc_biased_here(ch))
    return (void *)1;
  return NULL;
}

Test(chan_bias, a_plain_thread_revokes_and_a_long_run_biases_again) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  probe_t p = {ac_mpsc_new(sizeof(int), 4), 1, false};
  in_task(rt, send_recv_pairs, &p);
  cr_assert_eq(p.mine, ac__bias_possible());
  /* From another thread (this one ran the task: outside block_on it is
   * still the owner): revoked. */
  pthread_t th;
  pthread_create(&th, NULL, plain_send_recv, p.ch);
  void *res;
  pthread_join(th, &res);
  cr_assert_null(res);
  in_task(rt, send_recv_pairs, &p);
  cr_assert_not(p.mine, "a revoked bias is not back after a few operations");
  /* Revoked once: 512 lock holds in a row by one thread bias it again. */
  p.ops = 300;
  in_task(rt, send_recv_pairs, &p);
  cr_assert_eq(p.mine, ac__bias_possible(), "biased again after 600 holds");
  cr_assert_eq(ac_mpsc_sender_drop(p.ch), 0);
  cr_assert_eq(ac_mpsc_receiver_drop(p.ch), 0);
  t_close_clean(rt);
}

/* The owner pushes 0..N-1 into an unbounded channel (it grows as it
 * goes); a plain thread pushes -1..-N as soon as the owner has started,
 * revoking the bias in the middle of the owner's run.  Afterwards the
 * channel holds both sequences, each in order: an operation of either
 * side that ran during the other's would lose or repeat values, or
 * corrupt the ring as it grows.  Elements are large, so the owner spends
 * most of its time inside operations (copying, growing), where the
 * revocation must wait for it. */
enum { RACE_N = 1000, RACE_ROUNDS = 100, RACE_ELEM = 1024 };
typedef struct big {
  int v;
  char pad[RACE_ELEM - sizeof(int)];
} big_t;

typedef struct race {
  ac_mpsc_t *ch;
  int started; /* atomic */
} race_t;

static void owner_pushes(void *arg) {
  race_t *rc = arg;
  big_t b = {0};
  for (int i = 0; i < RACE_N; i++) {
    b.v = i;
    cr_assert_eq(ac_mpsc_try_send(rc->ch, &b), 0);
    if (i == 10)
      __atomic_store_n(&rc->started, 1, __ATOMIC_RELEASE);
  }
}

static void *plain_pushes(void *arg) {
  race_t *rc = arg;
  while (!__atomic_load_n(&rc->started, __ATOMIC_ACQUIRE))
    sched_yield();
  big_t b = {0};
  for (int i = 1; i <= RACE_N; i++) {
    b.v = -i;
    if (ac_mpsc_try_send(rc->ch, &b) != 0)
      return (void *)1;
  }
  return NULL;
}

Test(chan_bias, operations_racing_a_revocation_lose_nothing) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  for (int round = 0; round < RACE_ROUNDS; round++) {
    race_t rc = {ac_mpsc_new(sizeof(big_t), 0), 0};
    pthread_t th;
    pthread_create(&th, NULL, plain_pushes, &rc);
    in_task(rt, owner_pushes, &rc);
    void *res;
    pthread_join(th, &res);
    cr_assert_null(res);
    int next_pos = 0, next_neg = -1, v;
    big_t b;
    for (int k = 0; k < 2 * RACE_N; k++) {
      cr_assert_eq(ac_mpsc_try_recv(rc.ch, &b), 0, "round %d: %d of %d",
                   round, k, 2 * RACE_N);
      v = b.v;
      if (v >= 0)
        cr_assert_eq(v, next_pos++, "round %d: owner's values out of order",
                     round);
      else
        cr_assert_eq(v, next_neg--, "round %d: plain values out of order",
                     round);
    }
    cr_assert_eq(ac_mpsc_try_recv(rc.ch, &b), AC_EAGAIN);
    cr_assert_eq(ac_mpsc_sender_drop(rc.ch), 0);
    cr_assert_eq(ac_mpsc_receiver_drop(rc.ch), 0);
  }
  t_close_clean(rt);
}
