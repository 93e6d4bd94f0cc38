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
#include <unistd.h>

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

/* Registering for membarrier takes the kernel a wait for every CPU once the
 * process has threads (15 ms on a loaded machine); made at the first bias,
 * under the channel's lock, it kept the other workers spinning on that
 * lock.  A runtime registers before its workers start.  (Each test runs in
 * a process of its own, so nothing registered before this one.) */
Test(chan_bias, a_runtime_registers_for_the_barrier_before_its_workers_start) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    cr_assert(ac__bias_settled(), "flavor %d: not registered when made", f);
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

/* The lock-taking side of a rebias, step by step on a bare ac__bias_t:
 * thread B finds the object unbiased and waits for the lock; meanwhile A,
 * holding it, reaches its run of holds and biases the object to itself,
 * gives the lock back and enters an operation on the owner's path.  B,
 * once it has the lock, must see the new owner and wait for A's
 * operation (revoke the bias) rather than run beside it; before B looked
 * again under the lock, it ran its operation at once. */
typedef struct rebias_race {
  ac__bias_t b;
  ac__spin_t l;
  int about_to_lock, entered; /* atomic: B's progress */
} rebias_race_t;

static void *rebias_b(void *arg) {
  rebias_race_t *r = arg;
  __atomic_store_n(&r->about_to_lock, 1, __ATOMIC_SEQ_CST);
  bool own = ac__bias_lock(&r->b, &r->l);
  __atomic_store_n(&r->entered, 1, __ATOMIC_SEQ_CST);
  ac__bias_unlock(&r->b, &r->l, own);
  return own ? (void *)1 : NULL; /* B is no owner */
}

Test(chan_bias, a_rebias_while_another_thread_waits_for_the_lock) {
  if (!ac__bias_possible())
    return; /* nothing is ever biased here (TSan, no membarrier) */
  rebias_race_t r = {0};
  ac__bias_init(&r.b);
  /* Unbiased, as after a revocation: B's first look sees NONE. */
  ac__spin_lock(&r.l);
  ac__bias_locked(&r.b); /* fresh, and this thread is no worker: NONE */
  ac__spin_unlock(&r.l);
  cr_assert_not(ac__bias_mine(&r.b));
  ac__worker_t fake; /* the rebias is for workers' threads */
  ac__worker_t *saved = ac__tls.worker;
  ac__tls.worker = &fake;
  ac__spin_lock(&r.l); /* A holds the lock ... */
  pthread_t th;
  pthread_create(&th, NULL, rebias_b, &r);
  while (!__atomic_load_n(&r.about_to_lock, __ATOMIC_SEQ_CST))
    sched_yield();
  usleep(20000); /* ... B has looked (NONE) and spins on the lock */
  ac__bias_rebias(&r.b); /* A's run of holds was long enough */
  cr_assert(ac__bias_mine(&r.b));
  ac__spin_unlock(&r.l);
  bool own = ac__bias_lock(&r.b, &r.l); /* A's next operation */
  cr_assert(own, "A owns the object and takes no lock");
  usleep(50000); /* B has the lock by now */
  int early = __atomic_load_n(&r.entered, __ATOMIC_SEQ_CST);
  ac__bias_unlock(&r.b, &r.l, own);
  void *res;
  pthread_join(th, &res);
  ac__tls.worker = saved;
  cr_assert_eq(early, 0, "B ran its operation beside the owner's");
  cr_assert_eq(t_load(&r.entered), 1);
  cr_assert_null(res);
  cr_assert_not(ac__bias_mine(&r.b), "B revoked the bias");
}
