/*
 * task.c: a spawned future and its one allocation.
 *
 * Layout: [ac_task_t header, 16 bytes][future][big output slot?], in a
 * slot of the runtime's slab (slab.c), which also tells a task its runtime.  While the
 * future runs, its storage is the future; once it is ready the output is
 * stored over it (the future has been dropped by then), as tokio's task
 * Stage union does.  Outputs above AC__SMALL_OUT bytes get their own slot.
 *
 * The state word (ac_task_t.state), changed only by atomic CAS/RMW; the
 * slot's generation (slab.c) sits beside it, and handle operations read
 * and CAS the two as one 64-bit word (ac_task_t.word):
 *   RUNNING        the task is owned by a run queue entry, by the worker
 *                  polling it, or by a worker's parked slot (sched.c).  The waker that finds a task idle sets it and
 *                  queues the task, so taking a task off a queue to poll it
 *                  costs no atomic operation.
 *   NOTIFIED       woken while RUNNING: poll it once more when this poll ends
 *                  (a wake while it waits in a queue costs one extra poll).
 *   COMPLETE       the future is gone (ready or cancelled); never unset.
 *   CANCELLED      abort() was called; whoever polls next drops the future.
 *   JOIN_INTEREST  the join handle still exists.
 *   JOIN_WAKER     the runtime's join-waiter table (join_wait.c) holds
 *                  the waker of the join awaiting this task.
 *   JOIN_CLAIMED   a join future waits on the handle (see "join handle").
 *   NO_OUTPUT      set with COMPLETE when the future was dropped unfinished.
 *   bits 8..31     reference count.
 * A local task (a current-thread runtime's, internal.h) keeps RUNNING in
 * its vtw's AC__VT_QUEUED, which only its runtime's thread writes, and
 * uses bit 0 of the state word as AC__T_REMOTE instead.
 *
 * Rules:
 *  1. References are held by: the runtime (until COMPLETE; shutdown finds
 *     such tasks by walking the slab), the join handle
 *     (until joined or detached), each queue entry (of a local task: only
 *     a remote entry), each waker clone.  The last one to go frees the
 *     allocation.
 *  2. Only the holder of RUNNING touches the future.  RUNNING is handed
 *     over with the queue entry that carries the task.
 *  3. Only the join that claimed the handle adds or replaces the task's
 *     entry in the join-waiter table, and then sets JOIN_WAKER with a CAS
 *     that fails once COMPLETE is set (the join then takes its entry back
 *     itself).  The completer clears JOIN_WAKER in the CAS that sets
 *     COMPLETE and, if it was set, takes the entry and wakes it; a join
 *     released while JOIN_WAKER is set takes its entry before it gives
 *     its reference up.  Both hold a reference while they look, so the
 *     key (the task's address) cannot be reused by another task then, and
 *     no entry outlives its task.
 *  4. The output is written before COMPLETE is set (release) and read only
 *     after COMPLETE is seen (acquire), by the join handle.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NO_OUTPUT (1u << 6)

static size_t align_up(size_t n, size_t a) { return (n + a - 1) & ~(a - 1); }

static bool big_output(const ac_future_vtable_t *vt) {
  return vt->out_size > AC__SMALL_OUT;
}

void *ac__task_future(ac_task_t *t) {
  return (char *)t + ac__fut_off(ac__task_vt(t));
}

static inline void *task_output(ac_task_t *t, const ac_future_vtable_t *vt) {
  char *fut = (char *)t + ac__fut_off(vt);
  return big_output(vt) ? fut + align_up(vt->size, 16) : fut;
}

void *ac__task_output(ac_task_t *t) { return task_output(t, ac__task_vt(t)); }

size_t ac_task_header_size(void) { return sizeof(ac_task_t); }

/* Fills the new task t (its slot taken) and queues it; NULL (t freed,
 * ENOMEM) if no run queue could take it.  `home`: the calling thread is
 * w, a worker of s; `bits`: AC__VT_SLOW or 0. */
static inline __attribute__((always_inline)) ac_task_t *
task_start(ac__sched_t *s, ac__worker_t *w, bool home, ac_task_t *t,
           const ac_future_vtable_t *vt, const void *fut, uintptr_t bits) {
  /* Three references: the runtime, the join handle, the run queue; a
   * local task queued by its own thread, the first two (internal.h).
   * Atomic: a stale handle may read the word meanwhile (the generation
   * beside it is the slab's). */
  uint32_t st = 3 * AC__T_REF_ONE | AC__T_RUNNING | AC__T_JOIN_INTEREST;
  if (s->flavor == AC_RT_CURRENT_THREAD) {
    bits |= AC__VT_LOCAL;
    if (home) {
      st = 2 * AC__T_REF_ONE | AC__T_JOIN_INTEREST;
      bits |= AC__VT_QUEUED;
    } else {
      st = 3 * AC__T_REF_ONE | AC__T_REMOTE | AC__T_JOIN_INTEREST;
    }
  }
  __atomic_store_n(&t->state, st, __ATOMIC_RELAXED);
  __atomic_store_n(&t->vtw, (uintptr_t)vt | bits, __ATOMIC_RELAXED);
  ac__copy_small((char *)t + ac__fut_off(vt), fut, vt->size);
  if (home && !s->locked_queues) {
    /* A worker whose queue nobody steals from spawns (W1): what
     * sched.c's enqueue does then, without its calls: the free run-next
     * slot if a task is running, else the queue (no lock, no notify). */
    if (!w->next && ac__tls.running) {
      w->next = (uintptr_t)t;
      return t;
    }
    if (AC_LIKELY(ac__runq_push(&w->q, (uintptr_t)t) == 0))
      return t;
  }
  if (AC_UNLIKELY(ac__sched_spawn(s, t) != 0)) {
    /* No run queue could grow to take it: the spawn fails (the future is
     * still the caller's, never started) instead of aborting. */
    ac__slab_count_finished(s);
    ac__slab_free(t);
    errno = ENOMEM;
    return NULL;
  }
  return t;
}

/* Every case: any thread, any future. */
__attribute__((noinline)) ac_task_t *
ac__task_new(ac__sched_t *s, const ac_future_vtable_t *vt, const void *fut) {
  size_t body = big_output(vt) ? align_up(vt->size, 16) + vt->out_size
                : vt->size > vt->out_size ? vt->size : vt->out_size;
  size_t total = ac__fut_off(vt) + body;
  ac_task_t *t = ac__slab_alloc(s, total, vt->align);
  if (!t)
    return NULL;
  uintptr_t bits = big_output(vt) || ac__fut_off(vt) != sizeof(ac_task_t) ||
                           ac__hooks
                       ? AC__VT_SLOW
                       : 0;
  ac__worker_t *w = ac__tls.worker;
  return task_start(s, w, w && w->sched == s, t, vt, fut, bits);
}

/* The spawn of a task on its runtime's worker thread (every spawn of a
 * task's poll) of a future with the header's alignment, a small output
 * and a slot in its heap's free list or chunk (W1): one function, no
 * call but the queue's growth; NULL where ac__task_new must do it. */
static inline __attribute__((always_inline)) ac_task_t *
task_new_here(ac__sched_t *s, ac__worker_t *w, const ac_future_vtable_t *vt,
              const void *fut) {
  size_t size = vt->size, out = vt->out_size;
  size_t body = size > out ? size : out;
  if (AC_UNLIKELY(out > AC__SMALL_OUT || vt->align > sizeof(ac_task_t) ||
                  body > AC__SLAB_MAX - sizeof(ac_task_t)))
    return NULL;
  size_t total = sizeof(ac_task_t) + body;
  ac_task_t *t =
      ac__slab_take(w->heap, ac__slab_class_of(total, vt->align), total);
  if (AC_UNLIKELY(!t))
    return NULL;
  return task_start(s, w, true, t, vt, fut, ac__hooks ? AC__VT_SLOW : 0);
}

ac_task_t *ac_runtime_spawn(ac_runtime_t *rt, const ac_future_vtable_t *vt,
                            const void *fut) {
  if (!rt || rt->is_shutdown || !vt) {
    errno = EINVAL;
    return NULL;
  }
  ac_task_t *t = ac__task_new(&rt->sched, vt, fut);
  return t ? ac__task_handle(t) : NULL;
}

ac_task_t *ac_spawn_raw(const ac_future_vtable_t *vt, const void *fut) {
  ac__sched_t *s = ac__tls.sched;
  ac__worker_t *w = ac__tls.worker;
  if (AC_LIKELY(w && w->sched == s && vt && !s->rt->is_shutdown)) {
    ac_task_t *t = task_new_here(s, w, vt, fut);
    if (AC_LIKELY(t))
      return ac__task_handle(t);
    /* ENOMEM from the queue lands here too: the general path tries once
     * more (a slot, the queues), and fails the same way. */
  }
  return s ? ac_runtime_spawn(s->rt, vt, fut) : NULL;
}

/* The last reference went: the slot goes back (inline when this thread
 * owns its heap: the join of a task finished here, W1). */
static inline void dealloc(ac_task_t *t) {
  if (!ac__slab_free_here(t))
    ac__slab_free(t);
}

static void unref_n(ac_task_t *t, uint32_t n) {
  uint32_t prev = __atomic_fetch_sub(&t->state, n * AC__T_REF_ONE,
                                     __ATOMIC_ACQ_REL);
  if (AC__T_REFS(prev) == n)
    dealloc(t);
}

void ac__task_unref(ac_task_t *t) { unref_n(t, 1); }

void ac__task_unref_last(ac_task_t *t) { dealloc(t); }

/* A completion that found a waiting join (rule 3): its entry is taken
 * and woken, then the completer's n references go.  Out of line: the
 * common completion then keeps fewer registers. */
__attribute__((noinline)) static void complete_waiting(ac_task_t *t,
                                                       uint32_t n) {
  ac_waker_t w;
  if (ac__joinw_take(&ac__task_sched(t)->joinw, t, &w))
    ac_waker_wake(w); /* the runtime's reference is still ours */
  unref_n(t, n);
}

/* The future is gone (dropped after ready, or cancelled): publish COMPLETE,
 * wake the joiner, release the runtime's and the caller's references (a
 * local task's caller, its queue entry, holds none). */
static inline __attribute__((always_inline)) void complete(ac_task_t *t,
                                                         bool no_output) {
  ac__slab_count_finished(ac__task_sched(t));
  uint32_t n = ac__task_local(t) ? 1 : 2; /* the references we give up */
  uint32_t st = __atomic_load_n(&t->state, __ATOMIC_RELAXED), nw;
  do {
    nw = (st & ~(AC__T_RUNNING | AC__T_NOTIFIED | AC__T_JOIN_WAKER)) |
         AC__T_COMPLETE;
    if (no_output)
      nw |= NO_OUTPUT;
    /* Without a join to wake, the references go in the same step: one
     * atomic operation per completion, not two (W1). */
    if (AC_LIKELY(!(st & AC__T_JOIN_WAKER)))
      nw -= n * AC__T_REF_ONE;
  } while (!__atomic_compare_exchange_n(&t->state, &st, nw, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  if (AC_UNLIKELY(st & AC__T_JOIN_WAKER))
    complete_waiting(t, n);
  else if (AC__T_REFS(nw) == 0)
    dealloc(t);
}

static void cancel(ac_task_t *t) {
  ac__task_vt(t)->drop(ac__task_future(t));
  memset(ac__task_output(t), 0, ac__task_vt(t)->out_size);
  complete(t, true);
}

/* Polls the future; a lone task that woke itself (yield) is polled again
 * right here when nothing else is runnable: no queue traffic, no
 * atomics.  Inlined twice, with and without the hooks. */
static inline __attribute__((always_inline)) ac_poll_t
poll_loop(ac_task_t *t, void *fut, ac_context_t *cx, void *out, bool hooked) {
  const ac_future_vtable_t *vt = ac__task_vt(t);
  for (;;) {
    AC__WOKEN = 0;
    ac_poll_t r = hooked ? ac__hook_poll(t, fut, cx, out)
                         : vt->poll(fut, cx, out);
    if (r == AC_POLL_READY || !AC__WOKEN || !ac__sched_may_repoll(t) ||
        ac__task_aborted(t))
      return r; /* an aborted task's next poll is its drop (run again) */
  }
}

/* The future returned ready with its output in `out` (a small output) or
 * in its own slot (a big one): drop it, store the output, complete. */
void ac__task_ready(ac_task_t *t, const void *out) {
  const ac_future_vtable_t *vt = ac__task_vt(t);
  void *fut = (char *)t + ac__fut_off(vt); /* one load of the vtable word */
  vt->drop(fut);
  if (!big_output(vt))
    ac__copy_small(fut, out, vt->out_size);
  complete(t, false);
}

/* The future returned pending without waking itself: give up RUNNING and
 * the entry's reference, unless a wake came meanwhile (then true: run it
 * again) or an abort (then drop it now). */
bool ac__task_pending(ac_task_t *t) {
  uint32_t st = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE), nw;
  if (ac__task_local(t)) { /* a wake from elsewhere comes as a new entry */
    if (AC_UNLIKELY(st & AC__T_CANCELLED))
      cancel(t); /* still QUEUED: a wake during the drop queues nothing */
    else
      ac__task_set_queued(t, false);
    return false;
  }
  do {
    if (st & AC__T_CANCELLED) {
      cancel(t);
      return false;
    }
    nw = (st & AC__T_NOTIFIED) ? st & ~AC__T_NOTIFIED
                               : (st & ~AC__T_RUNNING) - AC__T_REF_ONE;
  } while (!__atomic_compare_exchange_n(&t->state, &st, nw, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  return (st & AC__T_NOTIFIED) != 0; /* woken while running */
}

/* Poll once, every case (sched.c's run_task inlines the common ones).
 * The caller hands over its queue entry: RUNNING and one reference.
 * Returns true if the task must run again (it woke itself, or was woken
 * while running): it then still holds both, and the caller requeues it or
 * polls it again at once. */
bool ac__task_run(ac_task_t *t) {
  uint32_t st = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
  if (AC_UNLIKELY(st & AC__T_NOTIFIED)) /* woken while queued: seen now */
    st = __atomic_and_fetch(&t->state, ~AC__T_NOTIFIED, __ATOMIC_ACQ_REL);
  if (st & AC__T_CANCELLED) {
    cancel(t);
    return false;
  }
  const ac_future_vtable_t *vt = ac__task_vt(t);
  union {
    max_align_t align;
    char bytes[AC__SMALL_OUT];
  } small;
  void *fut = ac__task_future(t);
  void *out = big_output(vt) ? ac__task_output(t) : small.bytes;
  ac_waker_t waker = {&ac__task_waker_vtable, t};
  ac_context_t cx = {&waker};
  /* The run loop calling us has its own waker there (sched.c). */
  const ac_waker_t *outer = ac__poll_tls.self;
  ac__poll_tls.self = &waker;
  ac__tls.running = t;
  /* The hooks (trace.c) are tested once per run, not once per repoll of a
     yielding task: each call below is its own copy of the loop. */
  ac_poll_t r = AC_UNLIKELY(ac__hooks) ? poll_loop(t, fut, &cx, out, true)
                                       : poll_loop(t, fut, &cx, out, false);
  ac__tls.running = NULL;
  ac__poll_tls.self = outer;
  if (r == AC_POLL_READY) {
    ac__task_ready(t, out);
    return false;
  }
  if (AC__WOKEN)
    return true; /* it woke itself (yield): the state word is untouched */
  return ac__task_pending(t);
}

/* Runtime shutdown: drop the future in whatever state it is in.  Workers
 * are stopped, so nobody else polls; RUNNING keeps wakes from queueing it. */
void ac__task_shutdown(ac_task_t *t) {
  if (ac__task_local(t)) {
    ac__task_set_queued(t, true);
  } else {
    __atomic_fetch_or(&t->state, AC__T_RUNNING, __ATOMIC_ACQ_REL);
    __atomic_fetch_add(&t->state, AC__T_REF_ONE, __ATOMIC_RELAXED);
  }
  cancel(t);
}

static void shutdown_slot(void *slot) {
  ac_task_t *t = slot;
  if (!(__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) & AC__T_COMPLETE))
    ac__task_shutdown(t);
}

/* Drops every task that has not finished (workers stopped): a sleeping
 * task, or one waiting on a channel whose sender is another such task.
 * Their wakers sit in timers and channels their own frames own, a cycle
 * no reference count breaks. */
void ac__sched_shutdown_tasks(ac__sched_t *s) {
  ac__slab_for_each(s, shutdown_slot);
}

/* ==== join handle ====
 *
 * A handle carries its task's generation (handle.c).  Every operation on
 * one reads the state and the generation as one 64-bit word: a handle
 * whose generation moved on (the task was freed), or whose task no longer
 * has JOIN_INTEREST (the handle was consumed), is a misuse, reported
 * without touching the task.  The operations that consume the handle do so
 * with a 64-bit CAS that checks both, so two threads consuming one handle
 * cannot both succeed.  A join future claims the handle (JOIN_CLAIMED) the
 * first time it waits, so a second join of the same handle is told apart
 * from the first one being polled again; a join that finds the task
 * complete needs no claim: its release is the check.
 */

enum { J_FRESH, J_CLAIMED, J_DONE, J_BAD };

#define W_STATE(w) ((uint32_t)(w))
#define W_GEN(w) ((uint32_t)((w) >> 32))


static bool live(uint64_t w, uint32_t gen) {
  return W_GEN(w) == gen && (W_STATE(w) & AC__T_JOIN_INTEREST);
}

static int stale(const char *op) {
  static const char tail[] =
      ": the task handle was already joined or detached, or its runtime "
      "was freed";
  char what[160];
  size_t n = strlen(op);
  if (n > sizeof what - sizeof tail)
    n = sizeof what - sizeof tail;
  memcpy(what, op, n);
  memcpy(what + n, tail, sizeof tail);
  return ac__misuse(-EBADF, what);
}

/* Gives up the handle's reference and its interest in the output, if the
 * handle still names the task: 0, or -EBADF.  `claimed`: the caller is
 * the join future that claimed the handle (others must not release a
 * claimed one). */
__attribute__((noinline)) static int release_handle(ac_task_t *t, uint32_t gen,
                                                    bool claimed,
                                                    const char *op) {
  uint64_t w = __atomic_load_n(&t->word, __ATOMIC_RELAXED), nw;
  if (claimed && live(w, gen) && (W_STATE(w) & AC__T_JOIN_WAKER)) {
    /* A waiting join goes: its entry first, while our reference keeps
     * the task (rule 3).  The completer may take it meanwhile. */
    ac_waker_t old;
    if (ac__joinw_take(&ac__task_sched(t)->joinw, t, &old))
      ac_waker_drop(old);
  }
  do {
    if (!live(w, gen))
      return stale(op);
    if ((W_STATE(w) & AC__T_JOIN_CLAIMED) && !claimed)
      return ac__misuse(-EINVAL, "a task handle awaited by a join was "
                                 "joined again or detached");
    nw = w - AC__T_REF_ONE;
    nw &= ~(uint64_t)(AC__T_JOIN_INTEREST | AC__T_JOIN_CLAIMED |
                      AC__T_JOIN_WAKER);
  } while (!__atomic_compare_exchange_n(&t->word, &w, nw, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  if (AC__T_REFS(W_STATE(w)) == 1)
    dealloc(t);
  return 0;
}

/* Ready at once with an error (the output is not written). */
static ac_poll_t join_fail(ac_join_t *j, int err) {
  j->status = err;
  j->phase = J_BAD;
  j->task = NULL;
  return AC_POLL_READY;
}

static ac_poll_t join_done(ac_join_t *j, uint32_t st) {
  j->status = (st & NO_OUTPUT) ? AC_ECANCELED : 0;
  j->phase = J_DONE;
  j->task = NULL;
  return AC_POLL_READY;
}

static ac_poll_t join_ready(ac_join_t *j, ac_task_t *t, uint32_t gen,
                            uint32_t st, void *out) {
  if (out && ac__task_vt(t)->out_size)
    memcpy(out, ac__task_output(t), ac__task_vt(t)->out_size);
  int rc = release_handle(t, gen, j->phase == J_CLAIMED, "join");
  if (rc != 0) /* another thread consumed the handle meanwhile */
    return join_fail(j, rc);
  return join_done(j, st);
}

/* The first wait of a join: claim the handle.  Returns the state word
 * (COMPLETE may be set by now), or 0 after a misuse (j failed). */
static uint64_t join_claim(ac_join_t *j, ac_task_t *t, uint32_t gen,
                           uint64_t w) {
  do {
    if (!live(w, gen))
      return join_fail(j, stale("join")), 0;
    if (W_STATE(w) & AC__T_JOIN_CLAIMED)
      return join_fail(j, ac__misuse(-EINVAL, "a task handle joined twice: "
                                              "another join awaits it")),
             0;
    if (W_STATE(w) & AC__T_COMPLETE)
      return w;
  } while (!__atomic_compare_exchange_n(&t->word, &w,
                                        w | AC__T_JOIN_CLAIMED, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
  j->phase = J_CLAIMED;
  return w | AC__T_JOIN_CLAIMED;
}

/* A join with no task to look at: made from NULL, or done already. */
__attribute__((cold, noinline)) static ac_poll_t join_unusable(ac_join_t *j) {
  if (j->phase == J_BAD)
    return AC_POLL_READY; /* its error is in status already */
  if (j->phase == J_DONE)
    return join_fail(j, ac__misuse(-EINVAL, "a join polled again after it "
                                            "completed"));
  return join_fail(j, ac__misuse(-EINVAL, "a join of a NULL task handle (a "
                                          "spawn that failed?)"));
}

static ac_poll_t join_wait(ac_join_t *j, ac_context_t *cx, void *out,
                           ac_task_t *t, uint32_t gen, uint64_t w);

/* The common case inline: the task is complete and this join, which has
 * not waited, takes the output.  One load and one CAS, as before handles
 * were checked. */
ac_poll_t ac_join_poll(ac_join_t *j, ac_context_t *cx, void *out) {
  ac_task_t *t = ac__handle_addr(j->task);
  if (AC_UNLIKELY(!t || j->phase >= J_DONE))
    return join_unusable(j);
  uint32_t gen = ac__handle_gen(j->task);
  uint64_t w = __atomic_load_n(&t->word, __ATOMIC_ACQUIRE);
  uint32_t st = W_STATE(w);
  const uint32_t mask =
      AC__T_JOIN_INTEREST | AC__T_COMPLETE | AC__T_JOIN_CLAIMED;
  if (AC_LIKELY(W_GEN(w) == gen &&
                (st & mask) == (AC__T_JOIN_INTEREST | AC__T_COMPLETE))) {
    const ac_future_vtable_t *vt = ac__task_vt(t);
    if (out && vt->out_size)
      ac__copy_small(out, task_output(t, vt), vt->out_size);
    uint64_t nw = (w - AC__T_REF_ONE) & ~(uint64_t)AC__T_JOIN_INTEREST;
    if (AC_UNLIKELY(!__atomic_compare_exchange_n(&t->word, &w, nw, false,
                                                 __ATOMIC_ACQ_REL,
                                                 __ATOMIC_RELAXED))) {
      /* A reference came or went meanwhile: the checked way. */
      int rc = release_handle(t, gen, false, "join");
      return rc ? join_fail(j, rc) : join_done(j, st);
    }
    join_done(j, st);
    if (AC__T_REFS(st) == 1) /* last: nothing of j or st is live after */
      dealloc(t);
    return AC_POLL_READY;
  }
  return join_wait(j, cx, out, t, gen, w);
}

__attribute__((noinline)) static ac_poll_t
join_wait(ac_join_t *j, ac_context_t *cx, void *out, ac_task_t *t,
          uint32_t gen, uint64_t w) {
  if (AC_UNLIKELY(!live(w, gen)))
    return join_fail(j, stale("join"));
  if (AC_UNLIKELY((W_STATE(w) & AC__T_JOIN_CLAIMED) &&
                  j->phase != J_CLAIMED))
    return join_fail(j, ac__misuse(-EINVAL, "a task handle joined twice: "
                                            "another join awaits it"));
  if (W_STATE(w) & AC__T_COMPLETE)
    return join_ready(j, t, gen, W_STATE(w), out);
  if (j->phase == J_FRESH) {
    if (!(w = join_claim(j, t, gen, w)))
      return AC_POLL_READY;
    if (W_STATE(w) & AC__T_COMPLETE)
      return join_ready(j, t, gen, W_STATE(w), out);
  }
  /* Claimed: the handle's reference keeps the task (and its generation)
   * until this join releases it; the state word alone will do. */
  uint32_t st = W_STATE(w);
  ac__joinw_t *jw = &ac__task_sched(t)->joinw;
  if (st & AC__T_JOIN_WAKER) {
    /* Waiting already (rule 3): the entry wakes cx's waker from now on,
     * unless the completer took it, which it does after COMPLETE. */
    if (ac__joinw_refresh(jw, t, cx->waker))
      return AC_POLL_PENDING;
    st = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
    return join_ready(j, t, gen, st, out);
  }
  if (AC_UNLIKELY(ac__joinw_put(jw, t, cx->waker) != 0)) {
    ac_waker_wake_by_ref(cx->waker); /* no memory for the entry: look */
    return AC_POLL_PENDING;          /* again at the next poll */
  }
  do {
    if (st & AC__T_COMPLETE) { /* finished meanwhile: the entry is ours */
      ac_waker_t old;
      if (ac__joinw_take(jw, t, &old))
        ac_waker_drop(old);
      return join_ready(j, t, gen, st, out);
    }
  } while (!__atomic_compare_exchange_n(&t->state, &st,
                                        st | AC__T_JOIN_WAKER, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
  return AC_POLL_PENDING;
}

/* Dropped before it completed: the task runs on detached. */
void ac_join_drop(ac_join_t *j) {
  if (j->phase < J_DONE && j->task)
    (void)release_handle(ac__handle_addr(j->task), ac__handle_gen(j->task),
                         j->phase == J_CLAIMED, "drop of a join");
  j->task = NULL;
  j->phase = J_DONE;
}

const ac_future_vtable_t ac_join_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_join_poll,
    (void (*)(void *))ac_join_drop, sizeof(ac_join_t), _Alignof(ac_join_t), 0,
    "ac_join"};

int ac_task_detach(ac_task_t *h) {
  if (!h)
    return ac__misuse(-EINVAL, "ac_task_detach of a NULL task handle");
  return release_handle(ac__handle_addr(h), ac__handle_gen(h), false,
                        "ac_task_detach");
}

int ac_task_is_finished(const ac_task_t *h) {
  if (!h)
    return ac__misuse(-EINVAL, "ac_task_is_finished of a NULL task handle");
  ac_task_t *t = ac__handle_addr(h);
  uint64_t w = __atomic_load_n(&t->word, __ATOMIC_ACQUIRE);
  if (!live(w, ac__handle_gen(h)))
    return stale("ac_task_is_finished");
  return (W_STATE(w) & AC__T_COMPLETE) != 0;
}

int ac_task_abort(ac_task_t *h) {
  if (!h)
    return ac__misuse(-EINVAL, "ac_task_abort of a NULL task handle");
  ac_task_t *t = ac__handle_addr(h);
  uint32_t gen = ac__handle_gen(h);
  uint64_t w = __atomic_load_n(&t->word, __ATOMIC_RELAXED), nw;
  bool local;
  do {
    if (!live(w, gen))
      return stale("ac_task_abort");
    /* From the runtime, live while the handle is: a stale handle's slot
     * may be free, its vtw a free-list link. */
    local = ac__task_sched(t)->flavor == AC_RT_CURRENT_THREAD;
    if (W_STATE(w) & (AC__T_COMPLETE | AC__T_CANCELLED))
      return 0;
    nw = w | AC__T_CANCELLED;
    if (!local && !(W_STATE(w) & AC__T_RUNNING))
      nw += AC__T_RUNNING + AC__T_REF_ONE; /* idle: queue it to cancel */
  } while (!__atomic_compare_exchange_n(&t->word, &w, nw, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  if (local) /* a wake queues it (internal.h); its next run drops it */
    ac__task_wake_by_ref(t);
  else if (!(W_STATE(w) & AC__T_RUNNING))
    ac__sched_schedule(ac__task_sched(t), t);
  return 0;
}

/* Runtime free: the handles nobody consumed stop naming their tasks (a
 * later join, detach or abort reports it), and give their references
 * back, so the chunks can go back to the pool. */
static void orphan_slot(void *slot) {
  ac_task_t *t = slot;
  uint64_t w = __atomic_load_n(&t->word, __ATOMIC_RELAXED);
  if (W_STATE(w) & AC__T_JOIN_INTEREST)
    (void)release_handle(t, W_GEN(w), true, "runtime free");
}

void ac__sched_orphan_handles(ac__sched_t *s) {
  ac__slab_for_each(s, orphan_slot);
}

void ac_frame_alloc_failed(const char *name) {
  static const char pre[] = "acc: out of memory for the frame of ";
  ssize_t rc = write(2, pre, sizeof pre - 1);
  rc = write(2, name, strlen(name));
  rc = write(2, "\n", 1);
  (void)rc;
  abort();
}
