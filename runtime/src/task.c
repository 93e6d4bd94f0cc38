/*
 * task.c: a spawned future and its one allocation.
 *
 * Layout: [ac_task_t header, 32 bytes][future][big output slot?], in a
 * slot of the runtime's slab (slab.c), which also tells a task its runtime.  While the
 * future runs, its storage is the future; once it is ready the output is
 * stored over it (the future has been dropped by then), as tokio's task
 * Stage union does.  Outputs above AC__SMALL_OUT bytes get their own slot.
 *
 * The state word (ac_task_t.state), changed only by atomic CAS/RMW:
 *   RUNNING        the task is owned by a run queue entry or by the worker
 *                  polling it.  The waker that finds a task idle sets it and
 *                  queues the task, so taking a task off a queue to poll it
 *                  costs no atomic operation.
 *   NOTIFIED       woken while RUNNING: poll it once more when this poll ends
 *                  (a wake while it waits in a queue costs one extra poll).
 *   COMPLETE       the future is gone (ready or cancelled); never unset.
 *   CANCELLED      abort() was called; whoever polls next drops the future.
 *   JOIN_INTEREST  the join handle still exists.
 *   JOIN_WAKER     join_waker holds the awaiting joiner's waker.
 *   NO_OUTPUT      set with COMPLETE when the future was dropped unfinished.
 *   bits 8..31     reference count.
 *
 * Rules:
 *  1. References are held by: the runtime (until COMPLETE; shutdown finds
 *     such tasks by walking the slab), the join handle
 *     (until joined or detached), each queue entry, each waker clone.  The
 *     last one to go frees the allocation.
 *  2. Only the holder of RUNNING touches the future.  RUNNING is handed
 *     over with the queue entry that carries the task.
 *  3. join_waker belongs to the joiner while JOIN_WAKER is clear, and is read
 *     only by the completer while it is set.  The joiner sets the bit with a
 *     CAS that fails once COMPLETE is set, so exactly one side sees the
 *     other.  A waker left in the slot is dropped when the task is freed.
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

static size_t fut_offset(const ac_future_vtable_t *vt) {
  size_t a = vt->align < 8 ? 8 : vt->align;
  return align_up(sizeof(ac_task_t), a);
}

static bool big_output(const ac_future_vtable_t *vt) {
  return vt->out_size > AC__SMALL_OUT;
}

void *ac__task_future(ac_task_t *t) { return (char *)t + t->fut_off; }

void *ac__task_output(ac_task_t *t) {
  char *fut = ac__task_future(t);
  return big_output(t->vt) ? fut + align_up(t->vt->size, 16) : fut;
}

size_t ac_task_header_size(void) { return sizeof(ac_task_t); }

ac_task_t *ac__task_new(ac__sched_t *s, const ac_future_vtable_t *vt,
                        const void *fut) {
  size_t body = big_output(vt) ? align_up(vt->size, 16) + vt->out_size
                : vt->size > vt->out_size ? vt->size : vt->out_size;
  size_t total = fut_offset(vt) + body;
  ac_task_t *t = ac__slab_alloc(s, total, vt->align);
  if (!t)
    return NULL;
  /* Three references: the runtime, the join handle, the run queue. */
  t->state = 3 * AC__T_REF_ONE | AC__T_RUNNING | AC__T_JOIN_INTEREST;
  t->vt = vt;
  t->fut_off = (uint32_t)fut_offset(vt);
  t->join_waker.vtable = NULL;
  t->join_waker.data = NULL;
  memcpy(ac__task_future(t), fut, vt->size);
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

static void dealloc(ac_task_t *t) {
  if (t->join_waker.vtable)
    ac_waker_drop(t->join_waker);
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

/* The future is gone (dropped after ready, or cancelled): publish COMPLETE,
 * wake the joiner, release the runtime's and the caller's references. */
static void complete(ac_task_t *t, bool no_output) {
  ac__slab_count_finished(ac__task_sched(t));
  uint32_t st = __atomic_load_n(&t->state, __ATOMIC_RELAXED), nw;
  do {
    nw = (st & ~(AC__T_RUNNING | AC__T_NOTIFIED)) | AC__T_COMPLETE;
    if (no_output)
      nw |= NO_OUTPUT;
  } while (!__atomic_compare_exchange_n(&t->state, &st, nw, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  if ((st & AC__T_JOIN_INTEREST) && (st & AC__T_JOIN_WAKER))
    ac_waker_wake_by_ref(&t->join_waker);
  unref_n(t, 2);
}

static void cancel(ac_task_t *t) {
  t->vt->drop(ac__task_future(t));
  memset(ac__task_output(t), 0, t->vt->out_size);
  complete(t, true);
}

/* Polls the future; a lone task that woke itself (yield) is polled again
 * right here when nothing else is runnable: no queue traffic, no
 * atomics.  Inlined twice, with and without the hooks. */
static inline __attribute__((always_inline)) ac_poll_t
poll_loop(ac_task_t *t, void *fut, ac_context_t *cx, void *out, bool hooked) {
  const ac_future_vtable_t *vt = t->vt;
  for (;;) {
    ac__tls.rewake = false;
    ac_poll_t r = hooked ? ac__hook_poll(t, fut, cx, out)
                         : vt->poll(fut, cx, out);
    if (r == AC_POLL_READY || !ac__tls.rewake || !ac__sched_may_repoll(t))
      return r;
  }
}

/* Poll once.  The caller hands over its queue entry: RUNNING and one
 * reference.  Returns true if the task must run again (it woke itself, or
 * was woken while running): it then still holds both, and the caller
 * requeues it or polls it again at once. */
bool ac__task_run(ac_task_t *t) {
  uint32_t st = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
  if (AC_UNLIKELY(st & AC__T_NOTIFIED)) /* woken while queued: seen now */
    st = __atomic_and_fetch(&t->state, ~AC__T_NOTIFIED, __ATOMIC_ACQ_REL);
  if (st & AC__T_CANCELLED) {
    cancel(t);
    return false;
  }
  const ac_future_vtable_t *vt = t->vt;
  union {
    max_align_t align;
    char bytes[AC__SMALL_OUT];
  } small;
  void *fut = ac__task_future(t);
  void *out = big_output(vt) ? ac__task_output(t) : small.bytes;
  ac_waker_t waker = {&ac__task_waker_vtable, t};
  ac_context_t cx = {&waker};
  ac__tls.running = t;
  /* The hooks (trace.c) are tested once per run, not once per repoll of a
     yielding task: each call below is its own copy of the loop. */
  ac_poll_t r = AC_UNLIKELY(ac__hooks) ? poll_loop(t, fut, &cx, out, true)
                                       : poll_loop(t, fut, &cx, out, false);
  ac__tls.running = NULL;
  if (r == AC_POLL_READY) {
    vt->drop(fut);
    if (!big_output(vt))
      memcpy(fut, small.bytes, vt->out_size);
    complete(t, false);
    return false;
  }
  if (ac__tls.rewake)
    return true; /* it woke itself (yield): the state word is untouched */
  st = __atomic_load_n(&t->state, __ATOMIC_RELAXED);
  uint32_t nw;
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

/* Runtime shutdown: drop the future in whatever state it is in.  Workers
 * are stopped, so nobody else polls; RUNNING keeps wakes from queueing it. */
void ac__task_shutdown(ac_task_t *t) {
  __atomic_fetch_or(&t->state, AC__T_RUNNING, __ATOMIC_ACQ_REL);
  __atomic_fetch_add(&t->state, AC__T_REF_ONE, __ATOMIC_RELAXED);
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

/* ==== join handle ==== */

ac_join_t ac_task_join(ac_task_t *t) { return (ac_join_t){t, 0}; }

/* Gives up the handle's reference and its interest in the output. */
static void release_handle(ac_task_t *t) {
  uint32_t st = __atomic_load_n(&t->state, __ATOMIC_RELAXED), nw;
  do {
    nw = (st & ~AC__T_JOIN_INTEREST) - AC__T_REF_ONE;
  } while (!__atomic_compare_exchange_n(&t->state, &st, nw, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  if (AC__T_REFS(st) == 1)
    dealloc(t);
}

static ac_poll_t join_ready(ac_join_t *j, uint32_t st, void *out) {
  ac_task_t *t = j->task;
  if (st & NO_OUTPUT)
    j->status = AC_ECANCELED;
  if (out && t->vt->out_size)
    memcpy(out, ac__task_output(t), t->vt->out_size);
  release_handle(t);
  j->task = NULL;
  return AC_POLL_READY;
}

ac_poll_t ac_join_poll(ac_join_t *j, ac_context_t *cx, void *out) {
  ac_task_t *t = j->task;
  uint32_t st = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
  if (st & AC__T_COMPLETE)
    return join_ready(j, st, out);
  if (st & AC__T_JOIN_WAKER) {
    if (ac_waker_will_wake(&t->join_waker, cx->waker))
      return AC_POLL_PENDING;
    /* Take the slot back (rule 3) to replace the waker. */
    do {
      if (st & AC__T_COMPLETE)
        return join_ready(j, st, out);
    } while (!__atomic_compare_exchange_n(&t->state, &st,
                                          st & ~AC__T_JOIN_WAKER, true,
                                          __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
  }
  if (t->join_waker.vtable)
    ac_waker_drop(t->join_waker);
  t->join_waker = ac_waker_clone(cx->waker);
  do {
    if (st & AC__T_COMPLETE)
      return join_ready(j, st, out);
  } while (!__atomic_compare_exchange_n(&t->state, &st,
                                        st | AC__T_JOIN_WAKER, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
  return AC_POLL_PENDING;
}

void ac_join_drop(ac_join_t *j) {
  if (j->task)
    release_handle(j->task);
  j->task = NULL;
}

const ac_future_vtable_t ac_join_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_join_poll,
    (void (*)(void *))ac_join_drop, sizeof(ac_join_t), _Alignof(ac_join_t), 0,
    "ac_join"};

void ac_task_detach(ac_task_t *t) { release_handle(t); }

int ac_task_is_finished(const ac_task_t *t) {
  return (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) & AC__T_COMPLETE) != 0;
}

void ac_task_abort(ac_task_t *t) {
  uint32_t st = __atomic_load_n(&t->state, __ATOMIC_RELAXED), nw;
  do {
    if (st & (AC__T_COMPLETE | AC__T_CANCELLED))
      return;
    nw = st | AC__T_CANCELLED;
    if (!(st & AC__T_RUNNING))
      nw += AC__T_RUNNING + AC__T_REF_ONE; /* idle: queue it to cancel */
  } while (!__atomic_compare_exchange_n(&t->state, &st, nw, true,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  if (!(st & AC__T_RUNNING))
    ac__sched_schedule(ac__task_sched(t), t);
}

void ac_frame_alloc_failed(const char *name) {
  static const char pre[] = "acc: out of memory for the frame of ";
  ssize_t rc = write(2, pre, sizeof pre - 1);
  rc = write(2, name, strlen(name));
  rc = write(2, "\n", 1);
  (void)rc;
  abort();
}
