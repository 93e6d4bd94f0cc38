/*
 * sched.c: what both executors share: where a woken task goes, how a worker
 * picks the next one.
 *
 * A wake on a worker of the task's runtime pushes onto that worker's queue
 * (no lock in the current-thread flavor, whose queue nobody else touches);
 * any other wake goes through the locked inject queue and unparks someone.
 * A worker takes from its own queue, then the inject queue, then steals
 * half of another worker's queue.  Every 61 polls it looks at the inject
 * queue first and gives the driver a non-blocking turn, so neither remote
 * tasks nor I/O starve behind a busy local queue (tokio's interval).
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__thread ac__tls_t ac__tls;
__thread ac__poll_tls_t ac__poll_tls;

int ac__sched_init(ac__sched_t *s, ac_rt_flavor_t flavor, uint32_t n) {
  memset(s, 0, sizeof *s);
  s->flavor = flavor;
  s->nworkers = n;
  s->locked_queues = n > 1;
  s->workers = aligned_alloc(_Alignof(ac__worker_t), n * sizeof *s->workers);
  if (s->workers)
    memset(s->workers, 0, n * sizeof *s->workers);
  if (!s->workers || ac__slab_init(s) != 0 || ac__runq_init(&s->inject) != 0)
    goto fail;
  for (uint32_t i = 0; i < n; i++) {
    ac__worker_t *w = &s->workers[i];
    w->sched = s;
    w->index = i;
    w->rng = 0x9e3779b9u * (i + 1);
    w->tick = AC__CHECK_INTERVAL;
    /* own only where queues are stolen from (n > 1); else it stays
     * empty, without a ring. */
    if (ac__runq_init(&w->q) != 0 ||
        (s->locked_queues && ac__runq_init(&w->own) != 0))
      goto fail;
  }
  pthread_mutex_init(&s->idle_lock, NULL);
  pthread_condattr_t ca; /* timed waits of idle workers: monotonic */
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&s->idle_cond, &ca);
  pthread_condattr_destroy(&ca);
  return 0;
fail:
  ac__sched_destroy(s);
  return -ENOMEM;
}

void ac__sched_destroy(ac__sched_t *s) {
  ac__joinw_destroy(&s->joinw); /* empty by now (task.c, rule 3) */
  for (uint32_t i = 0; s->workers && i < s->nworkers; i++) {
    ac__runq_free(&s->workers[i].q);
    ac__runq_free(&s->workers[i].own);
  }
  ac__slab_destroy(s);
  ac__runq_free(&s->inject);
  free(s->workers);
  s->workers = NULL;
}

/* A worker is idle and none is on its way back: a notify would wake one.
 * Two plain loads, no fence: the notify after the poll (flush_notify)
 * is the one that cannot be missed; this one only makes it early. */
static bool ac__sched_idle(ac__sched_t *s) {
  return __atomic_load_n(&s->nidle, __ATOMIC_RELAXED) &&
         !__atomic_load_n(&s->waking, __ATOMIC_RELAXED);
}

/* Entries are tasks, and own a reference, except those of local tasks
 * (internal.h).  On the inject queue a local task's entry that comes from
 * another thread (a remote wake or spawn: AC__T_REMOTE is set) does hold
 * one, and is tagged with bit 0. */
#define REMOTE_ENTRY ((uintptr_t)1)

static void release_entry(uintptr_t e) {
  ac_task_t *t = (ac_task_t *)(e & ~REMOTE_ENTRY);
  if ((e & REMOTE_ENTRY) || !ac__task_local(t))
    ac__task_unref(t);
}

static ac__worker_t *local_worker(ac__sched_t *s) {
  ac__worker_t *w = ac__tls.worker;
  return w && w->sched == s ? w : NULL;
}

static inline __attribute__((always_inline)) int push_local(ac__worker_t *w,
                                                           uintptr_t e) {
  ac__sched_t *s = w->sched;
  if (s->locked_queues)
    ac__spin_lock(&w->q.lock);
  int rc = ac__runq_push(&w->q, e);
  if (s->locked_queues)
    ac__spin_unlock(&w->q.lock);
  return rc;
}

/* Wakes a worker for a task pushed on the inject queue. */
static void unpark(ac__sched_t *s) {
  ac__fence();
  if (s->flavor == AC_RT_CURRENT_THREAD)
    ac__driver_unpark(s->driver);
  else
    ac__multi_notify(s);
}

/* -1 if the queue could not grow (the entry is still the caller's). */
static int push_inject(ac__sched_t *s, uintptr_t e) {
  ac__spin_lock(&s->inject.lock);
  if (__atomic_load_n(&s->closed, __ATOMIC_ACQUIRE)) {
    ac__spin_unlock(&s->inject.lock);
    release_entry(e);
    return 0;
  }
  int rc = ac__runq_push(&s->inject, e);
  ac__spin_unlock(&s->inject.lock);
  if (rc != 0)
    return -1;
  /* Under an object's lock (ac__obj_lock): unpark once it is released. */
  if (ac__tls.defer && (!ac__tls.unpark || ac__tls.unpark == s)) {
    ac__tls.unpark = s;
    return 0;
  }
  unpark(s);
  return 0;
}

/* A woken task must be queued: a local queue that cannot grow hands it to
 * the inject queue; only if that cannot grow either is the runtime out of
 * options (it holds a runnable task it can put nowhere, and dropping it
 * would hang whoever awaits it).  Queues start with room for 256 tasks
 * and never shrink below it, so this needs that many runnable at once. */
__attribute__((noreturn, cold)) static void no_queue_room(void) {
  static const char msg[] =
      "acrt: out of memory: no run queue can take a woken task\n";
  ssize_t rc = write(2, msg, sizeof msg - 1);
  (void)rc;
  abort();
}

static inline __attribute__((always_inline)) void
push_or_die(ac__worker_t *w, uintptr_t e) {
  if (push_local(w, e) != 0 && push_inject(w->sched, e) != 0)
    no_queue_room();
}

/* A task that yielded, or was woken here outside any poll, goes to own's
 * tail (sched.c, "the yield ring"); if own cannot grow, where any other
 * push goes. */
static inline void own_push(ac__worker_t *w, uintptr_t e) {
  if (AC_UNLIKELY(ac__runq_push(&w->own, e) != 0))
    push_or_die(w, e);
}

static void own_spill(ac__worker_t *w) {
  uintptr_t e;
  while ((e = ac__runq_pop(&w->own)) != 0)
    if (push_inject(w->sched, e) != 0)
      no_queue_room();
}

void ac__sched_flush_unpark(void) {
  ac__sched_t *s = ac__tls.unpark;
  ac__tls.unpark = NULL;
  unpark(s);
}

/* Queues t; -1 if no queue could take it (only a spawn may fail so). */
static int enqueue(ac__sched_t *s, ac_task_t *t, bool spawn) {
  ac__worker_t *w = local_worker(s);
  if (!w) { /* from another thread: a local task's entry holds a reference */
    if (push_inject(s, (uintptr_t)t |
                           (ac__task_local(t) ? REMOTE_ENTRY : 0)) == 0)
      return 0;
    if (!spawn)
      no_queue_room();
    return -1;
  }
  /* A task woken into an empty queue runs next here anyway: waking an
   * idle worker to steal it would only bounce it between threads (the
   * ping-pong of W3 went from ~0.7 us to ~8 us a trip that way).  Only
   * work beyond the next task is worth a notify. */
  /* A task woken by the running one goes to the worker's run-next slot
   * (tokio's LIFO slot): no lock to put it there or to take it out on a
   * stealable queue, no ring traffic on the current-thread one (W3).  A
   * spawned task does not: the slot is not stealable, and a task that
   * spawns work and then blocks (a plain sleep(1)) would sit on it. */
  if (!w->next && ac__tls.running && !(spawn && s->locked_queues)) {
    w->next = (uintptr_t)t;
    return 0;
  }
  /* Woken outside any poll (the reactor's dispatch, timers this worker
   * fires): the worker runs its loop next, whose top publishes own and
   * wakes an idle worker before any poll, so own serves as well as q,
   * without q's lock on the way in and out (W6 multi-thread). */
  if (s->locked_queues && !spawn && !ac__tls.running) {
    own_push(w, (uintptr_t)t);
    return 0;
  }
  uint32_t before = ac__runq_len(&w->q);
  if (push_local(w, (uintptr_t)t) != 0) {
    if (spawn)
      return -1;
    if (push_inject(s, (uintptr_t)t) != 0)
      no_queue_room();
    return 0;
  }
  /* Work beyond what this worker runs next is worth a notify.  Wakes
   * happen under channel and fd spinlocks, where a notify (a mutex and a
   * futex call) made other workers spin on them (W6 multi-thread: 3.5 us
   * of user CPU per round trip): the worker notifies once it is out of
   * the poll or the driver turn.  A spawn is not under such a lock, and
   * the poll that spawns may go on for long (or block): an idle worker
   * is woken now. */
  if (s->locked_queues && (before > 0 || spawn)) {
    ac__tls.notify = true;
    if (spawn && ac__sched_idle(s))
      ac__sched_flush_notify(s);
  }
  return 0;
}

/* The common wakes first, without enqueue's frame: one woken by the task
 * being polled on this worker goes to the free run-next slot; on a
 * multi-thread worker, one woken outside any poll (the reactor's
 * dispatch) goes to its own ring (as enqueue would put it). */
void ac__sched_schedule(ac__sched_t *s, ac_task_t *t) {
  ac__worker_t *w = ac__tls.worker;
  if (AC_LIKELY(w && w->sched == s)) {
    if (ac__tls.running) {
      if (AC_LIKELY(!w->next)) {
        w->next = (uintptr_t)t;
        return;
      }
    } else if (s->locked_queues &&
               AC_LIKELY(ac__runq_push(&w->own, (uintptr_t)t) == 0)) {
      return;
    }
  }
  enqueue(s, t, false);
}

/* A spawn on a worker of a stealable runtime (W1 on the multi-thread
 * executor) takes enqueue's path for it without the call and the tests
 * that cannot hold for a spawn there (the run-next slot, own): q, under
 * its lock, and the notify (see enqueue).  It cost 76 instructions a spawn
 * through enqueue. */
int ac__sched_spawn(ac__sched_t *s, ac_task_t *t) {
  ac__worker_t *w = ac__tls.worker;
  if (AC_LIKELY(w && w->sched == s && s->locked_queues)) {
    ac__spin_lock(&w->q.lock);
    int rc = ac__runq_push(&w->q, (uintptr_t)t);
    ac__spin_unlock(&w->q.lock);
    if (AC_UNLIKELY(rc != 0))
      return -ENOMEM; /* what enqueue answers for a spawn */
    ac__tls.notify = true;
    if (ac__sched_idle(s))
      ac__sched_flush_notify(s);
    return 0;
  }
  return enqueue(s, t, true) == 0 ? 0 : -ENOMEM;
}

/* The deferred notify of ac__sched_schedule. */
void ac__sched_flush_notify(ac__sched_t *s) {
  if (AC_LIKELY(!ac__tls.notify))
    return;
  ac__tls.notify = false;
  ac__fence();
  ac__multi_notify(s);
}

static uintptr_t pop_locked(ac__runq_t *q) {
  if (ac__runq_len(q) == 0)
    return 0;
  ac__spin_lock(&q->lock);
  uintptr_t e = ac__runq_pop(q);
  ac__spin_unlock(&q->lock);
  return e;
}

/* ==== the yield ring of a stealable queue ====
 *
 * A yield's requeue on a stealable queue took the queue's lock (W2b
 * multi-thread: 11 ns a yield, 6 on the current-thread queue; a batch of
 * 8 entries per lock hold still left 7 ns and 105 instructions against
 * 75).  So on the multi-thread executor a task that yields goes to the
 * worker's own ring, `own`, which only its worker touches and nobody
 * steals from: plain loads and stores, the current-thread queue's
 * rotation.  The worker takes the run-next slot, then q (wakes, spawns,
 * steals: the stealable queue), then own; so a yield defers its task
 * behind what was woken or spawned meanwhile, as tokio's yield_now does.
 * own's entries join q's tail (`publish`) whenever a worker is idle
 * (before every poll, as for q: then that worker is woken to steal them).
 * So that yielders do not wait for ever behind a stream of wakes, q's
 * entries go behind them (`reclaim`: own is the back of this worker's
 * queue) at each look around (every AC__CHECK_INTERVAL polls) when both
 * hold entries and no worker is idle or on its way to steal; a task sent
 * to the back from the run-next slot goes there too.  The price: if a
 * worker goes idle while a poll runs long or blocks, what own holds waits
 * for that poll to end (tokio's deferred tasks wait for their worker in
 * the same way, and so did the 15 entries of the yield batch before).
 */

/* Room for n more entries in q, under its lock; false if it cannot grow. */
static bool runq_room(ac__runq_t *q, uint32_t n) {
  while (q->mask + 1 - q->len < n)
    if (ac__runq_grow(q) != 0)
      return false;
  return true;
}

/* own's entries join q's tail, in their order, under one lock hold. */
static __attribute__((noinline)) void publish(ac__worker_t *w) {
  ac__runq_t *q = &w->q, *o = &w->own;
  ac__spin_lock(&q->lock);
  if (!runq_room(q, ac__runq_len(o))) {
    ac__spin_unlock(&q->lock);
    own_spill(w);
    return;
  }
  uintptr_t e;
  uint32_t n = q->len;
  while ((e = ac__runq_pop(o)) != 0)
    q->buf[(q->head + n++) & q->mask] = e;
  ac__runq_set_len(q, n);
  ac__spin_unlock(&q->lock);
}

/* Fairness (above): q's entries go behind own's, under one lock hold;
 * those own cannot grow to take stay in q. */
static __attribute__((noinline)) void reclaim(ac__worker_t *w) {
  ac__runq_t *q = &w->q;
  ac__spin_lock(&q->lock);
  uint32_t n = q->len;
  while (n != 0) {
    if (ac__runq_push(&w->own, q->buf[q->head & q->mask]) != 0)
      break;
    q->head++;
    n--;
  }
  ac__runq_set_len(q, n);
  ac__spin_unlock(&q->lock);
}

static inline __attribute__((always_inline)) uintptr_t
pop_local(ac__worker_t *w, const bool locked) {
  if (!locked)
    return ac__runq_pop(&w->q);
  uintptr_t e = pop_locked(&w->q);
  return e ? e : ac__runq_pop(&w->own);
}

static uintptr_t steal(ac__worker_t *w) {
  ac__sched_t *s = w->sched;
  w->rng = w->rng * 1103515245u + 12345u;
  uint32_t start = (w->rng >> 16) % s->nworkers;
  for (uint32_t i = 0; i < s->nworkers; i++) {
    ac__worker_t *v = &s->workers[(start + i) % s->nworkers];
    if (v == w)
      continue;
    uintptr_t e = ac__runq_steal(&w->q, &v->q);
    if (e)
      return e;
  }
  return 0;
}

static void maintain(ac__worker_t *w) {
  ac__sched_t *s = w->sched;
  if (s->flavor == AC_RT_CURRENT_THREAD) {
    ac__driver_t *d = s->driver;
    /* Without fds, only timers need a look: skip the system call. */
    if (__atomic_load_n(&d->nfds, __ATOMIC_RELAXED))
      ac__driver_turn(d, 0);
    else if (ac__timers_count(&d->timers))
      ac__timers_fire(&d->timers, NULL, AC__FIRE_BUSY);
  } else {
    ac__multi_maintain(w);
  }
}

/* A task that must run again (it yielded) goes to the back of the queue
 * and the head comes out in the same step, which is what the caller runs
 * next: one ring rotation, no length change, no growth.  On a stealable
 * queue the task goes to own (above), and q's head comes out first if q
 * holds any.  Returns 0 if something else runs next (the run-next slot was
 * filled during the poll: e is pushed behind). */
static inline __attribute__((always_inline)) uintptr_t
requeue(ac__worker_t *w, uintptr_t e, const bool locked) {
  ac__runq_t *q = &w->q;
  if (w->next) {
    if (locked)
      own_push(w, e);
    else
      push_or_die(w, e);
    return 0;
  }
  w->streak = 0; /* the queue's head: taking it is fair */
  uint32_t len;
  if (!locked)
    return (len = ac__runq_len(q)) != 0 ? ac__runq_rotate(q, e, len) : e;
  /* No look at the idle count here: the loop's top looks before every
   * poll and publishes own if a worker is idle. */
  if (AC_LIKELY(!ac__runq_len(q)))
    return (len = ac__runq_len(&w->own)) != 0
               ? ac__runq_rotate(&w->own, e, len)
               : e;
  own_push(w, e);
  uintptr_t n = pop_locked(q);
  return n ? n : ac__runq_pop(&w->own); /* q stolen meanwhile */
}

/* Two tasks waking each other through the run-next slot would starve the
 * queue: a run from the slot while tasks wait in the queue counts in a
 * streak (reset when the queue's head is taken), and past a few the
 * slot's task goes to the back instead.  A run with the queue empty
 * keeps nobody waiting and is not counted: W3's ping-pong takes every
 * run from the slot, and a streak counted over all of them had both
 * queues looked at on every run anyway. */
#define NEXT_MAX 3
__attribute__((noinline, cold)) static uintptr_t next_to_back(ac__worker_t *w,
                                                              uintptr_t e) {
  w->streak = 0;
  if (w->sched->locked_queues && ac__runq_len(&w->own))
    own_push(w, e); /* the back of this worker's queue */
  else
    push_or_die(w, e);
  return 0;
}

/* This worker's next task: the run-next slot, then its own queue. */
static inline __attribute__((always_inline)) uintptr_t
local_next(ac__worker_t *w, const bool locked) {
  uintptr_t e = w->next;
  if (e) {
    w->next = 0;
    /* own holds entries only on a stealable queue (own_push) */
    if (AC_LIKELY(!ac__runq_len(&w->q) &&
                  (!locked || !ac__runq_len(&w->own))))
      return e;
    if (++w->streak <= NEXT_MAX)
      return e;
    next_to_back(w, e);
  }
  w->streak = 0;
  return pop_local(w, locked);
}

/* ==== the parked slot (multi-thread workers) ====
 *
 * A task that goes pending gives up RUNNING with a compare-and-swap, and
 * the wake that follows takes it back with another: four per W3 round
 * trip, though both tasks stay on one worker.  So the last task that went
 * pending on a worker stays RUNNING in the worker's `parked` slot, with
 * its entry's reference: a wake from this worker (the common case: the
 * task that runs next answers it) takes it out and queues it with plain
 * stores (waker.c).  A wake from elsewhere finds it RUNNING and only sets
 * NOTIFIED, as for a task being polled; an abort only sets CANCELLED.  The
 * worker looks at both when it releases the slot (ac__task_pending: it
 * requeues a notified task, drops a cancelled one), which it does when
 * the next task parks, every AC__CHECK_INTERVAL polls, before it goes
 * idle, and at shutdown.  So such a wake waits at most that long, or for
 * a poll that blocks its worker, like the run-next slot. */

/* Gives up the parked task: requeued if it was woken or aborted
 * meanwhile and must run (true from ac__task_pending). */
static __attribute__((noinline)) void release_parked(ac__worker_t *w,
                                                     uintptr_t e) {
  if (ac__task_pending((ac_task_t *)e))
    push_or_die(w, e);
}
static inline __attribute__((always_inline)) void park_task(ac__worker_t *w,
                                                           uintptr_t e) {
  uintptr_t prev = w->parked;
  w->parked = e;
  if (prev)
    release_parked(w, prev);
}
/* The slot is emptied (idle, tick, shutdown): the task, if any, that
 * must run now, else 0. */
static uintptr_t unpark_slot(ac__worker_t *w) {
  uintptr_t e = w->parked;
  w->parked = 0;
  return e && ac__task_pending((ac_task_t *)e) ? e : 0;
}

/* The end of an inline run whose poll returned pending without waking its
 * task: a local task goes idle with a plain store (a wake queues it again);
 * vtw is as before the poll, since only this thread writes a local task's
 * bits and a wake of the running task only raised the woken flag.  A
 * multi-thread task goes to the parked slot (above).  True if it must run
 * again (woken meanwhile from elsewhere). */
static inline __attribute__((always_inline)) bool
run_pending(ac__worker_t *w, ac_task_t *t) {
  uintptr_t vtw = __atomic_load_n(&t->vtw, __ATOMIC_RELAXED);
  if (vtw & AC__VT_LOCAL) {
    if (AC_LIKELY(!ac__task_aborted(t))) {
      __atomic_store_n(&t->vtw, vtw & ~(uintptr_t)AC__VT_QUEUED,
                       __ATOMIC_RELAXED);
      return false;
    }
  } else if (AC_LIKELY(!(__atomic_load_n(&t->state, __ATOMIC_RELAXED) &
                         (AC__T_NOTIFIED | AC__T_CANCELLED)))) {
    park_task(w, (uintptr_t)t); /* woken or aborted meanwhile: not here */
    return false;
  }
  return ac__task_pending(t);
}

/* The next entry of the inject queue.  A remote entry of a local task is
 * a wake from elsewhere: its task runs if it is idle, and the entry's
 * reference goes (the runtime's keeps the task until COMPLETE). */
static uintptr_t pop_inject(ac__sched_t *s) {
  for (;;) {
    uintptr_t e = pop_locked(&s->inject);
    if (AC_LIKELY(!(e & REMOTE_ENTRY)))
      return e;
    ac_task_t *t = (ac_task_t *)(e & ~REMOTE_ENTRY);
    uint32_t st = __atomic_fetch_and(&t->state, ~(uint32_t)AC__T_REMOTE,
                                     __ATOMIC_ACQ_REL);
    bool run = !(st & AC__T_COMPLETE) && !ac__task_queued(t);
    if (run)
      ac__task_set_queued(t, true);
    ac__task_unref(t);
    if (run)
      return (uintptr_t)t;
  }
}

/* A task that yielded alone on its worker is polled again at once while
 * nothing else is runnable there, until the tick asks for a look around
 * (W2a); returns the last poll's result.  Out of the run loop: a loop of
 * its own there made gcc keep the poll's arguments in stack slots on
 * every poll of the outer loop (W2b). */
/* What the run loop polls with: one waker and context serve every task
 * (only the waker's task changes), and a buffer takes the output.  After
 * a poll the loop finds them through ac__poll_tls.self, not through a
 * pointer of its own: gcc kept such a pointer in a register across the
 * call and copied it into the argument registers on every poll. */
typedef struct loop_ctx {
  ac_waker_t waker; /* first: ac__poll_tls.self points here */
  ac_context_t cx;
  union {
    max_align_t align;
    char bytes[AC__SMALL_OUT];
  } out;
} loop_ctx_t;
static inline loop_ctx_t *loop_ctx(void) {
  return (loop_ctx_t *)ac__poll_tls.self;
}

typedef struct {
  ac_poll_t r;   /* the last poll's result */
  uint32_t tick; /* the countdown after them */
} repolled_t;
static __attribute__((noinline)) repolled_t
repoll(ac__worker_t *w, ac_task_t *t, uint32_t tick, const bool locked) {
  ac_poll_t (*poll)(void *, ac_context_t *, void *) = ac__task_vt(t)->poll;
  ac_context_t *cx = &loop_ctx()->cx;
  void *out = loop_ctx()->out.bytes;
  ac_poll_t r = AC_POLL_PENDING;
  /* Not once aborted: a task that aborted itself (or was aborted from
   * elsewhere) and yielded is dropped at its next run, not polled again. */
  while (!w->next && !ac__runq_len(&w->q) &&
         (!locked || !ac__runq_len(&w->own)) && AC_LIKELY(tick > 1) &&
         AC_LIKELY(!ac__task_aborted(t))) {
    tick--;
    AC__WOKEN = 0;
    r = poll(t + 1, cx, out);
    if (r != AC_POLL_PENDING || !AC__WOKEN)
      break;
  }
  return (repolled_t){r, tick};
}

/* The run loop, compiled twice: `locked` is a constant in each copy, so
 * the current-thread executor's loop has none of the stealable queue's
 * tests (the notify of an idle worker, own, the locks).
 *
 * Each turn is task.c's ac__task_run with the common cases inline: a task
 * that yields (requeued here: no wake path, no atomic operation) and one
 * that waits.  The rest (woken while queued, aborted, and AC__VT_SLOW: a
 * big output, an aligned future, hooks on) takes the general path.  One
 * waker and context serve every task: only the waker's task changes.
 * After a yield `running` keeps naming the task until the next poll sets
 * it (only the requeue comes between, which wakes nobody); every other
 * way out of a poll clears it first. */
static inline __attribute__((always_inline)) bool
run_loop(ac__worker_t *w, uintptr_t e, const bool locked) {
  ac__sched_t *s = w->sched;
  loop_ctx_t lp; /* the output buffer is written by a ready poll only */
  lp.waker = (ac_waker_t){&ac__task_waker_vtable, NULL};
  lp.cx.waker = &lp.waker;
  /* The countdown of ac__worker_tick, in a register while the loop runs:
   * nothing a poll calls reads it; it goes back to w before the general
   * path (whose repoll counts it) and when the loop ends. */
  uint32_t tick = w->tick;
  /* A leaf polled with this context wakes its task with AC__WOKEN (ac.h);
   * contexts of this loop are the only ones whose waker is here. */
  ac__poll_tls.self = &lp.waker;
  for (;;) {
    /* Work left queued here while this poll runs: if a worker is idle,
     * wake it first, since the poll may take long (or block). */
    if (locked && ac__sched_idle(s) &&
        (ac__runq_len(&w->q) || ac__runq_len(&w->own))) {
      if (ac__runq_len(&w->own))
        publish(w);
      ac__tls.notify = true;
      ac__sched_flush_notify(s);
    }
    ac_task_t *t = (ac_task_t *)e;
    uint32_t st = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
    uintptr_t vtw = __atomic_load_n(&t->vtw, __ATOMIC_RELAXED);
    bool again; /* it keeps RUNNING and the entry */
    uintptr_t n = 0;
    if (AC_UNLIKELY(st & (AC__T_NOTIFIED | AC__T_CANCELLED)) ||
        AC_UNLIKELY(vtw & AC__VT_SLOW)) {
      w->tick = tick;
      again = ac__task_run(t);
      tick = w->tick;
    } else {
      /* vtw's one load serves the test above and the call. */
      ac_poll_t (*poll)(void *, ac_context_t *, void *) =
          ((const ac_future_vtable_t *)(vtw & ~(uintptr_t)AC__VT_BITS))->poll;
      lp.waker.data = t;
      ac__tls.running = t;
      AC__WOKEN = 0;
      ac_poll_t r = poll(t + 1, &lp.cx, lp.out.bytes);
      if (AC_LIKELY(r == AC_POLL_PENDING && AC__WOKEN)) {
        /* A yield with nothing in the run-next slot: with others waiting
         * behind it on the queue nobody steals from (the current-thread
         * queue; own, with q empty, on a stealable one), one rotation of
         * it (W2b).  What requeue() would do, in one look, but for the
         * reset of the run-next streak: left as it is, it only sends a
         * later run-next task to the back sooner (a store a yield). */
        uint32_t len;
        if (!locked) {
          if (AC_LIKELY(!w->next && (len = ac__runq_len(&w->q)) != 0)) {
            n = ac__runq_rotate(&w->q, e, len);
            goto ran;
          }
        } else if (AC_LIKELY(!w->next) && AC_LIKELY(!ac__runq_len(&w->q)) &&
                   AC_LIKELY((len = ac__runq_len(&w->own)) != 0)) {
          n = ac__runq_rotate(&w->own, e, len);
          goto rotated;
        }
        /* Alone on this worker: polled again at once (W2a). */
        repolled_t rp = repoll(w, t, tick, locked);
        r = rp.r;
        tick = rp.tick;
      }
      if (AC_LIKELY(r == AC_POLL_PENDING && AC__WOKEN)) {
        again = true; /* yielded, with others runnable or the tick due */
      } else {
        /* t as a value gcc cannot tie to the one before the poll: else
         * it kept &t->vtw, computed for the test above, in a stack slot
         * for run_pending (a store on every poll). */
        __asm__("" : "+r"(t));
        ac__tls.running = NULL;
        if (r == AC_POLL_READY) {
          ac__task_ready(t, loop_ctx()->out.bytes);
          again = false;
        } else {
          again = run_pending(w, t);
        }
      }
    }
    n = again ? requeue(w, e, locked) : 0;
  ran:
    if (locked) /* only a stealable queue's pushes ask for a notify */
      ac__sched_flush_notify(s);
    /* A yield that rotated own skips that: q was empty after its poll,
     * so whatever the poll pushed there (and asked a notify for) has
     * been stolen, and an idle worker is woken for own before the next
     * poll (the top of the loop).  The flag waits for the next flush. */
  rotated:
    /* Next from here, until the tick asks for a look around: then the
     * next call starts with it (and with n, the queue's head). */
    if (AC_UNLIKELY(--tick == 0)) {
      if (n)
        w->next = n;
      tick = 1;
      break;
    }
    if (!(e = n ? n : local_next(w, locked)))
      break;
  }
  w->tick = tick;
  ac__tls.running = NULL;
  ac__poll_tls.self = NULL;
  return true;
}

bool ac__sched_run(ac__worker_t *w) {
  ac__sched_t *s = w->sched;
  uintptr_t e = 0;
  if (AC_UNLIKELY(ac__worker_tick(w))) {
    maintain(w);
    ac__sched_flush_notify(s);
    /* Yielders wait behind wakes and spawns (q) for this long at most. */
    if (ac__runq_len(&w->own) && ac__runq_len(&w->q) &&
        !__atomic_load_n(&s->nidle, __ATOMIC_RELAXED) &&
        !__atomic_load_n(&s->waking, __ATOMIC_RELAXED))
      reclaim(w);
    if (w->parked && (e = unpark_slot(w)) != 0)
      push_or_die(w, e); /* notified meanwhile: behind what is queued */
    e = pop_inject(s);
  }
  if (!e)
    e = local_next(w, s->locked_queues);
  if (!e)
    e = pop_inject(s);
  if (!e && s->nworkers > 1)
    e = steal(w);
  if (!e && w->parked)
    e = unpark_slot(w); /* about to go idle: no task may wait here */
  if (!e)
    return false;
  return s->locked_queues ? run_loop(w, e, true) : run_loop(w, e, false);
}

bool ac__sched_has_work(ac__sched_t *s) {
  if (ac__runq_len(&s->inject))
    return true;
  for (uint32_t i = 0; i < s->nworkers; i++)
    if (ac__runq_len(&s->workers[i].q))
      return true;
  return false;
}

static void drain_queue(ac__runq_t *q) {
  for (;;) {
    ac__spin_lock(&q->lock);
    uintptr_t e = ac__runq_pop(q);
    ac__spin_unlock(&q->lock);
    if (!e)
      return;
    release_entry(e);
  }
}

/* Shutdown: releases the references held by queued entries. */
void ac__sched_drain(ac__sched_t *s) {
  for (uint32_t i = 0; i < s->nworkers; i++) {
    uintptr_t e = s->workers[i].next;
    s->workers[i].next = 0;
    if (e)
      release_entry(e);
    if ((e = s->workers[i].parked) != 0) {
      s->workers[i].parked = 0;
      release_entry(e);
    }
    ac__worker_t *w = &s->workers[i];
    while ((e = ac__runq_pop(&w->own)) != 0)
      release_entry(e);
    drain_queue(&w->q);
  }
  drain_queue(&s->inject);
}
