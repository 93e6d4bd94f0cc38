/*
 * ac.h: the one public header of libacrt, the acc runtime.
 *
 * Generated state machines and hand-written leaf futures share one ABI,
 * described here and in docs/runtime.md:
 *
 *   ac_poll_t NAME_poll(NAME_t *self, ac_context_t *cx, OUT *out);
 *   void      NAME_drop(NAME_t *self);
 *
 * poll returns AC_POLL_READY after writing the output through `out` (ignored
 * for void futures), or AC_POLL_PENDING after arranging for cx->waker to be
 * woken.  A future never moves after its first poll.  drop may be called in
 * any state, and releases what the future holds (a registered timer, a child
 * future).  The `const ac_future_vtable_t` of a future type erases it for
 * spawn, join and select.
 */
#ifndef AC_H
#define AC_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ==== poll, waker, context ==== */

typedef enum ac_poll {
  AC_POLL_PENDING = 0, /* not done; the waker will be woken */
  AC_POLL_READY = 1    /* done; the output has been written */
} ac_poll_t;

typedef struct ac_waker_vtable ac_waker_vtable_t;

/* A waker is Rust's RawWaker: a vtable and a data pointer. */
typedef struct ac_waker {
  const ac_waker_vtable_t *vtable;
  void *data;
} ac_waker_t;

struct ac_waker_vtable {
  ac_waker_t (*clone)(void *data);  /* a new reference to the same task */
  void (*wake)(void *data);         /* wake and release this reference */
  void (*wake_by_ref)(void *data);  /* wake, keep this reference */
  void (*drop)(void *data);         /* release this reference */
};

typedef struct ac_context {
  const ac_waker_t *waker; /* the waker of the task being polled */
} ac_context_t;

/* A type-erased future: what spawn, join and select store. */
typedef struct ac_future_vtable {
  ac_poll_t (*poll)(void *self, ac_context_t *cx, void *out);
  void (*drop)(void *self);
  size_t size;       /* sizeof the future (the frame) */
  size_t align;      /* its alignment */
  size_t out_size;   /* sizeof the output; 0 for void */
  const char *name;  /* for diagnostics and dumps */
} ac_future_vtable_t;

/* Every frame acc generates begins with a uint32_t state: 0 before its
   first poll, K while suspended at its K-th await, AC_STATE_DONE once it
   returned or was dropped (docs/lowering.md §1). */
#define AC_STATE_DONE 0xffffffffu

static inline ac_waker_t ac_waker_clone(const ac_waker_t *w) {
  return w->vtable->clone(w->data);
}
static inline void ac_waker_wake(ac_waker_t w) { w.vtable->wake(w.data); }
static inline void ac_waker_wake_by_ref(const ac_waker_t *w) {
  w->vtable->wake_by_ref(w->data);
}
static inline void ac_waker_drop(ac_waker_t w) { w.vtable->drop(w.data); }
/* True if both wake the same thing, so a stored clone can be kept. */
static inline int ac_waker_will_wake(const ac_waker_t *a, const ac_waker_t *b) {
  return a->vtable == b->vtable && a->data == b->data;
}
/* A waker that does nothing (clone/drop are free); for polling by hand. */
ac_waker_t ac_waker_noop(void);

/* Errors are negative errno values; these are the ones the runtime makes.
 *
 * Handles.  The pointers the runtime hands out (ac_task_t *, ac_mpsc_t *,
 * ac_oneshot_t *, ac_fd_t *, ac_semaphore_t *, ac_notify_t *) are checked
 * handles, not addresses to dereference: a handle used after its object
 * is gone (a second join, a double drop or close, after ac_runtime_free)
 * makes the call report the misuse on stderr ("acrt: misuse: ...") and
 * return -EBADF, or -EINVAL for an operation the object's state forbids,
 * instead of touching another object.  AC_MISUSE=abort aborts there (a
 * debugging aid), AC_MISUSE=quiet only returns the error.  The list of
 * misuses and their results is in docs/runtime.md. */
#define AC_ECANCELED (-125) /* the task was aborted */
#define AC_ETIMEDOUT (-110) /* a timeout fired first */
#define AC_EPIPE (-32)      /* the other end of a channel is gone */
#define AC_EAGAIN (-11)     /* try_send on a full channel */

/* An intrusive list link kept inside futures that wait in a list. */
typedef struct ac_list_node {
  struct ac_list_node *prev, *next;
} ac_list_node_t;

/* ==== runtime ==== */

typedef struct ac_runtime ac_runtime_t;

typedef enum ac_rt_flavor {
  AC_RT_CURRENT_THREAD = 0, /* everything runs on the block_on thread */
  AC_RT_MULTI_THREAD = 1    /* worker threads with work stealing */
} ac_rt_flavor_t;

/* workers <= 0: env AC_WORKERS, else the number of CPUs (multi-thread);
 * ignored for current-thread.  Returns NULL with errno set on failure. */
ac_runtime_t *ac_runtime_new(ac_rt_flavor_t flavor, int workers);
/* Spawns the unstarted future *fut (moved: copied, vt->size bytes), runs the
 * runtime until it completes and copies its output (vt->out_size bytes) to
 * out (may be NULL).  Returns 0, AC_ECANCELED, -ENOMEM, -EDEADLK from inside
 * a task, or -EBUSY if a current-thread runtime is already blocked on
 * (several threads may block_on one multi-thread runtime). */
int ac_runtime_block_on(ac_runtime_t *rt, const ac_future_vtable_t *vt,
                        const void *fut, void *out);
/* Stops the workers and drops every task still alive (their futures are
 * dropped in whatever state they are in).  Idempotent. */
void ac_runtime_shutdown(ac_runtime_t *rt);
/* Shuts down and frees.  0, or -EBUSY if a task, a task allocation (a
 * handle never joined or detached), a timer or an fd was still registered
 * afterwards: a leak in someone's drop. */
int ac_runtime_free(ac_runtime_t *rt);
/* The entry of a generated `async int main`: new + block_on + free. */
int ac_runtime_main(ac_rt_flavor_t flavor, const ac_future_vtable_t *vt,
                    const void *fut, void *out);
/* block_on on a fresh current-thread runtime. */
int ac_block_on(const ac_future_vtable_t *vt, const void *fut, void *out);

typedef struct ac_runtime_stats {
  size_t tasks;     /* spawned and not yet completed or dropped */
  size_t allocated; /* task allocations not yet freed (handles, wakers) */
  size_t timers;    /* timers registered */
  size_t fds;       /* fds registered with the reactor */
  int workers;      /* worker threads (1 for current-thread) */
  size_t memory;    /* bytes of task memory the runtime holds (its slab
                       chunks, in use or kept for reuse) */
} ac_runtime_stats_t;
void ac_runtime_stats(ac_runtime_t *rt, ac_runtime_stats_t *st);

/* The runtime of the calling task or of an enter()ed thread, or NULL. */
ac_runtime_t *ac_runtime_current(void);
/* Makes rt current on this thread (to poll leaves by hand in tests). */
void ac_runtime_enter(ac_runtime_t *rt);
void ac_runtime_exit(void);

/* The runtime clock, in ms.  A paused clock moves only by advance(), which
 * fires the timers that become due (tests). */
uint64_t ac_runtime_now_ms(ac_runtime_t *rt);
void ac_runtime_clock_pause(ac_runtime_t *rt);
void ac_runtime_clock_advance(ac_runtime_t *rt, uint64_t ms);

/* ==== tasks ==== */

/* A task handle (the join handle).  Consume it exactly once: await
 * ac_task_join(t), or ac_task_detach(t). */
typedef struct ac_task ac_task_t;

/* Moves the unstarted future *fut (vt->size bytes) into one allocation with
 * the task header and schedules it on the current runtime (the same as
 * ac_runtime_spawn(ac_runtime_current(), ...)).  NULL on ENOMEM or when no
 * runtime is current. */
ac_task_t *ac_spawn_raw(const ac_future_vtable_t *vt, const void *fut);
ac_task_t *ac_runtime_spawn(ac_runtime_t *rt, const ac_future_vtable_t *vt,
                            const void *fut);
/* Cancels: the frame is dropped in its current state; a join then reports
 * AC_ECANCELED.  The handle stays valid.  0, or -EBADF for a handle
 * already joined or detached (a misuse). */
int ac_task_abort(ac_task_t *t);
/* Gives the handle up; the task runs on, its output is discarded.  0, or
 * -EBADF (already joined or detached), -EINVAL (a join awaits it). */
int ac_task_detach(ac_task_t *t);
/* 1 once the task has completed or been cancelled, 0 before, -EBADF for a
 * handle already joined or detached. */
int ac_task_is_finished(const ac_task_t *t);
/* Size of the task header that precedes every frame (W4). */
size_t ac_task_header_size(void);

/* The join future: out is the task's output (vt->out_size bytes).  It takes
 * over the handle: when it completes or is dropped the handle is gone (a
 * dropped join detaches the task). */
typedef struct ac_join {
  /* private */
  ac_task_t *task;
  int status; /* 0, AC_ECANCELED after an aborted task, or a misuse's */
  int phase;  /* task.c */
} ac_join_t;
/* Inline: W1 makes a million of them.  A NULL t (a spawn that failed)
 * is reported by the first poll. */
static inline ac_join_t ac_task_join(ac_task_t *t) {
  ac_join_t j = {t, 0, 0};
  return j;
}
ac_poll_t ac_join_poll(ac_join_t *self, ac_context_t *cx, void *out);
void ac_join_drop(ac_join_t *self);
/* A join that completed (the common drop: after its ready) holds no task
 * any more: nothing to call for.  The typed joins below drop so. */
static inline void ac__join_drop(ac_join_t *self) {
  if (self->task)
    ac_join_drop(self);
}
/* After ready (docs/runtime.md §1): a completed join let the handle go. */
static inline void ac_join_drop_ready(ac_join_t *self) { (void)self; }
/* After ready: 0 if the output was written, AC_ECANCELED if aborted (the
 * output is zeroed), -EBADF or -EINVAL for a misused handle (NULL, joined
 * or detached already, another join waiting on it; the output is left
 * alone, and the typed joins below zero it). */
static inline int ac_join_status(const ac_join_t *j) { return j->status; }
extern const ac_future_vtable_t ac_join_vtable;

/* ==== yield ==== */

/* Private to the runtime and its inline leaves.  While the runtime polls a
 * task on this thread, `self` is the waker it put in the context and
 * `woken` is raised by a wake of that same task (the task is then polled
 * again or requeued after the poll, docs/runtime.md §2); outside a task's
 * poll `self` is NULL.  A leaf that wakes its own task raises the flag
 * directly: no call, so the generated poll around it needs no stack
 * frame.  Initial-exec: one thread-pointer-relative access, also from
 * code in shared objects. */
typedef struct ac__poll_tls {
  const ac_waker_t *self;
  unsigned char woken;
} ac__poll_tls_t;
extern __thread ac__poll_tls_t ac__poll_tls
    __attribute__((tls_model("initial-exec")));

typedef struct ac_yield {
  /* private */
  int yielded;
} ac_yield_t;
/* Inline: a yield is a flag and a self-wake, cheaper than the calls.
 * Pending at its first poll, ready at every poll after: acc's generated
 * code relies on it and resumes after an await of ac_yield_now() without
 * polling it again (docs/lowering.md §2). */
static inline ac_yield_t ac_yield_now(void) {
  ac_yield_t y = {0};
  return y;
}
static inline ac_poll_t ac_yield_poll(ac_yield_t *self, ac_context_t *cx,
                                      void *out) {
  (void)out;
  if (self->yielded)
    return AC_POLL_READY;
  self->yielded = 1;
  /* First poll: wake ourselves, pending.  Polled by the runtime with its
   * own context (or a combinator passing it on), the wake is the flag. */
  if (cx->waker == ac__poll_tls.self)
    ac__poll_tls.woken = 1;
  else
    ac_waker_wake_by_ref(cx->waker);
  return AC_POLL_PENDING;
}
static inline void ac_yield_drop(ac_yield_t *self) { (void)self; }
extern const ac_future_vtable_t ac_yield_vtable;

/* ==== time ==== */

/* A sleep: its timer entry lives inside it, so sleeping in a task
 * allocates nothing.  Dropped before it fires, it removes its entry.  It is
 * never early: it completes once the monotonic clock has moved the whole
 * duration since its first poll.  Durations saturate: ac_sleep_ms(UINT64_MAX)
 * never completes (and an ac_timeout of UINT64_MAX ms never times out). */
typedef struct ac_sleep {
  /* private (timer.c) */
  uint64_t deadline;     /* ms until the first poll; then ns */
  uintptr_t word;        /* the state, and the task to wake or a boxed waker */
  uint32_t heap_idx;     /* 1-based slot in the heap, 0 when not in it */
  uint32_t timers_id;    /* which runtime's heap */
} ac_sleep_t;
ac_sleep_t ac_sleep_ms(uint64_t ms);
/* Sleeps until the runtime clock reads deadline_ms (ac_runtime_now_ms). */
ac_sleep_t ac_sleep_until(uint64_t deadline_ms);
ac_poll_t ac_sleep_poll(ac_sleep_t *self, ac_context_t *cx, void *out);
void ac_sleep_drop(ac_sleep_t *self);
extern const ac_future_vtable_t ac_sleep_vtable;

/* ==== futures through async function pointers ==== */

/* `await fp(x)` with `async int (*fp)(int)` (docs/language.md): the frame
 * of whichever async function fp points to, with its vtable.  It lives in
 * the awaiting frame when it fits in AC_DYN_INLINE bytes (aligned to 16),
 * else on the heap, freed when the future is dropped. */
#define AC_DYN_INLINE 128
typedef struct ac_dyn {
  /* private */
  const ac_future_vtable_t *vt;
  void *fut;
  unsigned char frame[AC_DYN_INLINE] __attribute__((aligned(16)));
} ac_dyn_t;

/* A size that is no integer constant expression, for the array sizes in
 * the parameters of acc's functions that pass them on to f__init (f,
 * f__new, f__shim, f__block_on): their parameters stay variably modified,
 * so they take the same arguments, and C evaluates the sizes the .ac wrote
 * only once, on entry to f__init (docs/lowering.md). */
static size_t ac__vm_size __attribute__((unused)) = 1;

/* Where the next call through an async function pointer starts its frame:
 * set just before the call, on the same thread (the pointer is the address
 * of f__shim, which places f's frame there).  One per thread and process:
 * a weak definition in every file that includes this header. */
__attribute__((weak)) __thread ac_dyn_t *ac__dyn_target;

/* The storage for a frame of vt in d; aborts when a frame that does not
 * fit inline cannot be allocated (there is no way to report it). */
static inline void *ac_dyn_place(ac_dyn_t *d, const ac_future_vtable_t *vt) {
  d->vt = vt;
  if (vt->size <= sizeof d->frame && vt->align <= 16)
    return d->fut = d->frame;
  d->fut = vt->align > 16 ? aligned_alloc(vt->align, (vt->size + vt->align -
                                                      1) / vt->align *
                                                         vt->align)
                          : malloc(vt->size);
  if (!d->fut)
    abort();
  return d->fut;
}
static inline ac_poll_t ac_dyn_poll(ac_dyn_t *d, ac_context_t *cx, void *out) {
  return d->vt->poll(d->fut, cx, out);
}
/* After ready: a finished generated frame holds nothing, so only its
 * storage is released (the awaiting frame's drop is then a no-op). */
static inline void ac_dyn_done(ac_dyn_t *d) {
  if (d->fut != (void *)d->frame)
    free(d->fut);
  d->vt = NULL;
}
static inline void ac_dyn_drop(ac_dyn_t *d) {
  if (!d->vt)
    return;
  d->vt->drop(d->fut);
  if (d->fut != (void *)d->frame)
    free(d->fut);
  d->vt = NULL;
}

/* ==== combinators over type-erased futures ==== */

/* One operand: a future (unstarted, pinned where it is) and where its
 * output goes (NULL to discard): `{&f__vtable, &fut, &out}`.  The
 * combinator owns and drops it, and sets vt to NULL once it is dropped. */
typedef struct ac_branch {
  const ac_future_vtable_t *vt;
  void *fut;
  void *out;
} ac_branch_t;

/* Runs the branches concurrently until all are ready.  out: ignored. */
typedef struct ac_join_all {
  /* private */
  ac_branch_t *branches;
  size_t n, left;
} ac_join_all_t;
ac_join_all_t ac_join_all(ac_branch_t *branches, size_t n);
ac_poll_t ac_join_all_poll(ac_join_all_t *self, ac_context_t *cx, void *out);
void ac_join_all_drop(ac_join_all_t *self);
extern const ac_future_vtable_t ac_join_all_vtable;

/* Ready with the first branch that is ready; the others are dropped
 * unfinished.  out: int, the winner's index, or -EINVAL at once for no
 * branches (NULL or n == 0: it could never be ready). */
typedef struct ac_select {
  /* private */
  ac_branch_t *branches;
  size_t n;
  int winner;
} ac_select_t;
ac_select_t ac_select(ac_branch_t *branches, size_t n);
ac_poll_t ac_select_poll(ac_select_t *self, ac_context_t *cx, int *out);
void ac_select_drop(ac_select_t *self);
extern const ac_future_vtable_t ac_select_vtable;

/* Runs one future with a deadline.  out: int, 0 if it completed (its output
 * written to its own out), AC_ETIMEDOUT if the time ran out first (it is
 * dropped then). */
typedef struct ac_timeout {
  /* private */
  ac_branch_t inner;
  ac_sleep_t sleep;
} ac_timeout_t;
ac_timeout_t ac_timeout(const ac_future_vtable_t *vt, void *fut, void *out,
                        uint64_t ms);
ac_poll_t ac_timeout_poll(ac_timeout_t *self, ac_context_t *cx, int *out);
void ac_timeout_drop(ac_timeout_t *self);
extern const ac_future_vtable_t ac_timeout_vtable;

/* acc's typed forms of the same (docs/language.md): `await ac_first(...)`,
 * `await ac_all(...)` and `await ac_within(ms, ...)` over futures of any
 * kind.  acc lowers them inline into the caller's frame, so they exist only
 * while acc reads the file. */
#ifdef __ACC__
int ac_first();
void ac_all();
int ac_within();
#endif

/* ==== channels ==== */

/* Waiting futures keep their wait entry inline (no allocation). */
typedef struct ac_waiter {
  /* private */
  ac_list_node_t node;
  ac_waker_t waker;
  uint32_t state; /* AC__WAIT_* in internal.h */
  uint32_t want;  /* semaphore permits wanted */
} ac_waiter_t;

/* oneshot: one value of a fixed size, from one sender to one receiver.
 * Both ends must be released: send or sender_drop, and the recv future
 * completing or dropped (or receiver_drop if never awaited). */
typedef struct ac_oneshot ac_oneshot_t;
ac_oneshot_t *ac_oneshot_new(size_t size); /* NULL on ENOMEM */
/* 0, or AC_EPIPE if the receiver is gone.  Releases the sending end.
 * Releasing an end twice (a second send, a send after sender_drop) is a
 * misuse: -EINVAL, or -EBADF once both ends are gone. */
int ac_oneshot_send(ac_oneshot_t *ch, const void *value);
int ac_oneshot_sender_drop(ac_oneshot_t *ch);
int ac_oneshot_receiver_drop(ac_oneshot_t *ch);
/* out: int, 0 with the value copied to dst, or AC_EPIPE if the sender was
 * dropped without sending.  The future owns the receiving end. */
typedef struct ac_oneshot_recv {
  /* private */
  ac_oneshot_t *ch;
  void *dst;
} ac_oneshot_recv_t;
ac_oneshot_recv_t ac_oneshot_recv(ac_oneshot_t *ch, void *dst);
ac_poll_t ac_oneshot_recv_poll(ac_oneshot_recv_t *self, ac_context_t *cx,
                               int *out);
void ac_oneshot_recv_drop(ac_oneshot_recv_t *self);
extern const ac_future_vtable_t ac_oneshot_recv_vtable;

/* mpsc: values of elem_size bytes; cap 0 means unbounded.  The creator holds
 * one sender and the receiver. */
typedef struct ac_mpsc ac_mpsc_t;
ac_mpsc_t *ac_mpsc_new(size_t elem_size, size_t cap); /* NULL on ENOMEM */
/* One more sender.  0, or -EINVAL if every sender was dropped already. */
int ac_mpsc_sender_clone(ac_mpsc_t *ch);
/* The last sender dropped closes the channel: recv reports AC_EPIPE once it
 * is empty.  0, or -EINVAL if more senders were dropped than made. */
int ac_mpsc_sender_drop(ac_mpsc_t *ch);
/* Closes the receiving end: sends fail with AC_EPIPE, buffered values are
 * discarded.  0, or -EINVAL if it was dropped already.  Every call on a
 * channel both of whose ends are gone returns -EBADF. */
int ac_mpsc_receiver_drop(ac_mpsc_t *ch);
/* 0, AC_EAGAIN if bounded and full, AC_EPIPE if the receiver is gone, or
 * -ENOMEM (unbounded). */
int ac_mpsc_try_send(ac_mpsc_t *ch, const void *value);
/* 0, AC_EAGAIN if empty, AC_EPIPE if empty and every sender is gone. */
int ac_mpsc_try_recv(ac_mpsc_t *ch, void *dst);

/* send waits for room (bounded).  out: int, 0 or AC_EPIPE.  The value is
 * copied at the first poll: keep it alive until then. */
typedef struct ac_mpsc_send {
  /* private */
  ac_mpsc_t *ch;
  const void *value;
  ac_waiter_t wait;
} ac_mpsc_send_t;
/* Inline, like ac_yield_now: built in place in the frame instead of
 * returned through a stack copy (W3: one store-forwarding stall less). */
static inline ac_mpsc_send_t ac_mpsc_send(ac_mpsc_t *ch, const void *value) {
  ac_mpsc_send_t s = {ch, value, {{NULL, NULL}, {NULL, NULL}, 0, 0}};
  return s;
}
ac_poll_t ac_mpsc_send_poll(ac_mpsc_send_t *self, ac_context_t *cx, int *out);
void ac__mpsc_send_drop_pending(ac_mpsc_send_t *self);
/* Inline: only a send still waiting for room (its waiter queued, 1, or
 * granted a slot, 2) has anything to undo; every completed send is DONE. */
static inline void ac_mpsc_send_drop(ac_mpsc_send_t *self) {
  if (__atomic_load_n(&self->wait.state, __ATOMIC_RELAXED) - 1u < 2u)
    ac__mpsc_send_drop_pending(self);
}
/* After ready (docs/runtime.md §1): a completed send holds nothing. */
static inline void ac_mpsc_send_drop_ready(ac_mpsc_send_t *self) {
  (void)self;
}
extern const ac_future_vtable_t ac_mpsc_send_vtable;

/* out: int, 0 with the value in dst, or AC_EPIPE once closed and empty.
 * While the recv is pending a sender may copy its value straight into dst
 * (from its own thread): leave dst alone until the recv completes, and
 * keep it valid until it is dropped (a value handed over but never seen
 * is taken back from dst into the channel). */
typedef struct ac_mpsc_recv {
  /* private */
  ac_mpsc_t *ch;
  void *dst;
  uint32_t given; /* atomic: a sender copied a value to dst */
} ac_mpsc_recv_t;
static inline ac_mpsc_recv_t ac_mpsc_recv(ac_mpsc_t *ch, void *dst) {
  ac_mpsc_recv_t r = {ch, dst, 0};
  return r;
}
ac_poll_t ac_mpsc_recv_poll(ac_mpsc_recv_t *self, ac_context_t *cx, int *out);
void ac__mpsc_recv_drop_pending(ac_mpsc_recv_t *self);
/* Inline: a recv that completed cleared ch; only a pending one has a
 * waker or an unseen value to take back. */
static inline void ac_mpsc_recv_drop(ac_mpsc_recv_t *self) {
  if (self->ch)
    ac__mpsc_recv_drop_pending(self);
}
/* After ready (docs/runtime.md §1): a completed recv holds nothing. */
static inline void ac_mpsc_recv_drop_ready(ac_mpsc_recv_t *self) {
  (void)self;
}
/* Private, for the inline poll below: the address bits of a handle
 * (handle.c), and where a channel names the recv future it handed a value
 * to (chan_mpsc.c asserts it). */
#define AC__H_ADDR ((uintptr_t)0x00007ffffffffff8u)
#define AC__MPSC_HANDED_AT 120
/* ac_mpsc_recv_poll under a second name, the one the inline code below
 * calls: it exists from libacrt 0.3.0, the first to keep the layout that
 * code reads, so a program built against this ac.h fails to load on an
 * older libacrt.so.1 (undefined symbol) instead of misreading channels. */
ac_poll_t ac__mpsc_recv_poll_030(ac_mpsc_recv_t *self, ac_context_t *cx,
                                 int *out);
/* A recv that parked and was handed its value (the value is in dst
 * already) completes: it clears the channel's name for it and its own
 * flag, and gives 1.  No handle check: the channel is alive while it names
 * the future in rx_handed (a receiver_drop or a take() by someone else
 * clears the flag with it), and no sender writes rx_handed again before
 * the future parks again, so clearing it needs no lock.  Shared by the
 * inline poll below and the exported one (chan_mpsc.c). */
static inline int ac__mpsc_recv_take_handed(ac_mpsc_recv_t *self,
                                            int *out) {
  if (!__atomic_load_n(&self->given, __ATOMIC_ACQUIRE))
    return 0;
  char *ch = (char *)((uintptr_t)self->ch & AC__H_ADDR);
  __atomic_store_n((void **)(void *)(ch + AC__MPSC_HANDED_AT), (void *)0,
                   __ATOMIC_RELAXED);
  __atomic_store_n(&self->given, 0, __ATOMIC_RELAXED);
  self->ch = NULL; /* nothing left for drop to do */
  if (out)
    *out = 0;
  return 1;
}
/* Inline: a recv handed its value completes here, without a call, and a
 * frame then knows that the drop after it has nothing to do.  Everything
 * else calls the exported poll (by its second name).  The macro keeps the
 * function's name for the call (a frame calls T_poll) and its address for
 * the vtable. */
static inline ac_poll_t ac__mpsc_recv_poll_inline(ac_mpsc_recv_t *self,
                                                  ac_context_t *cx,
                                                  int *out) {
  if (ac__mpsc_recv_take_handed(self, out))
    return AC_POLL_READY;
  return ac__mpsc_recv_poll_030(self, cx, out);
}
#define ac_mpsc_recv_poll(self, cx, out)                                       \
  ac__mpsc_recv_poll_inline(self, cx, out)
extern const ac_future_vtable_t ac_mpsc_recv_vtable;

/* ==== sync: semaphore, mutex, notify ==== */

/* A fair (FIFO) counting semaphore; mutex and notify are built on it.  It
 * holds at most AC_SEMAPHORE_MAX permits. */
#define AC_SEMAPHORE_MAX ((size_t)UINT32_MAX)
typedef struct ac_semaphore ac_semaphore_t;
/* NULL with errno ENOMEM, or EINVAL if permits > AC_SEMAPHORE_MAX. */
ac_semaphore_t *ac_semaphore_new(size_t permits);
/* 0, or -EBUSY (not freed) while futures wait on it. */
int ac_semaphore_free(ac_semaphore_t *s);
/* 0, or -EOVERFLOW (nothing released) if the count would pass the max. */
int ac_semaphore_release(ac_semaphore_t *s, size_t n);
/* 0, AC_EAGAIN if the permits are not there right now, or -EINVAL if n is
 * more than any semaphore can hold. */
int ac_semaphore_try_acquire(ac_semaphore_t *s, size_t n);
size_t ac_semaphore_available(ac_semaphore_t *s);

/* out: int, 0 when n permits are ours, or -EINVAL at once if n exceeds
 * AC_SEMAPHORE_MAX (it could never be granted).  Dropped while waiting it
 * leaves the queue; dropped after being granted (before the poll saw it),
 * it gives them back. */
typedef struct ac_acquire {
  /* private */
  ac_semaphore_t *sem;
  ac_waiter_t wait;
} ac_acquire_t;
ac_acquire_t ac_semaphore_acquire(ac_semaphore_t *s, size_t n);
ac_poll_t ac_acquire_poll(ac_acquire_t *self, ac_context_t *cx, int *out);
void ac_acquire_drop(ac_acquire_t *self);
extern const ac_future_vtable_t ac_acquire_vtable;

/* An async mutex is a semaphore with one permit: await ac_mutex_lock(m),
 * then ac_mutex_unlock(m). */
typedef ac_semaphore_t ac_mutex_t;
static inline ac_mutex_t *ac_mutex_new(void) { return ac_semaphore_new(1); }
static inline int ac_mutex_free(ac_mutex_t *m) {
  return ac_semaphore_free(m);
}
static inline ac_acquire_t ac_mutex_lock(ac_mutex_t *m) {
  return ac_semaphore_acquire(m, 1);
}
static inline int ac_mutex_try_lock(ac_mutex_t *m) {
  return ac_semaphore_try_acquire(m, 1);
}
static inline void ac_mutex_unlock(ac_mutex_t *m) {
  (void)ac_semaphore_release(m, 1);
}

/* notify: notify_one wakes one waiter, or stores one permit for the next
 * notified() if nobody waits; notify_waiters wakes all current waiters. */
typedef struct ac_notify ac_notify_t;
ac_notify_t *ac_notify_new(void); /* NULL on ENOMEM */
int ac_notify_free(ac_notify_t *n); /* 0, or -EBUSY while futures wait */
int ac_notify_one(ac_notify_t *n);
int ac_notify_waiters(ac_notify_t *n);
typedef struct ac_notified {
  /* private */
  ac_notify_t *notify;
  ac_waiter_t wait;
} ac_notified_t;
ac_notified_t ac_notified(ac_notify_t *n);
ac_poll_t ac_notified_poll(ac_notified_t *self, ac_context_t *cx, void *out);
void ac_notified_drop(ac_notified_t *self);
extern const ac_future_vtable_t ac_notified_vtable;

/* ==== I/O: an epoll reactor over non-blocking fds ==== */

/* An fd registered with the current runtime's reactor (edge-triggered).
 * One reader and one writer may wait on it at a time. */
typedef struct ac_fd ac_fd_t;
/* Sets fd non-blocking and registers it: 0 or -errno.  The fd stays the
 * caller's: ac_fd_close deregisters, and closes it if close_fd; call it only
 * when no I/O future on f is still alive (one that is then polls -EBADF).
 * A second close, or I/O after the close or after ac_runtime_free, is a
 * misuse: -EBADF. */
int ac_fd_open(int fd, ac_fd_t **out);
int ac_fd_close(ac_fd_t *f, int close_fd);
int ac_fd_get(const ac_fd_t *f); /* the fd, or -EBADF */

typedef enum ac_io_op {
  AC__IO_READ, AC__IO_WRITE, AC__IO_ACCEPT, AC__IO_CONNECT,
  AC__IO_READABLE, AC__IO_WRITABLE
} ac_io_op_t;

/* One future type for every I/O operation.  out: ssize_t (as long):
 * bytes / a new fd / 0, or -errno.  EAGAIN waits, EINTR retries; every
 * other error is the result. */
typedef struct ac_io {
  /* private */
  ac_fd_t *fd;
  void *buf;
  size_t len;
  const void *addr;
  uint32_t addrlen;
  uint32_t op;     /* ac_io_op_t */
  uint32_t started; /* connect issued; AC__IO_WAITING: a waker stored */
} ac_io_t;
#define AC__IO_WAITING 4u
/* The constructors and the drop of a future that is not waiting (every
 * finished one) are inline: a generated poll builds the future in its
 * frame, and drops it after each await, without a call. */
static inline ac_io_t ac__io(ac_fd_t *f, uint32_t op, void *buf, size_t len) {
  ac_io_t io = {f, buf, len, 0, 0, op, 0};
  return io;
}
static inline ac_io_t ac_read(ac_fd_t *f, void *buf, size_t len) {
  return ac__io(f, AC__IO_READ, buf, len);
}
static inline ac_io_t ac_write(ac_fd_t *f, const void *buf, size_t len) {
  return ac__io(f, AC__IO_WRITE, (void *)buf, len);
}
/* out: the accepted fd (non-blocking, close-on-exec, not registered). */
static inline ac_io_t ac_accept(ac_fd_t *listener) {
  return ac__io(listener, AC__IO_ACCEPT, 0, 0);
}
/* addr: a struct sockaddr of addrlen bytes, read at the first poll. */
static inline ac_io_t ac_connect(ac_fd_t *f, const void *addr,
                                 uint32_t addrlen) {
  ac_io_t io = ac__io(f, AC__IO_CONNECT, 0, 0);
  io.addr = addr;
  io.addrlen = addrlen;
  return io;
}
static inline ac_io_t ac_readable(ac_fd_t *f) {
  return ac__io(f, AC__IO_READABLE, 0, 0);
}
static inline ac_io_t ac_writable(ac_fd_t *f) {
  return ac__io(f, AC__IO_WRITABLE, 0, 0);
}
ac_poll_t ac_io_poll(ac_io_t *self, ac_context_t *cx, long *out);
void ac__io_drop_waiting(ac_io_t *self);
static inline void ac_io_drop(ac_io_t *self) {
  if (self->started & AC__IO_WAITING)
    ac__io_drop_waiting(self);
}
extern const ac_future_vtable_t ac_io_vtable;

/* ==== cleanup helpers, for __attribute__((cleanup(...))) ====
 *
 * A frame local marked with one of these releases its object when its
 * scope ends, and when the frame is dropped while suspended (a task
 * aborted, a select branch that lost): acc runs the cleanups of the
 * locals alive at the suspension point in its drop.  Each takes the
 * address of the variable and leaves a NULL variable alone, so storing
 * NULL after handing the object on disarms it:
 *
 *   __attribute__((cleanup(ac_mpsc_sender_dropp))) ac_mpsc_t *tx = ch;
 *   __attribute__((cleanup(ac_fd_closep))) ac_fd_t *conn = NULL;
 *   await ac_mutex_lock(m);
 *   __attribute__((cleanup(ac_mutex_guard_release))) ac_mutex_guard_t g =
 *       ac_mutex_guard(m);
 */
/* ac_fd_close(*f, 1): deregisters and closes the fd. */
static inline void ac_fd_closep(ac_fd_t **f) {
  if (*f)
    (void)ac_fd_close(*f, 1);
  *f = NULL;
}
/* ac_fd_close(*f, 0): deregisters; the fd stays open (it is not ours). */
static inline void ac_fd_releasep(ac_fd_t **f) {
  if (*f)
    (void)ac_fd_close(*f, 0);
  *f = NULL;
}
static inline void ac_mpsc_sender_dropp(ac_mpsc_t **ch) {
  if (*ch)
    ac_mpsc_sender_drop(*ch);
  *ch = NULL;
}
static inline void ac_mpsc_receiver_dropp(ac_mpsc_t **ch) {
  if (*ch)
    ac_mpsc_receiver_drop(*ch);
  *ch = NULL;
}
static inline void ac_oneshot_sender_dropp(ac_oneshot_t **ch) {
  if (*ch)
    ac_oneshot_sender_drop(*ch);
  *ch = NULL;
}
/* A handle nobody will join: the task runs on detached. */
static inline void ac_task_detachp(ac_task_t **t) {
  if (*t)
    ac_task_detach(*t);
  *t = NULL;
}
/* A held mutex: made after the lock was acquired, unlocks at scope end. */
typedef struct ac_mutex_guard {
  ac_mutex_t *mutex; /* NULL: released or handed on */
} ac_mutex_guard_t;
static inline ac_mutex_guard_t ac_mutex_guard(ac_mutex_t *m) {
  ac_mutex_guard_t g = {m};
  return g;
}
static inline void ac_mutex_guard_release(ac_mutex_guard_t *g) {
  if (g->mutex)
    ac_mutex_unlock(g->mutex);
  g->mutex = NULL;
}

/* Generated code calls this when the heap frame of an awaited async
 * function (async recursion, or a function of another file) cannot be
 * allocated: there is no value the await could give, so it writes
 * "acc: out of memory for the frame of NAME" to stderr and aborts.  A weak
 * reference: translated code that does not link libacrt (the translator's
 * own tests) still links, and aborts without the message. */
__attribute__((noreturn, cold, weak)) void
ac_frame_alloc_failed(const char *name);

/* ==== debug metadata: written by acc, read by the gdb extension and the
 * tracer ==== */

/*
 * acc writes one table per async function into the translated C, so a
 * debugger or the tracer can name what it sees in a frame without knowing
 * how acc names frame fields: source names, offsets and sizes, the states
 * with the .ac position of each await, and which fields are live in each
 * state.  Each translated file registers its tables once, at program
 * start (ac_debug_register); docs/cli.md describes them.
 */
enum {
  AC_DEBUG_VERSION = 2, /* 2: a combinator's branches */
  /* ac_debug_field_t.kind */
  AC_DEBUG_PARAM = 1, AC_DEBUG_LOCAL, AC_DEBUG_TEMP, AC_DEBUG_CHILD,
  AC_DEBUG_LITERAL,
  /* ac_debug_state_t.child_kind: where the awaited future lives */
  AC_DEBUG_CHILD_NONE = 0, AC_DEBUG_CHILD_INLINE, /* a frame in this one */
  AC_DEBUG_CHILD_HEAP,  /* a pointer to a frame (recursion, another file) */
  AC_DEBUG_CHILD_LEAF,  /* a hand-written future, by value */
  AC_DEBUG_CHILD_PLACE, /* a pointer to a future held elsewhere */
  AC_DEBUG_CHILD_DYN    /* an ac_dyn_t (a call through an async function
                           pointer): the frame at its fut, of the function
                           whose vtable is its vt */
};
#define AC_DEBUG_NONE 0xffffffffu

typedef struct ac_debug_func ac_debug_func_t;

typedef struct ac_debug_field {
  const char *name;   /* the source name; for temporaries and children a
                         description ("result of await at 14:7") */
  const char *cname;  /* the C member of the frame */
  const char *type;   /* its C type */
  uint32_t offset, size;
  uint32_t kind;      /* AC_DEBUG_PARAM ... */
  uint32_t line;      /* .ac line of its declaration (0: none) */
} ac_debug_field_t;

/* A branch of a combinator's await (ac_first, ac_all, ac_within): where
 * its future lives, as a state says it for the future of a plain await. */
typedef struct ac_debug_branch {
  const char *expr;   /* the branch as written ("v = fetch(1)"; ac_within's
                         deadline: "deadline") */
  const char *callee; /* the async function or leaf type it awaits */
  uint32_t line, col; /* .ac position of the branch */
  uint32_t child_kind;  /* AC_DEBUG_CHILD_* */
  uint32_t child_field; /* index in fields of its future */
  const ac_debug_func_t *child; /* the future's table when acc made it */
} ac_debug_branch_t;

typedef struct ac_debug_state {
  const char *name;   /* Start, AwaitingHello, ..., Done */
  const char *expr;   /* the awaited expression as written, or NULL */
  const char *callee; /* the async function or leaf type awaited, or NULL */
  uint32_t line, col; /* .ac position of the await (Start, Done: the
                         function's line, column 0) */
  uint32_t child_kind;  /* AC_DEBUG_CHILD_* */
  uint32_t child_field; /* index in fields of the child, or AC_DEBUG_NONE */
  const ac_debug_func_t *child; /* the child's table when acc made it */
  const uint32_t *live; /* indices in fields of what is live here */
  uint32_t nlive;
  /* A combinator's await (child_kind NONE): its branches in polling order;
   * while the state lasts each one runs, except for ac_all's, where bit i
   * of the 64-bit field running_field is set while branch i runs. */
  uint32_t nbranches;
  const ac_debug_branch_t *branches;
  uint32_t running_field; /* index in fields, or AC_DEBUG_NONE */
} ac_debug_state_t;

struct ac_debug_func {
  uint32_t version;     /* AC_DEBUG_VERSION */
  uint32_t nstates;     /* Start, the await sites, Done */
  uint32_t nfields;
  uint32_t state_offset; /* the uint32_t state word: 0 Start, K site K,
                            0xffffffff Done */
  uint32_t size, align;
  uint32_t line;        /* of the definition */
  const char *name;     /* the async function */
  const char *file;     /* the .ac file as acc was given it */
  const char *frame_type; /* the C type of its frame */
  const ac_debug_state_t *states;
  const ac_debug_field_t *fields;
  /* NULL in the tables acc writes: the vtable's `name` is the table's
   * own `name` pointer (f__name), which ac_debug_find and gdb match, so
   * that the table keeps no vtable (nor its poll and drop) in a program
   * that never uses it (docs/lowering.md §4). */
  const ac_future_vtable_t *vtable;
  /* NULL in the tables acc writes: the function that runs the body
   * (f__run, f__now, else f__poll) is found by its name, so that the
   * table does not take its address and keep it out of line (gdb/acc.py,
   * docs/lowering.md §4).  Older tables point at it. */
  void (*poll)(void);
};

/* The tables of one translated file, registered by it at start-up. */
typedef struct ac_debug_unit {
  const ac_debug_func_t *const *funcs;
  size_t nfuncs;
  struct ac_debug_unit *next; /* private */
} ac_debug_unit_t;
void ac_debug_register(ac_debug_unit_t *unit);
/* The table of the async function whose vtable is vt (by vt->name), or
 * NULL. */
const ac_debug_func_t *ac_debug_find(const ac_future_vtable_t *vt);

/* ==== blocking pool: ac_spawn_blocking ==== */

/* A call that may block (a regular file, getaddrinfo, a C library that
 * sleeps), run on the runtime's pool of plain threads, bounded by
 * AC_BLOCKING_THREADS (default 64), so that no worker waits on it. */
typedef long ac_blocking_fn_t(void *arg);

/* out: long, what fn returned, or -errno if it could not run (-ENOMEM,
 * -EINVAL without a runtime, -ECANCELED once the runtime shuts down).  The
 * job is queued at the first poll.  Dropping the future cannot stop a call
 * that is running: the call goes on and its result is discarded, so arg
 * must stay valid until fn returns, not only until the drop.  With
 * ac_spawn_blocking_owned, `release(arg)` is called once if the future is
 * dropped before it gave the result (after fn returned, or instead of fn
 * if it had not started); when the future completes, arg is the caller's
 * again and release is not called. */
typedef struct ac_blocking {
  /* private */
  ac_blocking_fn_t *fn;
  void *arg;
  void (*release)(void *arg);
  struct ac__job *job;
  struct ac__pool *pool;
} ac_blocking_t;
ac_blocking_t ac_spawn_blocking(ac_blocking_fn_t *fn, void *arg);
ac_blocking_t ac_spawn_blocking_owned(ac_blocking_fn_t *fn, void *arg,
                                      void (*release)(void *arg));
ac_poll_t ac_blocking_poll(ac_blocking_t *self, ac_context_t *cx, long *out);
void ac_blocking_drop(ac_blocking_t *self);
extern const ac_future_vtable_t ac_blocking_vtable;

/* ==== cancellation token ==== */

/* A flag set once that any number of tasks can await (tokio_util's
 * CancellationToken).  Reference counted: new and child return one
 * reference, clone adds one, free drops one.  A child token is cancelled
 * with its parent (and its own children), not the other way round. */
typedef struct ac_cancel ac_cancel_t;
ac_cancel_t *ac_cancel_new(void);                 /* NULL on ENOMEM */
ac_cancel_t *ac_cancel_child(ac_cancel_t *parent); /* NULL on ENOMEM */
ac_cancel_t *ac_cancel_clone(ac_cancel_t *c);
void ac_cancel_free(ac_cancel_t *c);
/* Sets the flag, wakes every waiter, cancels the children.  Idempotent,
 * from any thread. */
void ac_cancel_cancel(ac_cancel_t *c);
int ac_cancel_is_cancelled(const ac_cancel_t *c);
/* out: ignored.  Ready once c is cancelled (at once if it is).  The token
 * must outlive the future. */
typedef struct ac_cancel_wait {
  /* private */
  ac_cancel_t *token;
  ac_waiter_t wait;
} ac_cancel_wait_t;
ac_cancel_wait_t ac_cancel_wait(ac_cancel_t *c);
ac_poll_t ac_cancel_wait_poll(ac_cancel_wait_t *self, ac_context_t *cx,
                              void *out);
void ac_cancel_wait_drop(ac_cancel_wait_t *self);
extern const ac_future_vtable_t ac_cancel_wait_vtable;

/* ==== interval: a periodic timer that does not drift ==== */

/* Ticks fall on the grid first + k * period (ms of ac_runtime_now_ms),
 * however late the awaiting task runs.  A plain value: keep it in the
 * frame (or anywhere) and await ac_interval_tick(&iv) in a loop. */
typedef struct ac_interval {
  /* private */
  uint64_t next;   /* the next tick's deadline; UINT64_MAX: not started */
  uint64_t period; /* ms, at least 1 */
} ac_interval_t;
/* The first tick is at once (when first awaited), then every period_ms. */
ac_interval_t ac_interval_new(uint64_t period_ms);
/* The first tick at first_ms on the runtime clock. */
ac_interval_t ac_interval_at(uint64_t first_ms, uint64_t period_ms);
/* The next tick one period from now (the grid moves). */
void ac_interval_reset(ac_interval_t *iv);
/* out: uint64_t, the periods since the previous tick: 1 on time, n > 1 when
 * the task came n - 1 periods late (those ticks are skipped, not made up
 * in a burst; the next tick stays on the grid). */
typedef struct ac_interval_tick {
  /* private */
  ac_interval_t *iv;
  int armed;
  ac_sleep_t sleep;
} ac_interval_tick_t;
ac_interval_tick_t ac_interval_tick(ac_interval_t *iv);
ac_poll_t ac_interval_tick_poll(ac_interval_tick_t *self, ac_context_t *cx,
                                uint64_t *out);
void ac_interval_tick_drop(ac_interval_tick_t *self);
extern const ac_future_vtable_t ac_interval_tick_vtable;

/* ==== task set: join tasks as they finish ==== */

/* tokio's JoinSet.  The set takes over task handles (`ac_task_set_add(set,
 * ac_spawn(work(i)))` from .ac code; ac_task_set_spawn from C) and
 * ac_task_set_join_next gives their outputs in the order the tasks finish.
 * Freeing the set aborts the tasks still in it. */
typedef struct ac_task_set ac_task_set_t;
ac_task_set_t *ac_task_set_new(void); /* NULL on ENOMEM */
/* Takes over t: 0, -EINVAL if t is NULL (its spawn failed), -ENOMEM (t is
 * aborted and detached then). */
int ac_task_set_add(ac_task_set_t *s, ac_task_t *t);
/* Spawns *fut (moved) on the current runtime into the set: 0 or -ENOMEM. */
int ac_task_set_spawn(ac_task_set_t *s, const ac_future_vtable_t *vt,
                      const void *fut);
size_t ac_task_set_len(ac_task_set_t *s); /* members not yet joined */
void ac_task_set_abort_all(ac_task_set_t *s);
void ac_task_set_free(ac_task_set_t *s);
/* out: int, 0 with the output of the next task to finish copied to dst
 * (its vt->out_size bytes; dst may be NULL), AC_ECANCELED if that task was
 * aborted, or -ECHILD once the set is empty.  One join_next at a time; the
 * set must outlive it. */
typedef struct ac_task_set_join {
  /* private */
  ac_task_set_t *set;
  void *out;
} ac_task_set_join_t;
ac_task_set_join_t ac_task_set_join_next(ac_task_set_t *s, void *dst);
/* Without waiting: what join_next would give if a member has finished,
 * else AC_EAGAIN (-ECHILD when empty).  For a loop that reaps finished
 * tasks between other work; not while a join_next is pending. */
int ac_task_set_try_join(ac_task_set_t *s, void *dst);
ac_poll_t ac_task_set_join_poll(ac_task_set_join_t *self, ac_context_t *cx,
                                int *out);
void ac_task_set_join_drop(ac_task_set_join_t *self);
extern const ac_future_vtable_t ac_task_set_join_vtable;

/* ==== broadcast and watch channels ==== */

/* broadcast: every value sent reaches every receiver subscribed at the
 * time.  The channel holds the last `cap` values; a send never waits, and
 * a receiver more than cap values behind loses the oldest (it is told how
 * many).  The creator holds one sender. */
typedef struct ac_broadcast ac_broadcast_t;
typedef struct ac_broadcast_rx ac_broadcast_rx_t;
ac_broadcast_t *ac_broadcast_new(size_t elem_size, size_t cap); /* NULL: ENOMEM, or a size of 0 */
void ac_broadcast_sender_clone(ac_broadcast_t *b);
/* The last sender gone closes the channel: receivers get AC_EPIPE once
 * they have read what is left. */
void ac_broadcast_sender_drop(ac_broadcast_t *b);
/* The number of receivers the value went to, or AC_EPIPE if there are none
 * (the value is not kept then). */
long ac_broadcast_send(ac_broadcast_t *b, const void *value);
/* A receiver of the values sent from now on (NULL on ENOMEM). */
ac_broadcast_rx_t *ac_broadcast_subscribe(ac_broadcast_t *b);
void ac_broadcast_rx_free(ac_broadcast_rx_t *rx);
/* Like recv, without waiting: AC_EAGAIN when there is nothing new. */
long ac_broadcast_try_recv(ac_broadcast_rx_t *rx, void *dst);
/* out: long: 0 with the next value in dst; n > 0 when the receiver fell n
 * values behind (they are lost; nothing is copied, and the next recv gives
 * the oldest value still held); AC_EPIPE once every sender is gone and
 * nothing is left.  One recv per receiver at a time. */
typedef struct ac_broadcast_recv {
  /* private */
  ac_broadcast_rx_t *rx;
  void *dst;
  ac_waiter_t wait;
} ac_broadcast_recv_t;
ac_broadcast_recv_t ac_broadcast_recv(ac_broadcast_rx_t *rx, void *dst);
ac_poll_t ac_broadcast_recv_poll(ac_broadcast_recv_t *self, ac_context_t *cx,
                                 long *out);
void ac_broadcast_recv_drop(ac_broadcast_recv_t *self);
extern const ac_future_vtable_t ac_broadcast_recv_vtable;

/* watch: one value that the sender replaces and receivers observe; they
 * see the latest, not every one.  The creator holds the sender. */
typedef struct ac_watch ac_watch_t;
typedef struct ac_watch_rx ac_watch_rx_t;
ac_watch_t *ac_watch_new(size_t size, const void *init); /* NULL on ENOMEM */
/* Replaces the value and wakes the receivers; returns how many there are. */
size_t ac_watch_send(ac_watch_t *w, const void *value);
/* The sender is gone: changed() gives AC_EPIPE once the last value was seen. */
void ac_watch_sender_drop(ac_watch_t *w);
/* A receiver; the value at this moment counts as seen. */
ac_watch_rx_t *ac_watch_subscribe(ac_watch_t *w);
void ac_watch_rx_free(ac_watch_rx_t *rx);
/* Copies the latest value to dst and marks it seen; returns its version
 * (the number of sends before it). */
uint64_t ac_watch_borrow(ac_watch_rx_t *rx, void *dst);
/* out: int, 0 when a value not yet seen (borrowed) is there, AC_EPIPE if
 * the sender is gone and there is none. */
typedef struct ac_watch_changed {
  /* private */
  ac_watch_rx_t *rx;
  ac_waiter_t wait;
} ac_watch_changed_t;
ac_watch_changed_t ac_watch_changed(ac_watch_rx_t *rx);
ac_poll_t ac_watch_changed_poll(ac_watch_changed_t *self, ac_context_t *cx,
                                int *out);
void ac_watch_changed_drop(ac_watch_changed_t *self);
extern const ac_future_vtable_t ac_watch_changed_vtable;

/* ==== files and any fd: ac_file_t ==== */

/* An fd of any kind that tasks read and write without blocking a worker:
 * sockets, pipes, FIFOs and ttys through the reactor (made non-blocking);
 * regular files, block devices, and fds 0-2 (shared with other processes,
 * never made non-blocking) through the blocking pool. */
typedef struct ac_file ac_file_t;
/* own: ac_file_close closes fd.  0 or -errno (needs a current runtime for
 * the reactor kinds). */
int ac_file_wrap(int fd, int own, ac_file_t **out);
int ac_file_close(ac_file_t *f); /* no future on f may be alive */
int ac_file_fd(const ac_file_t *f);
/* The reactor registration (sockets, pipes...), or NULL for pool kinds. */
ac_fd_t *ac_file_reactor_fd(const ac_file_t *f);

/* out: long, bytes moved (0 at end of file) or -errno.  A pool operation
 * moves at most 1 MiB (a short count) through a buffer of its own, so a
 * future dropped while the call runs is safe. */
typedef struct ac_file_io {
  /* private */
  ac_file_t *f;
  void *buf;
  size_t len;
  int op, started;
  void *job;
  union {
    ac_io_t io;
    ac_blocking_t job;
  } u;
} ac_file_io_t;
ac_file_io_t ac_file_read(ac_file_t *f, void *buf, size_t len);
ac_file_io_t ac_file_write(ac_file_t *f, const void *buf, size_t len);
ac_poll_t ac_file_io_poll(ac_file_io_t *self, ac_context_t *cx, long *out);
void ac_file_io_drop(ac_file_io_t *self);
extern const ac_future_vtable_t ac_file_io_vtable;

/* open(2) on the pool (O_CLOEXEC added); out: int, 0 with *out set, or
 * -errno.  path is copied at the first poll.  Dropped while the open runs,
 * the file is closed when it returns. */
typedef struct ac_file_open {
  /* private */
  const char *path;
  int flags, mode, done;
  ac_file_t **out;
  void *job;
  ac_blocking_t call;
} ac_file_open_t;
ac_file_open_t ac_file_open(const char *path, int flags, int mode,
                            ac_file_t **out);
ac_poll_t ac_file_open_poll(ac_file_open_t *self, ac_context_t *cx, int *out);
void ac_file_open_drop(ac_file_open_t *self);
extern const ac_future_vtable_t ac_file_open_vtable;

/* ==== buffered reader and writer ==== */

typedef struct ac_reader ac_reader_t;
typedef struct ac_writer ac_writer_t;
/* cap: the buffer size (0: 8192).  NULL on ENOMEM.  f stays the caller's. */
ac_reader_t *ac_reader_new(ac_file_t *f, size_t cap);
void ac_reader_free(ac_reader_t *r);
size_t ac_reader_buffered(const ac_reader_t *r);
/* The buffered bytes (ac_reader_buffered of them), and dropping n of them:
 * for parsers that work in place. */
const void *ac_reader_peek(const ac_reader_t *r);
void ac_reader_consume(ac_reader_t *r, size_t n);

/* One future type for every read.  out: long.
 * read_until(r, delim, dst, cap): like fgets: stores up to cap - 1 bytes
 *   and a NUL, stopping after delim (included); returns the bytes stored
 *   (a line of cap - 1 bytes without delim was longer: the rest comes
 *   next), 0 at end of file, or -errno.  Cancel-safe when cap <= the
 *   reader's buffer size: nothing is consumed until it completes.
 * read_line: read_until '\n'.
 * read_exact(r, dst, n): n, or fewer at end of file, or -errno.
 * read(r, dst, n): what is buffered, else one read: 1..n, 0 at end, -errno. */
typedef struct ac_reader_op {
  /* private */
  ac_reader_t *r;
  void *dst;
  size_t cap, got;
  int delim, op, reading;
  ac_file_io_t io;
} ac_reader_op_t;
ac_reader_op_t ac_reader_read_until(ac_reader_t *r, int delim, char *dst,
                                    size_t cap);
ac_reader_op_t ac_reader_read_line(ac_reader_t *r, char *dst, size_t cap);
ac_reader_op_t ac_reader_read_exact(ac_reader_t *r, void *dst, size_t n);
ac_reader_op_t ac_reader_read(ac_reader_t *r, void *dst, size_t n);
ac_poll_t ac_reader_op_poll(ac_reader_op_t *self, ac_context_t *cx,
                            long *out);
void ac_reader_op_drop(ac_reader_op_t *self);
extern const ac_future_vtable_t ac_reader_op_vtable;

/* cap: the buffer size (0: 8192).  Free does not flush: await flush first. */
ac_writer_t *ac_writer_new(ac_file_t *f, size_t cap);
void ac_writer_free(ac_writer_t *w);
size_t ac_writer_buffered(const ac_writer_t *w);
/* out: long, 0 or -errno.  write_all buffers what fits and writes when
 * the buffer is full (a block larger than it goes out directly); flush
 * writes everything buffered.  src must stay valid until it completes. */
typedef struct ac_writer_op {
  /* private */
  ac_writer_t *w;
  const void *src;
  size_t len, done;
  int writing, direct;
  ac_file_io_t io;
} ac_writer_op_t;
ac_writer_op_t ac_writer_write_all(ac_writer_t *w, const void *src,
                                   size_t len);
ac_writer_op_t ac_writer_flush(ac_writer_t *w);
ac_poll_t ac_writer_op_poll(ac_writer_op_t *self, ac_context_t *cx,
                            long *out);
void ac_writer_op_drop(ac_writer_op_t *self);
extern const ac_future_vtable_t ac_writer_op_vtable;

/* ==== TCP by name ==== */

/* out: long, a connected socket (non-blocking, close-on-exec, not
 * registered: ac_fd_open or ac_file_wrap it), or -errno: -EHOSTUNREACH
 * when the name does not resolve, else the last address's error.  The
 * name is resolved on the blocking pool (getaddrinfo), then each address
 * is tried in turn.  host is read at the first poll. */
typedef struct ac_tcp_connect {
  /* private */
  const char *host;
  uint16_t port;
  int state, fd;
  long err;
  void *lookup;
  void *next; /* struct addrinfo */
  ac_fd_t *f;
  ac_blocking_t call;
  ac_io_t io;
} ac_tcp_connect_t;
ac_tcp_connect_t ac_tcp_connect(const char *host, uint16_t port);
ac_poll_t ac_tcp_connect_poll(ac_tcp_connect_t *self, ac_context_t *cx,
                              long *out);
void ac_tcp_connect_drop(ac_tcp_connect_t *self);
extern const ac_future_vtable_t ac_tcp_connect_vtable;

/* Binds a listening socket to addr (numeric IPv4 or IPv6; NULL: every
 * address, IPv6 and IPv4) and port (0: the kernel picks; see
 * ac_tcp_local_port), SO_REUSEADDR, and registers it: 0 or -errno.
 * backlog <= 0: SOMAXCONN.  Accept with ac_accept. */
int ac_tcp_listen(const char *addr, uint16_t port, int backlog,
                  ac_fd_t **out);
int ac_tcp_local_port(const ac_fd_t *f); /* the port, or -errno */

/* ==== signals ==== */

/* A stream of deliveries of one signal.  Opening installs a handler for
 * signo that stays installed (docs/runtime.md §17); no signal mask is
 * changed.  0 or -errno (-EINVAL for SIGKILL, SIGSTOP or a bad number). */
typedef struct ac_signal ac_signal_t;
int ac_signal_open(int signo, ac_signal_t **out);
void ac_signal_close(ac_signal_t *s); /* no recv on s may be alive */
/* out: int, the signal number once one more delivery has arrived since
 * the last recv (deliveries close together may merge, as signals do), or
 * -errno. */
typedef struct ac_signal_recv {
  /* private */
  ac_signal_t *s;
  int reading;
  ac_io_t io;
  uint64_t si[1]; /* the doorbell's count */
} ac_signal_recv_t;
ac_signal_recv_t ac_signal_recv(ac_signal_t *s);
ac_poll_t ac_signal_recv_poll(ac_signal_recv_t *self, ac_context_t *cx,
                              int *out);
void ac_signal_recv_drop(ac_signal_recv_t *self);
extern const ac_future_vtable_t ac_signal_recv_vtable;

/* ==== spawning any future value ==== */

/*
 * ac_spawn(fut) spawns a future value of any type on the current runtime,
 * as tokio::spawn does: `ac_task_t *t = ac_spawn(worker(3));`.  The vtable
 * is found from the value's type: acc writes, at the top of each translated
 * file, AC__FUTURE_TYPES listing that file's async functions, and the
 * runtime's own futures are listed here.  acc's front end (which defines
 * __ACC__) sees a function taking any argument, so the sync erasure of
 * `ac_spawn(worker(3))` type-checks too (the oracle makes a void future
 * argument a value).
 */
#ifdef __ACC__
ac_task_t *ac_spawn();
/* The vtable of a future, by its type, for ac_branch_t and ac_timeout. */
const ac_future_vtable_t *AC_VTABLE_OF();
#else
#ifndef AC__FUTURE_TYPES
#define AC__FUTURE_TYPES
#endif
#define AC_VTABLE_OF(ptr)                                                      \
  _Generic((ptr), AC__FUTURE_TYPES                                             \
           ac_join_t *: &ac_join_vtable, ac_yield_t *: &ac_yield_vtable,       \
           ac_sleep_t *: &ac_sleep_vtable,                                     \
           ac_join_all_t *: &ac_join_all_vtable,                               \
           ac_select_t *: &ac_select_vtable,                                   \
           ac_timeout_t *: &ac_timeout_vtable,                                 \
           ac_oneshot_recv_t *: &ac_oneshot_recv_vtable,                       \
           ac_mpsc_send_t *: &ac_mpsc_send_vtable,                             \
           ac_mpsc_recv_t *: &ac_mpsc_recv_vtable,                             \
           ac_acquire_t *: &ac_acquire_vtable,                                 \
           ac_notified_t *: &ac_notified_vtable, ac_io_t *: &ac_io_vtable,      \
           ac_blocking_t *: &ac_blocking_vtable,                               \
           ac_cancel_wait_t *: &ac_cancel_wait_vtable,                         \
           ac_interval_tick_t *: &ac_interval_tick_vtable,                     \
           ac_task_set_join_t *: &ac_task_set_join_vtable,                     \
           ac_broadcast_recv_t *: &ac_broadcast_recv_vtable,                   \
           ac_watch_changed_t *: &ac_watch_changed_vtable,                     \
           ac_file_io_t *: &ac_file_io_vtable,                                 \
           ac_file_open_t *: &ac_file_open_vtable,                             \
           ac_reader_op_t *: &ac_reader_op_vtable,                             \
           ac_writer_op_t *: &ac_writer_op_vtable,                             \
           ac_tcp_connect_t *: &ac_tcp_connect_vtable,                         \
           ac_signal_recv_t *: &ac_signal_recv_vtable)
#define AC__SPAWN_VALUE(fut)                                                   \
  __extension__({                                                              \
    __typeof__(fut) ac__fut = (fut);                                           \
    ac_spawn_raw(AC_VTABLE_OF(&ac__fut), &ac__fut);                            \
  })
#define ac_spawn(fut) AC__SPAWN_VALUE(fut)
#endif

/* ==== typed joins ==== */

/* A join future typed by its output, so `T v = await NAME(handle);` has a
 * type: NAME_t, NAME_poll(NAME_t *, ac_context_t *, T *), NAME_drop.  Made
 * here for int, long and void *; AC_JOIN_DEFINE(join_point, struct point)
 * makes more.  ac_task_join (out: void) serves tasks of any output. */
#define AC_JOIN_DEFINE(NAME, T)                                                \
  typedef struct NAME {                                                        \
    ac_join_t join; /* private */                                              \
  } NAME##_t;                                                                  \
  static inline NAME##_t NAME(ac_task_t *t) {                                  \
    NAME##_t r = {ac_task_join(t)};                                            \
    return r;                                                                  \
  }                                                                            \
  static inline ac_poll_t NAME##_poll(NAME##_t *self, ac_context_t *cx,        \
                                      T *out) {                                \
    ac_poll_t r = ac_join_poll(&self->join, cx, out);                          \
    if (r == AC_POLL_READY && self->join.status < 0 &&                         \
        self->join.status != AC_ECANCELED && out)                              \
      __builtin_memset(out, 0, sizeof *out); /* a misused handle */            \
    return r;                                                                  \
  }                                                                            \
  static inline void NAME##_drop(NAME##_t *self) {                             \
    ac__join_drop(&self->join);                                                \
  }                                                                            \
  static inline void NAME##_drop_ready(NAME##_t *self) { (void)self; }
AC_JOIN_DEFINE(ac_join_int, int)
AC_JOIN_DEFINE(ac_join_long, long)
AC_JOIN_DEFINE(ac_join_ptr, void *)

#ifdef __cplusplus
}
#endif

#endif /* AC_H */
