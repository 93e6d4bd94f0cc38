/*
 * internal.h: what the parts of libacrt share and users never see.
 *
 * Prototypes are grouped by the file that defines them.  Internal externs
 * carry AC_INTERNAL (hidden visibility), so the shared library exports only
 * the ac_ names of ac.h.  Shared state is touched through the __atomic
 * builtins, which gcc, clang and TSan all understand.
 */
#ifndef AC_INTERNAL_H
#define AC_INTERNAL_H

#include "ac.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define AC_INTERNAL __attribute__((visibility("hidden")))
#define AC_LIKELY(x) __builtin_expect(!!(x), 1)
#define AC_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define ac__container_of(p, type, field)                                       \
  ((type *)(void *)((char *)(p)-offsetof(type, field)))

#define ac__load(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define ac__store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* A full fence for the "announce, fence, look" handshakes of parking.  gcc
 * rejects fences under TSan; a seq_cst read-modify-write is a full barrier
 * on x86 and keeps the instrumented build honest about everything else. */
#if defined(__SANITIZE_THREAD__)
#define AC__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AC__TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define AC__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AC__ASAN 1
#endif
#endif
/* Under ASan, task memory no slot owns is poisoned (slab.c). */
#ifdef AC__ASAN
#include <sanitizer/asan_interface.h>
#define AC__POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define AC__UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define AC__POISON(p, n) ((void)(p), (void)(n))
#define AC__UNPOISON(p, n) ((void)(p), (void)(n))
#endif

static inline void ac__fence(void) {
#ifdef AC__TSAN
  static int dummy;
  __atomic_fetch_add(&dummy, 0, __ATOMIC_SEQ_CST);
#else
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* ==== spinlock ==== */

/* Critical sections in the runtime are a few dozen instructions and never
 * block, so a test-and-set lock beats a pthread mutex (one atomic to take,
 * a plain release store to give back).  A holder can be preempted, though:
 * with more runnable threads than cores, a waiter that only spun burned
 * the time slice its holder needed.  So the contended path (spin.c) spins
 * a bounded while, then yields its core between looks. */
typedef struct ac__spin {
  int locked;
} ac__spin_t;

AC_INTERNAL void ac__spin_lock_slow(ac__spin_t *l);

static inline void ac__spin_lock(ac__spin_t *l) {
  if (AC_LIKELY(!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)))
    return;
  ac__spin_lock_slow(l);
}
static inline void ac__spin_unlock(ac__spin_t *l) {
  __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* ==== bias.c: a lock that its one user does not take ====
 *
 * An object that one thread uses all along (a channel between two tasks
 * of a current-thread runtime, or of one worker) need not pay for its
 * spinlock: the first worker thread that takes the lock of a fresh object
 * becomes its owner, and from then on works on it with plain stores, a
 * `busy` flag raised around each operation instead of the lock.  Another
 * thread that takes the lock finds an owner and revokes the bias for good:
 * it clears the owner, forces a full barrier on every thread of the
 * process (membarrier's private expedited command), and waits for `busy`
 * to fall; from then on everyone takes the lock.  The barrier is what
 * makes the owner's store to busy and its load of the owner an ordered
 * pair without a fence on the owner's side: either the owner sees the
 * revocation, or the revoker sees it busy and waits.
 *
 * Without membarrier (an old kernel, a sandbox), under TSan (which does
 * not know that barrier and would report the owner's plain accesses), and
 * once revocations outnumber a quarter of the biases handed out (objects
 * that mostly cross threads, where each revocation costs a system call),
 * no object is biased: the lock alone, as before.
 */
typedef struct ac__bias {
  uint64_t owner;  /* AC__BIAS_FRESH, AC__BIAS_NONE, or a thread's ac__tid */
  uint32_t busy;   /* the owner is inside an operation; only it writes */
  /* Unbiased, under the lock: a run of `streak` lock holds in a row by
   * the thread at `last` (its ac__tid's address) biases the object to it
   * again once it reaches `need`, which doubles at every revocation.  A
   * multi-thread runtime's tasks settle on one worker after a steal. */
  uint32_t streak, need;
  uintptr_t last;
} ac__bias_t;
#define AC__BIAS_FRESH UINT64_MAX       /* nobody has taken the lock yet */
#define AC__BIAS_NONE (UINT64_MAX - 1)  /* everyone takes the lock */

/* This thread's id for biases: 0 until it first owns an object, then
 * unique in the process for good (never reused, unlike a TLS address). */
AC_INTERNAL extern __thread uint64_t ac__tid;
static inline uint64_t ac__tls_tid(void) { return ac__tid; }

AC_INTERNAL void ac__bias_init(ac__bias_t *b);
AC_INTERNAL void ac__bias_lock_slow(ac__bias_t *b, ac__spin_t *l);
/* With the lock held, for an object that is not unbiased: claims a fresh
 * one, or revokes another thread's bias. */
AC_INTERNAL void ac__bias_locked(ac__bias_t *b);
AC_INTERNAL void ac__bias_rebias(ac__bias_t *b);

/* Enters an operation on the object: true for its owner, which holds no
 * lock; false with l held.  Leave with ac__bias_unlock(b, l, the same). */
static inline __attribute__((always_inline)) bool
ac__bias_lock(ac__bias_t *b, ac__spin_t *l) {
  uint64_t me = ac__tls_tid();
  /* Only the owner may write busy: a first look filters the others. */
  uint64_t o = __atomic_load_n(&b->owner, __ATOMIC_RELAXED);
  if (AC_LIKELY(o == me)) {
    __atomic_store_n(&b->busy, 1, __ATOMIC_RELAXED);
    /* The store before the load: the revoker's membarrier is the fence. */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (AC_LIKELY(__atomic_load_n(&b->owner, __ATOMIC_RELAXED) == me))
      return true;
    __atomic_store_n(&b->busy, 0, __ATOMIC_RELEASE);
  } else if (AC_LIKELY(o == AC__BIAS_NONE)) {
    ac__spin_lock(l);
    /* The owner changes only under l, but the look above was before it:
     * a run of another thread's holds may have biased it meanwhile. */
    if (AC_UNLIKELY(__atomic_load_n(&b->owner, __ATOMIC_RELAXED) !=
                    AC__BIAS_NONE)) {
      ac__bias_locked(b);
      return false;
    }
    uintptr_t self = (uintptr_t)&ac__tid;
    if (AC_LIKELY(b->last == self)) {
      if (AC_UNLIKELY(++b->streak >= b->need))
        ac__bias_rebias(b);
    } else {
      b->last = self;
      b->streak = 0;
    }
    return false;
  }
  ac__bias_lock_slow(b, l);
  return false;
}
/* The owner's half of ac__bias_lock alone, for a fast path that falls
 * back to the full lock: true if entered (leave with
 * ac__bias_leave_owned), false with nothing held. */
static inline __attribute__((always_inline)) bool
ac__bias_enter_owned(ac__bias_t *b) {
  uint64_t me = ac__tls_tid();
  if (AC_LIKELY(__atomic_load_n(&b->owner, __ATOMIC_RELAXED) == me)) {
    __atomic_store_n(&b->busy, 1, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (AC_LIKELY(__atomic_load_n(&b->owner, __ATOMIC_RELAXED) == me))
      return true;
    __atomic_store_n(&b->busy, 0, __ATOMIC_RELEASE);
  }
  return false;
}
static inline __attribute__((always_inline)) void
ac__bias_leave_owned(ac__bias_t *b) {
  __atomic_store_n(&b->busy, 0, __ATOMIC_RELEASE);
}
static inline __attribute__((always_inline)) void
ac__bias_unlock(ac__bias_t *b, ac__spin_t *l, bool owned) {
  if (AC_LIKELY(owned))
    __atomic_store_n(&b->busy, 0, __ATOMIC_RELEASE);
  else
    ac__spin_unlock(l);
}
/* For tests: the object is biased to the calling thread; objects can be
 * biased at all in this process (and build). */
static inline bool ac__bias_mine(const ac__bias_t *b) {
  return __atomic_load_n(&b->owner, __ATOMIC_RELAXED) == ac__tls_tid();
}
AC_INTERNAL bool ac__bias_possible(void);
/* ac_runtime_new, before any worker starts: registers for membarrier
 * while it is cheap, not later under an object's lock (bias.c). */
AC_INTERNAL void ac__bias_setup(void);
/* For tests: registration was tried (without trying it). */
AC_INTERNAL bool ac__bias_settled(void);
/* chan_mpsc.c, for tests: the channel is biased to the calling thread. */
AC_INTERNAL bool ac__mpsc_biased_here(ac_mpsc_t *h);

/* ==== list.h-style intrusive list (circular, with a head node) ==== */

/* memcpy of a size known only at run time is a call through the PLT; the
 * common sizes (an int, a long or pointer, two of them) are copied inline.
 * Spawn copies a frame, completion and join an output, channels an element. */
static inline void ac__copy_small(void *dst, const void *src, size_t n) {
  switch (n) {
  case 4:
    memcpy(dst, src, 4);
    return;
  case 8:
    memcpy(dst, src, 8);
    return;
  case 16:
    memcpy(dst, src, 16);
    return;
  default:
    memcpy(dst, src, n);
  }
}

static inline void ac__list_init(ac_list_node_t *h) { h->prev = h->next = h; }
static inline bool ac__list_empty(const ac_list_node_t *h) {
  return h->next == h;
}
static inline void ac__list_push_back(ac_list_node_t *h, ac_list_node_t *n) {
  n->prev = h->prev;
  n->next = h;
  h->prev->next = n;
  h->prev = n;
}
static inline void ac__list_remove(ac_list_node_t *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->prev = n->next = NULL;
}

/* Stores a clone of cx's waker in *slot unless it already wakes the same
 * task.  *slot must be owned by the caller (held under the object's lock). */
static inline void ac__waker_store(ac_waker_t *slot, const ac_context_t *cx) {
  if (slot->vtable && ac_waker_will_wake(slot, cx->waker))
    return;
  if (slot->vtable)
    ac_waker_drop(*slot);
  *slot = ac_waker_clone(cx->waker);
}
static inline void ac__waker_drop_opt(ac_waker_t w) {
  if (w.vtable)
    ac_waker_drop(w);
}
static inline ac_waker_t ac__waker_take(ac_waker_t *slot) {
  ac_waker_t w = *slot;
  slot->vtable = NULL;
  slot->data = NULL;
  return w;
}

/* ==== the waiter protocol (waitq.c): channels, semaphore, notify ====
 *
 * A future that waits for something an object hands out (a buffer slot,
 * permits, a notification) keeps an ac_waiter_t inline and joins the
 * object's FIFO.  Every step runs under the object's lock.  The giving
 * side takes the first waiter off the list, marks it GRANTED (what it
 * waited for is now its own) and wakes it, so no wake is lost and nobody
 * barges in between; the waiter's next poll sees GRANTED and completes.
 * A waiter dropped while QUEUED leaves the list; one dropped while
 * GRANTED never used its grant, and the object hands it to the next.
 */
enum {
  AC__WAIT_IDLE = 0,    /* not in any list */
  AC__WAIT_QUEUED = 1,  /* in the object's wait list, waker stored */
  AC__WAIT_GRANTED = 2, /* taken off the list and handed what it waited for */
  AC__WAIT_DONE = 3,    /* completed; drop has nothing to undo */
};

AC_INTERNAL ac_waiter_t *ac__waitq_first(ac_list_node_t *q);
/* Appends w (IDLE) with a clone of cx's waker. */
AC_INTERNAL void ac__waitq_push(ac_list_node_t *q, ac_waiter_t *w,
                                const ac_context_t *cx);
/* Takes w off its list, marks it GRANTED and wakes it. */
AC_INTERNAL void ac__waitq_grant(ac_waiter_t *w);
/* A poll of a waiter that is QUEUED or GRANTED: true (and DONE) if
 * granted, else its waker is refreshed and it waits on. */
AC_INTERNAL bool ac__waiter_poll(ac_waiter_t *w, const ac_context_t *cx);
/* Drop: a QUEUED waiter leaves the list.  Returns the state it had, so
 * the caller passes an unseen grant on (GRANTED).  Ends DONE. */
AC_INTERNAL uint32_t ac__waiter_cancel(ac_waiter_t *w);
/* Level waiters (a token, a broadcast or watch receiver) check a state
 * under the lock and wait while it is not there: grant_all wakes all of
 * them when it changes, ac__waiter_wait (re)queues w or refreshes its
 * waker, and ac__waiter_cancel takes it off once it is done or dropped
 * (a grant carries nothing, so there is nothing to pass on). */
AC_INTERNAL void ac__waitq_grant_all(ac_list_node_t *q);
AC_INTERNAL void ac__waiter_wait(ac_list_node_t *q, ac_waiter_t *w,
                                 const ac_context_t *cx);
/* The state, read without the object's lock (drop's first look, a poll's
 * check for DONE): only the owner moves a waiter into or out of QUEUED and
 * GRANTED, but a giving thread moves it from one to the other meanwhile,
 * so that store (ac__waitq_grant) and this load are atomic; relaxed, as
 * the answer (pending or not, DONE or not) is the same on both sides of
 * that store, and whatever follows takes the lock. */
static inline uint32_t ac__waiter_state(const ac_waiter_t *w) {
  return __atomic_load_n(&w->state, __ATOMIC_RELAXED);
}
/* Drop's look without the lock: anything to undo? */
static inline bool ac__waiter_pending(const ac_waiter_t *w) {
  uint32_t st = ac__waiter_state(w);
  return st == AC__WAIT_QUEUED || st == AC__WAIT_GRANTED;
}

/* ==== handle.c: checked handles ====
 *
 * A handle is the address of its object's slot (type-stable memory,
 * slab.c) with the slot's generation in the 17 bits above the address and
 * the 3 below it (slots are 8-aligned, addresses below 2^47: a user
 * address on x86-64 unless mmap is asked for more).  A checked
 * object starts with ac__obj_t: its kind, 0 once freed, and the
 * generation; a handle is good if both match.
 */
#define AC__GEN_BITS 20
#define AC__GEN_LIMIT (1u << AC__GEN_BITS)
/* AC__H_ADDR, the address bits (0x00007ffffffffff8), is in ac.h: its
 * inline recv poll finds the channel with it. */

typedef union ac__obj {
  uint64_t word; /* kind | gen << 32, read at once by a check */
  struct {
    uint32_t kind; /* AC__K_*; 0: the slot is free */
    uint32_t gen;
  };
} ac__obj_t;

enum {
  AC__K_DEAD = 1, /* being freed (an fd closed, queued for the driver) */
  AC__K_MPSC = 0x4d500001,
  AC__K_ONESHOT,
  AC__K_FD,
  AC__K_SEM,
  AC__K_NOTIFY,
};

static inline void *ac__handle_make(const void *slot) {
  uint32_t g = __atomic_load_n((const uint32_t *)slot + 1, __ATOMIC_RELAXED);
  return (void *)((uintptr_t)slot | (uintptr_t)(g & 0x1ffffu) << 47 |
                  (uintptr_t)(g >> 17));
}
static inline void *ac__handle_addr(const void *h) {
  return (void *)((uintptr_t)h & AC__H_ADDR);
}
/* Rotated left by 17, the handle has the generation in its low 20 bits
 * (one rotate and one and: this is on every poll of a channel future). */
static inline uint32_t ac__handle_gen(const void *h) {
  uintptr_t v = (uintptr_t)h;
  return (uint32_t)((v << 17 | v >> 47) & (AC__GEN_LIMIT - 1));
}
/* gen << 32 of a handle, in three shifts (a rotate, and two that keep the
 * low 20 bits and put them in place), not the seven of the two steps. */
static inline uint64_t ac__handle_gen_hi(const void *h) {
  uintptr_t v = (uintptr_t)h;
  uint64_t r = v << 17 | v >> 47;
  _Static_assert(AC__GEN_BITS == 20, "the shifts keep 20 bits");
  return r << 44 >> 12;
}
/* The object a handle names if it is alive and of that kind, else NULL. */
static inline void *ac__obj_get(const void *h, uint32_t kind) {
  ac__obj_t *o = ac__handle_addr(h);
  if (AC_UNLIKELY(!o))
    return NULL;
  uint64_t want = ac__handle_gen_hi(h) | kind;
  return AC_LIKELY(__atomic_load_n(&o->word, __ATOMIC_ACQUIRE) == want) ? o
                                                                        : NULL;
}
/* The handle of a new task. */
static inline ac_task_t *ac__task_handle(ac_task_t *t) {
  return ac__handle_make(t);
}
/* Reports a misuse (stderr, or abort with AC_MISUSE=abort); returns err. */
AC_INTERNAL int ac__misuse(int err, const char *what);
/* A zeroed object of that kind from the object heap, or NULL. */
AC_INTERNAL void *ac__obj_new(size_t size, uint32_t kind);
AC_INTERNAL void ac__obj_free(void *o);

/* ==== deferred unpark ====
 *
 * A wake from a thread that is not a worker of the task's runtime pushes
 * on the inject queue and unparks a worker: an eventfd write or a condvar
 * signal.  Under a channel's or a semaphore's spinlock that made every
 * other thread spin through the system call (17-50 us a message from a
 * plain thread).  The calls plain threads make (try_send, the drops of
 * channel ends, release, notify) take the object's lock with
 * ac__obj_lock, which defers the unpark of such wakes to ac__obj_unlock,
 * after the lock is given back.  The polls, which run in tasks, take the
 * plain spinlock: counting the depth there cost W3 6 ns a round trip.
 */
AC_INTERNAL void ac__sched_flush_unpark(void);

struct ac__sched;

/* ==== task.c ==== */

/*
 * The task header.  It is followed in the same allocation by the future,
 * whose storage holds the output once the future has completed (the future
 * is dropped first), unless the output is too large for the stack buffer
 * poll writes it to; then a separate slot follows the future.
 * Bits of `state` are documented at the top of task.c.
 */
struct ac_task {
  union {
    uint64_t word; /* both at once, for handle checks (task.c) */
    struct {
      uint32_t state; /* flags + refcount, atomic */
      uint32_t gen;   /* the slot's generation (slab.c), atomic */
    };
  };
  uintptr_t vtw; /* the future's type, and AC__VT_* in its low bits */
  /* No join waker: a join that waits leaves it in its runtime's table
   * (join_wait.c), so tasks nobody awaits unfinished do not carry it. */
};
_Static_assert(sizeof(struct ac_task) == 16, "the task header is 16 bytes");

/* A task is `local` when its runtime is current-thread: only the runtime's
 * thread polls it, so its RUNNING bit is AC__VT_QUEUED, which only that
 * thread writes, and a wake there (the common case: a channel, a timer, an
 * fd, a join) costs no atomic operation.  A wake from any other thread
 * sets AC__T_REMOTE (with a reference) and goes through the inject queue;
 * the runtime's thread takes it from there (sched.c).  Queue entries of
 * local tasks hold no reference: a task is queued only while not COMPLETE,
 * and until then the runtime's own reference keeps it.
 *
 * Both flags live in the vtable pointer's low bits (a vtable is pointer
 * aligned), the only header word no other thread writes: the state word
 * takes atomic read-modify-writes from any thread, and a plain store into
 * it would race with them.  Every access is a relaxed atomic, which is a
 * plain load or store. */
enum { AC__VT_LOCAL = 1, AC__VT_QUEUED = 2, AC__VT_BITS = 7 };
/* Bit 2, set once at spawn: the future is not at the header's end, its
 * output is too big for the stack buffer, or a hook (trace.c) is on;
 * sched.c's inline run takes the general path then (one test instead of
 * loads and compares).  The hooks are read from the environment when the
 * first runtime is made, before any task exists, and never change. */
enum { AC__VT_SLOW = 4 };
_Static_assert(_Alignof(ac_future_vtable_t) > AC__VT_BITS,
               "a vtable's address has room for the AC__VT_ bits");
static inline const ac_future_vtable_t *ac__task_vt(const ac_task_t *t) {
  return (const ac_future_vtable_t *)(__atomic_load_n(&t->vtw,
                                                      __ATOMIC_RELAXED) &
                                      ~(uintptr_t)AC__VT_BITS);
}
static inline bool ac__task_local(const ac_task_t *t) {
  return __atomic_load_n(&t->vtw, __ATOMIC_RELAXED) & AC__VT_LOCAL;
}
static inline bool ac__task_queued(const ac_task_t *t) {
  return __atomic_load_n(&t->vtw, __ATOMIC_RELAXED) & AC__VT_QUEUED;
}
/* The runtime's thread only. */
static inline void ac__task_set_queued(ac_task_t *t, bool q) {
  uintptr_t v = __atomic_load_n(&t->vtw, __ATOMIC_RELAXED);
  __atomic_store_n(&t->vtw, q ? v | AC__VT_QUEUED : v & ~(uintptr_t)AC__VT_QUEUED,
                   __ATOMIC_RELAXED);
}

/* Where the future starts: right after the header, or at its alignment
 * (a power of two) if that is larger. */
static inline size_t ac__fut_off(const ac_future_vtable_t *vt) {
  return vt->align > sizeof(struct ac_task) ? vt->align
                                             : sizeof(struct ac_task);
}

enum {
  AC__T_RUNNING = 1u << 0,
  AC__T_NOTIFIED = 1u << 1,
  AC__T_COMPLETE = 1u << 2,
  AC__T_CANCELLED = 1u << 3,
  AC__T_JOIN_INTEREST = 1u << 4,
  AC__T_JOIN_WAKER = 1u << 5,
  AC__T_JOIN_CLAIMED = 1u << 7,
  AC__T_REF_ONE = 1u << 8,
};
/* A local task: a wake from another thread waits on the inject queue.
 * Where RUNNING is for other tasks, which a local one never sets. */
enum {
  AC__T_REMOTE = AC__T_RUNNING,
};
#define AC__T_REFS(s) ((s) >> 8)
/* Aborted (ac_task_abort): its next poll must be its drop.  A plain look,
 * for the thread running it: repolls and the end of a poll test it. */
static inline bool ac__task_aborted(const ac_task_t *t) {
  return __atomic_load_n(&t->state, __ATOMIC_RELAXED) & AC__T_CANCELLED;
}

/* Out sizes up to this many bytes are returned through a stack buffer and
 * stored over the dead future. */
#define AC__SMALL_OUT 64

AC_INTERNAL ac_task_t *ac__task_new(struct ac__sched *s,
                                    const ac_future_vtable_t *vt,
                                    const void *fut);
AC_INTERNAL bool ac__task_run(ac_task_t *t);
/* The two ends of a run, for sched.c's inline copy of the common case:
 * the future was ready (small output in out), or pending without a wake
 * of its own (true: run it again). */
AC_INTERNAL void ac__task_ready(ac_task_t *t, const void *out);
AC_INTERNAL bool ac__task_pending(ac_task_t *t);
AC_INTERNAL void ac__task_shutdown(ac_task_t *t);
AC_INTERNAL void ac__task_unref(ac_task_t *t);
AC_INTERNAL void ac__task_unref_last(ac_task_t *t); /* refs already 0 */
AC_INTERNAL void ac__sched_orphan_handles(struct ac__sched *s);
AC_INTERNAL void *ac__task_future(ac_task_t *t);
AC_INTERNAL void *ac__task_output(ac_task_t *t);

/* ==== join_wait.c: the wakers of waiting joins, by task ==== */

typedef struct ac__joinw_slot {
  ac_task_t *task; /* NULL: empty */
  ac_waker_t waker;
} ac__joinw_slot_t;
typedef struct ac__joinw {
  ac__spin_t lock;
  uint32_t len;    /* entries; atomic stores, for stats */
  uint32_t mask;   /* capacity - 1 */
  ac__joinw_slot_t *slots;
} ac__joinw_t;
/* Stores a clone of w as t's join waker (replacing one there): 0, or
 * -ENOMEM. */
AC_INTERNAL int ac__joinw_put(ac__joinw_t *jw, ac_task_t *t,
                              const ac_waker_t *w);
/* t has an entry (then it now wakes w): true; else false. */
AC_INTERNAL bool ac__joinw_refresh(ac__joinw_t *jw, ac_task_t *t,
                                   const ac_waker_t *w);
/* Takes t's entry out: true with its waker in *out, or false. */
AC_INTERNAL bool ac__joinw_take(ac__joinw_t *jw, ac_task_t *t,
                                ac_waker_t *out);
AC_INTERNAL size_t ac__joinw_len(ac__joinw_t *jw);
AC_INTERNAL void ac__joinw_destroy(ac__joinw_t *jw);

/* ==== waker.c ==== */

AC_INTERNAL extern const ac_waker_vtable_t ac__task_waker_vtable;
AC_INTERNAL void ac__task_wake_by_ref(void *data);
AC_INTERNAL extern const ac_waker_vtable_t ac__noop_waker_vtable;

/* ==== bigmem.c: large arrays, mapped (their memory goes back) ==== */

#define AC__BIG_MIN (256u << 10)
AC_INTERNAL void *ac__big_alloc(size_t n);
AC_INTERNAL void ac__big_free(void *p, size_t n);
AC_INTERNAL void *ac__big_realloc(void *p, size_t old, size_t n);

/* ==== runq.c ==== */

/* A growable ring of task pointers (as uintptr_t).  An entry owns its task:
 * the task's RUNNING bit and one reference.  The head and the length, no
 * tail: the length is what other threads read, and a yield's rotation
 * leaves it as it is (one index to move, not two). */
typedef struct ac__runq {
  ac__spin_t lock;     /* taken only when other threads may touch it */
  uint32_t head;       /* free-running */
  uint32_t len;        /* written atomically (under the lock where other
                          threads push or steal); read by anyone */
  uint32_t mask;       /* capacity - 1 */
  uintptr_t *buf;
} ac__runq_t;

AC_INTERNAL int ac__runq_init(ac__runq_t *q);
AC_INTERNAL void ac__runq_free(ac__runq_t *q);
AC_INTERNAL int ac__runq_grow(ac__runq_t *q);
AC_INTERNAL uintptr_t ac__runq_steal(ac__runq_t *dst, ac__runq_t *src);

static inline void ac__runq_set_len(ac__runq_t *q, uint32_t n) {
  __atomic_store_n(&q->len, n, __ATOMIC_RELAXED);
}

/* Push and pop are on every poll's path, hence inline. */
static inline int ac__runq_push(ac__runq_t *q, uintptr_t e) {
  uint32_t n = q->len;
  if (AC_UNLIKELY(n > q->mask) && ac__runq_grow(q) != 0)
    return -1;
  q->buf[(q->head + n) & q->mask] = e;
  ac__runq_set_len(q, n + 1);
  return 0;
}
/* A queue that grew past this many entries gives its ring back once it
 * is empty (W4: the ring that held 1M new tasks was 8 B of every task's
 * resident memory after they had all run), and the pages its head has
 * passed, AC__RUNQ_RELEASE entries at a time, as it drains (they held 8 B
 * of each of a million sleepers while the timer heap already held their
 * next 8 B). */
#define AC__RUNQ_SHRINK_AT (1u << 16)
#define AC__RUNQ_RELEASE (1u << 13)
AC_INTERNAL void ac__runq_shrink(ac__runq_t *q);

static inline uintptr_t ac__runq_pop(ac__runq_t *q) {
  uint32_t n = q->len;
  if (n == 0)
    return 0;
  uintptr_t e = q->buf[q->head++ & q->mask];
  ac__runq_set_len(q, n - 1);
  if (AC_UNLIKELY(q->mask >= AC__RUNQ_SHRINK_AT) &&
      (n == 1 || !(q->head & (AC__RUNQ_RELEASE - 1))))
    ac__runq_shrink(q);
  return e;
}
/* Pushes e and pops the head in one step (n = q's length, not 0): a
 * yield's requeue; the length stays. */
static inline uintptr_t ac__runq_rotate(ac__runq_t *q, uintptr_t e,
                                        uint32_t n) {
  uint32_t h = q->head, m = q->mask;
  uintptr_t x = q->buf[h & m];
  q->buf[(h + n) & m] = e;
  q->head = h + 1;
  if (!x) /* entries are tasks: tells the caller's `x ? x : ...` */
    __builtin_unreachable();
  return x;
}
static inline uint32_t ac__runq_len(const ac__runq_t *q) {
  return __atomic_load_n(&q->len, __ATOMIC_RELAXED);
}

/* ==== sched.c: the scheduler both executors share ==== */

typedef struct ac__worker {
  /* The first cache line holds what every poll of a current-thread
   * worker touches (q, next, tick, streak); own is in the second. */
  struct ac__sched *sched;
  ac__runq_t q;      /* locked only if other workers can steal */
  uintptr_t next;    /* runs next (owner only): woken by the running task,
                        or taken off q with a requeue */
  uintptr_t parked;  /* multi-thread: the last task that went pending
                        here, still RUNNING (sched.c, "parked slot") */
  uint32_t tick;     /* polls left until the next inject and driver check */
  uint32_t streak;   /* runs from `next` with work queued */
  ac__runq_t own;    /* multi-thread: tasks that yielded here, or were
                        woken here outside a poll; only this worker
                        touches it, nobody steals from it (sched.c, "the
                        yield ring") */
  uint32_t index;
  uint32_t rng;      /* victim choice for stealing */
  pthread_t thread;
  struct ac__slab_heap *heap; /* its task memory: &sched->heaps[index] */
  /* A cache line of its own: each worker writes its rings on every
   * yield, and two workers sharing a line made W2b's yields on the
   * multi-thread executor half again as slow as on one worker. */
} __attribute__((aligned(64))) ac__worker_t;

/* ==== slab.c: task memory (see there) ==== */

#define AC__SLAB_CHUNK (256u << 10) /* size and alignment of a chunk */
#define AC__SLAB_HDR 128u           /* the first slot's offset in a chunk */
/* Size classes: 16, 24 (for alignments up to 8), then 32, 48, ... 1024:
 * class k >= 2 holds 16 k bytes (slab.c). */
#define AC__SLAB_NCLASS 65u
#define AC__SLAB_MAX 1024u
#define AC__SLAB_LARGE UINT32_MAX   /* cls of a chunk holding one big task */

typedef struct ac__slab_chunk {
  struct ac__sched *sched;     /* NULL: the object heap's, or in the pool */
  struct ac__slab_heap *heap;  /* NULL for a large chunk */
  struct ac__slab_chunk *next, *prev; /* the heap's (or runtime's) list */
  uint32_t cls;
  uint32_t slot;               /* slot size; a large chunk: the task offset */
  uint32_t nslots;
  uint32_t carved;             /* slots handed out so far (owner writes) */
  size_t len;                  /* bytes (large chunks: a multiple) */
  uint32_t gen_floor;          /* no slot was given a generation above it
                                  before the chunk went to the pool */
  uint32_t retired;            /* slots whose generations are spent */
  uint32_t nfree;              /* counted by a trim */
  bool release;                /* a trim gives it back */
  bool visited;                /* large: seen by the shutdown walk */
} ac__slab_chunk_t;
_Static_assert(sizeof(ac__slab_chunk_t) <= AC__SLAB_HDR, "chunk header");

typedef struct ac__slab_class {
  void *free;                  /* owner only */
  void *remote;                /* atomic: pushed by other threads */
  void *cold;                  /* owner only: slots resting (slab.c) */
  ac__slab_chunk_t *cur;       /* being carved */
} ac__slab_class_t;

typedef struct ac__slab_heap {
  ac__slab_class_t cls[AC__SLAB_NCLASS];
  ac__slab_chunk_t *chunks;
  bool shared;                 /* the non-worker heap: under lock */
  ac__spin_t lock;
  ac__worker_t *owner;         /* the worker whose heap it is, or NULL */
  /* Counters, written by the owner (or under lock), read by stats. */
  size_t allocs, frees;
  size_t finished;             /* tasks finished on this heap's thread */
  size_t remote_frees;         /* atomic */
  size_t trim_mark;            /* frees + remote_frees at the last trim */
  size_t trim_left;            /* free slots the last trim left */
  size_t chunk_bytes;          /* held (owner or lock holder writes) */
} ac__slab_heap_t;

static inline ac__slab_chunk_t *ac__slab_chunk_of(const void *p) {
  return (ac__slab_chunk_t *)((uintptr_t)p &
                              ~(uintptr_t)(AC__SLAB_CHUNK - 1));
}

typedef struct ac__sched {
  ac_rt_flavor_t flavor;
  uint32_t nworkers;
  uint32_t nworkers_started; /* threads to join (multi-thread) */
  bool locked_queues;      /* nworkers > 1: local queues can be stolen */
  ac__worker_t *workers;
  ac__runq_t inject;       /* tasks from outside a worker; always locked */
  ac__slab_heap_t *heaps;  /* one per worker, and one for other threads */
  ac__spin_t large_lock;
  ac__slab_chunk_t *large; /* chunks of one large task each */
  size_t large_live;       /* under large_lock; read atomically */
  size_t large_spawned;    /* the same */
  ac__slab_chunk_t *large_cache; /* freed, kept committed (under the lock) */
  uint32_t large_ncache;   /* the same; read atomically */
  size_t large_bytes;      /* large chunks held, cache included: the same */
  uint32_t shutdown;       /* atomic: workers stop */
  uint32_t closed;         /* atomic: wakes after close just drop the ref */
  /* idle workers (exec_multi.c); the driver is owned by one of them */
  pthread_mutex_t idle_lock;
  pthread_cond_t idle_cond;
  uint32_t nidle;          /* atomic: workers in park() */
  uint32_t waking;         /* atomic: a worker was woken and is not back
                              yet; more notifies would be redundant */
  uint32_t ncond;          /* sleeping on idle_cond (under idle_lock) */
  bool driver_owned;       /* a worker is in the driver (under idle_lock) */
  bool driver_parked;      /* ... an idle one, to sleep there (idle_lock) */
  struct ac__driver *driver;
  struct ac_runtime *rt;
  ac__joinw_t joinw;       /* the wakers of waiting joins (join_wait.c) */
} ac__sched_t;

/* The thread-local context: the only mutable global of the runtime. */
typedef struct ac__tls {
  ac__sched_t *sched;     /* current runtime */
  ac__worker_t *worker;   /* the worker this thread is, or NULL */
  ac_task_t *running;     /* task being polled on this thread */
  bool notify;            /* wake an idle worker once out of locks */
  uint32_t defer;         /* ac__obj_lock depth: unparks wait */
  struct ac__sched *unpark; /* the runtime to unpark at the last unlock */
} ac__tls_t;
AC_INTERNAL extern __thread ac__tls_t ac__tls;
/* `running` woke itself during its poll: ac.h's ac__poll_tls.woken, which
 * the inline yield leaf raises itself. */
#define AC__WOKEN (ac__poll_tls.woken)

static inline void ac__obj_lock(ac__spin_t *l) {
  ac__spin_lock(l);
  ac__tls.defer++;
}
static inline void ac__obj_unlock(ac__spin_t *l) {
  ac__spin_unlock(l);
  if (--ac__tls.defer == 0 && AC_UNLIKELY(ac__tls.unpark != NULL))
    ac__sched_flush_unpark();
}

AC_INTERNAL int ac__sched_init(ac__sched_t *s, ac_rt_flavor_t flavor,
                               uint32_t nworkers);
AC_INTERNAL void ac__sched_destroy(ac__sched_t *s);
AC_INTERNAL void ac__sched_schedule(ac__sched_t *s, ac_task_t *t);
/* ac__sched_schedule with its common case inline (the wakers' path): a
 * task woken by the task being polled on a worker of its runtime goes to
 * the free run-next slot. */
static inline void ac__sched_schedule_inline(ac__sched_t *s, ac_task_t *t) {
  ac__worker_t *w = ac__tls.worker;
  if (AC_LIKELY(w && w->sched == s && !w->next && ac__tls.running))
    w->next = (uintptr_t)t;
  else
    ac__sched_schedule(s, t);
}
/* Queues a new task: 0, or -ENOMEM if no run queue could take it. */
AC_INTERNAL int ac__sched_spawn(ac__sched_t *s, ac_task_t *t);
/* Runs tasks until the tick says to look around (inject queue, driver) or
 * none is left here; false if none could be found anywhere. */
AC_INTERNAL bool ac__sched_run(ac__worker_t *w);
AC_INTERNAL void ac__sched_flush_notify(ac__sched_t *s);
AC_INTERNAL bool ac__sched_has_work(ac__sched_t *s);
AC_INTERNAL void ac__sched_drain(ac__sched_t *s);

AC_INTERNAL void ac__sched_shutdown_tasks(ac__sched_t *s);
AC_INTERNAL size_t ac__sched_live_tasks(ac__sched_t *s);

/* ==== slab.c ==== */

AC_INTERNAL int ac__slab_init(ac__sched_t *s);
AC_INTERNAL void ac__slab_destroy(ac__sched_t *s);
AC_INTERNAL void *ac__slab_alloc(ac__sched_t *s, size_t size, size_t align);
AC_INTERNAL void ac__slab_free(void *p);
AC_INTERNAL size_t ac__slab_live(ac__sched_t *s);
AC_INTERNAL size_t ac__slab_bytes(ac__sched_t *s);
AC_INTERNAL void ac__slab_for_each(ac__sched_t *s, void (*fn)(void *slot));

/* An idle worker gives wholly free chunks back (slab.c). */
AC_INTERNAL void ac__slab_trim(ac__sched_t *s);
/* True if it should look again after a while, though idle (slab.c). */
AC_INTERNAL bool ac__slab_recheck(ac__sched_t *s);
#define AC__SLAB_RECHECK_MS 50
/* The process-wide heap of handle-checked objects (handle.c). */
AC_INTERNAL void *ac__obj_alloc(size_t size);
AC_INTERNAL void ac__obj_trim(void);

/* Tasks finished, counted on the calling thread's heap (the registry
 * these counters replace took a lock per task).  Every slot holds a task,
 * so the allocation counters count the spawns.  Inline: every task's
 * completion passes here. */
static inline void ac__slab_count_finished(ac__sched_t *s) {
  ac__worker_t *w = ac__tls.worker;
  if (AC_LIKELY(w && w->sched == s)) {
    ac__slab_heap_t *h = w->heap;
    __atomic_store_n(&h->finished, h->finished + 1, __ATOMIC_RELAXED);
  } else {
    __atomic_fetch_add(&s->heaps[s->nworkers].finished, 1, __ATOMIC_RELAXED);
  }
}

/* ==== slab.c's two common cases, inline on the spawn and join paths ====
 *
 * A worker allocating from its own heap (the head of a free list, or the
 * next slot of the chunk being carved) and freeing into it: slab.c says
 * why the slots look as they do. */
#define AC__SLAB_LINK_OFF 8     /* a free slot's link, after word 0 and gen */
#define AC__SLAB_FREE_KEEP 16   /* bytes of a free slot in use */
#define AC__SLAB_COLD_EVERY 1024u /* a slot rests every this many uses */

/* Size classes: 16, 24 (for alignments up to 8), then 16 k for k >= 2. */
static inline uint32_t ac__slab_class_of(size_t size, size_t align) {
  if (size <= 16)
    return 0;
  if (size <= 24 && align <= 8)
    return 1;
  return (uint32_t)((size + 15) / 16);
}
static inline uint32_t ac__slab_slot_size(uint32_t cls) {
  return cls == 1 ? 24 : cls ? 16 * cls : 16;
}
static inline void **ac__slab_link(void *slot) {
  return (void **)(void *)((char *)slot + AC__SLAB_LINK_OFF);
}
/* Stale handles read the generation at any time: atomic accesses. */
static inline uint32_t ac__slab_gen(const void *slot) {
  return __atomic_load_n((const uint32_t *)slot + 1, __ATOMIC_RELAXED);
}
static inline void ac__slab_set_gen(void *slot, uint32_t g) {
  __atomic_store_n((uint32_t *)slot + 1, g, __ATOMIC_RELAXED);
}

/* A slot of class cls (size bytes used) from h, a heap the calling thread
 * owns; NULL where slab.c must look (an empty free list and a full chunk,
 * frees from other threads waiting, a slot due for a rest or spent). */
static inline __attribute__((always_inline)) void *
ac__slab_take(ac__slab_heap_t *h, uint32_t cls, size_t size) {
  ac__slab_class_t *k = &h->cls[cls];
  void *p = k->free;
  if (AC_LIKELY(p)) {
    uint32_t g = ac__slab_gen(p) + 1;
    if (AC_UNLIKELY(g >= AC__GEN_LIMIT || g % AC__SLAB_COLD_EVERY == 0))
      return NULL;
    k->free = *ac__slab_link(p);
    ac__slab_set_gen(p, g);
  } else {
    ac__slab_chunk_t *c = k->cur;
    if (AC_UNLIKELY(!c || c->carved == c->nslots ||
                    __atomic_load_n(&k->remote, __ATOMIC_RELAXED)))
      return NULL;
    p = (char *)c + AC__SLAB_HDR + (size_t)c->carved * c->slot;
    AC__UNPOISON(p, AC__SLAB_FREE_KEEP);
    ac__slab_set_gen(p, c->gen_floor + 1);
    __atomic_store_n(&c->carved, c->carved + 1, __ATOMIC_RELAXED);
  }
  __atomic_store_n(&h->allocs, h->allocs + 1, __ATOMIC_RELAXED);
  AC__UNPOISON(p, size);
  AC__POISON((char *)p + size, ac__slab_slot_size(cls) - size);
  return p;
}

/* Frees p into its heap if the calling thread is the heap's worker:
 * true, else false with nothing done (ac__slab_free's other cases).  No
 * read of the slot: its generation is looked at when it is taken again
 * (reading it back right after the task's last atomic cost the join of
 * W1 a third of its time). */
static inline __attribute__((always_inline)) bool ac__slab_free_here(void *p) {
  ac__slab_chunk_t *c = ac__slab_chunk_of(p);
  ac__slab_heap_t *h = c->heap; /* NULL: a large chunk */
  ac__worker_t *w = ac__tls.worker;
  if (AC_UNLIKELY(!w || !h || h->owner != w))
    return false;
  AC__UNPOISON(p, AC__SLAB_FREE_KEEP);
  AC__POISON((char *)p + AC__SLAB_FREE_KEEP, c->slot - AC__SLAB_FREE_KEEP);
  __atomic_store_n((uint32_t *)p, 0, __ATOMIC_RELAXED); /* marks it free */
  ac__slab_class_t *k = &h->cls[c->cls];
  *ac__slab_link(p) = k->free;
  k->free = p;
  __atomic_store_n(&h->frees, h->frees + 1, __ATOMIC_RELAXED);
  return true;
}

/* A task's runtime, from the chunk its memory came from. */
static inline struct ac__sched *ac__task_sched(const ac_task_t *t) {
  return ac__slab_chunk_of(t)->sched;
}

/* This thread is the worker of t's runtime. */
static inline bool ac__task_home(const ac_task_t *t) {
  ac__worker_t *w = ac__tls.worker;
  return w && w->sched == ac__task_sched(t);
}

/* A local task's wake on its own runtime's thread takes its QUEUED bit
 * (plain stores: only this thread touches it), unless it is queued or
 * complete already: true if the caller now queues it.  The rule of
 * waker.c's wake_local and of ac__wake_to_next below. */
static inline bool ac__task_claim_local(ac_task_t *t, uintptr_t vtw) {
  if ((vtw & AC__VT_QUEUED) ||
      (__atomic_load_n(&t->state, __ATOMIC_RELAXED) & AC__T_COMPLETE))
    return false;
  __atomic_store_n(&t->vtw, vtw | AC__VT_QUEUED, __ATOMIC_RELAXED);
  return true;
}

/* A wake by reference, inline, for the one case a channel's send makes
 * over and over: a task waker whose task waits on this worker (a local
 * task of this current-thread runtime that is not queued, or the task in
 * this worker's parked slot), woken from another task's poll with the
 * run-next slot free.  It goes to the slot with plain stores, as
 * ac__task_wake_by_ref (waker.c) would put it, without the indirect call
 * and the frames around it.  False, with nothing done, in every other
 * case: the caller then wakes the general way.  That includes the running
 * task's own wake: a local task being polled is QUEUED, and a task being
 * polled is never in the parked slot. */
static inline __attribute__((always_inline)) bool
ac__wake_to_next(const ac_waker_t *wk) {
  ac__worker_t *w = ac__tls.worker;
  ac_task_t *t = (ac_task_t *)wk->data;
  /* running is set only by a worker's run loop: w is not NULL then */
  if (wk->vtable != &ac__task_waker_vtable || !ac__tls.running || w->next)
    return false;
  uintptr_t vtw = __atomic_load_n(&t->vtw, __ATOMIC_RELAXED);
  if (vtw & AC__VT_LOCAL) {
    if (w->sched != ac__task_sched(t) || !ac__task_claim_local(t, vtw))
      return false;
  } else if (w->parked == (uintptr_t)t) { /* RUNNING, with a reference */
    w->parked = 0;
  } else {
    return false;
  }
  w->next = (uintptr_t)t;
  return true;
}

/* Polls between looks at the inject queue and the driver (tokio uses 61). */
#define AC__CHECK_INTERVAL 61

/* Counts a poll; true every AC__CHECK_INTERVAL polls.  A countdown, not
 * a modulo: this is on every poll's path, twice for a yield. */
static inline bool ac__worker_tick(ac__worker_t *w) {
  if (AC_LIKELY(--w->tick != 0))
    return false;
  w->tick = AC__CHECK_INTERVAL;
  return true;
}

/* The repoll of a lone task counts its polls too, but leaves the last
 * one to the run loop (false at 1, without counting): a tick taken here
 * would restart the countdown, and a task yielding alone on its worker
 * kept the loop from ever looking at the inject queue, the driver or a
 * shutdown. */
static inline bool ac__worker_tick_repoll(ac__worker_t *w) {
  if (AC_LIKELY(w->tick > 1)) {
    w->tick--;
    return true;
  }
  return false;
}

/* A task that woke itself may be polled again at once if nothing else is
 * runnable here; the tick still paces the inject and driver checks (a
 * remote wake waits for the next look at the inject queue, at most
 * AC__CHECK_INTERVAL polls, as behind a busy local queue).  On the yield
 * path, hence inline. */
static inline bool ac__sched_may_repoll(ac_task_t *t) {
  ac__worker_t *w = ac__tls.worker;
  if (!w || w->sched != ac__task_sched(t))
    return false;
  return !ac__runq_len(&w->q) && !w->next && !ac__runq_len(&w->own) &&
         ac__worker_tick_repoll(w);
}

/* ==== exec_multi.c ==== */

AC_INTERNAL int ac__multi_start(ac__sched_t *s);
AC_INTERNAL void ac__multi_stop(ac__sched_t *s);
AC_INTERNAL void ac__multi_notify(ac__sched_t *s);
AC_INTERNAL void ac__multi_maintain(ac__worker_t *w);
AC_INTERNAL void ac__multi_block_on(struct ac_runtime *rt, ac_join_t *j,
                                    void *out, const ac_waker_t *main_waker);

/* ==== exec_current.c ==== */

AC_INTERNAL void ac__current_park(ac__worker_t *w);
AC_INTERNAL void ac__current_block_on(struct ac_runtime *rt, ac_join_t *j,
                                      void *out, const ac_waker_t *main_waker);

/* ==== driver.c: timers + reactor behind one park ==== */

#define AC__TIMER_SPARE 64 /* entries kept when the heap cannot grow */
typedef struct ac__timers {
  pthread_mutex_t lock;
  ac_sleep_t **heap; /* min-heap on deadline; heap[i]->heap_idx == i + 1 */
  uint32_t len, cap; /* len: atomic for lock-free looks */
  uint32_t nspare;   /* atomic, like len */
  ac_sleep_t *spare[AC__TIMER_SPARE];
  uint64_t paused_now; /* atomic, ns; valid when paused */
  uint32_t paused;     /* atomic */
  uint64_t start_ns;   /* the epoch of the clock */
  uint32_t id;         /* what a registered sleep names it by (timer.c) */
} ac__timers_t;

typedef struct ac__driver {
  ac__timers_t timers;
  int epfd;
  int evfd;               /* eventfd that unparks a driver in epoll_wait */
  uint32_t parked;        /* atomic: the owner is (about to be) in epoll_wait */
  uint64_t wait_deadline; /* atomic: when (ns) the parked driver wakes */
  size_t nfds;            /* atomic: registered fds */
  pthread_mutex_t free_lock;
  struct ac_fd *to_free;  /* closed registrations, freed between turns */
  struct ac_fd *open_fds; /* registered and not closed (under free_lock) */
} ac__driver_t;

AC_INTERNAL int ac__driver_init(ac__driver_t *d);
AC_INTERNAL void ac__driver_destroy(ac__driver_t *d);
/* One turn: fire due timers, wait for I/O up to timeout_ms (-1: until the
 * next timer or an unpark), dispatch readiness, fire timers again. */
AC_INTERNAL void ac__driver_turn(ac__driver_t *d, int timeout_ms);
AC_INTERNAL void ac__driver_unpark(ac__driver_t *d);
/* A timer now heads the heap: wake a driver parked past its deadline. */
AC_INTERNAL void ac__driver_timer_added(ac__driver_t *d, uint64_t deadline);

/* ==== timer.c ==== */

AC_INTERNAL int ac__timers_init(ac__timers_t *t);
AC_INTERNAL void ac__timers_destroy(ac__timers_t *t);
/* The runtime clock, in ns since the runtime started (or paused). */
AC_INTERNAL uint64_t ac__timers_now(ac__timers_t *t);
AC_INTERNAL void ac__timers_pause(ac__timers_t *t);
AC_INTERNAL void ac__timers_advance(ac__timers_t *t, uint64_t ms);
/* Fires what is due, at most about `max` (0: all; timer.c); returns the
 * ns until the next deadline, 0 if more may be due, or -1. */
AC_INTERNAL int64_t ac__timers_fire(ac__timers_t *t, int *fired, int max);
/* Timers fired per look of a busy worker (a batch), and per driver turn. */
#define AC__FIRE_BUSY 64
#define AC__FIRE_TURN 1024
AC_INTERNAL size_t ac__timers_count(ac__timers_t *t);

/* ==== reactor_epoll.c ==== */

AC_INTERNAL int ac__reactor_init(ac__driver_t *d);
AC_INTERNAL void ac__reactor_destroy(ac__driver_t *d);
/* Waits up to timeout_ns (-1: no limit) and dispatches readiness. */
AC_INTERNAL void ac__reactor_wait(ac__driver_t *d, int64_t timeout_ns);
AC_INTERNAL void ac__reactor_free_closed(ac__driver_t *d);

/* The reactor's per-fd state; io.c waits on it. */
/* READ_CLOSED and WRITE_CLOSED are sticky: after a hang-up or an error
 * no edge follows, so io.c never takes that direction for drained then. */
enum { AC__READ_CLOSED = 1, AC__WRITE_CLOSED = 2 };
/* One direction of an fd (0 in: read, accept, readable; 1 out).  `tick`
 * counts that direction's readiness events (the reactor bumps it under
 * the lock, release); the direction's future stores in `seen` the tick at
 * which it found the fd not ready (EAGAIN, or a short read or write that
 * drained it).  So the direction is ready exactly while tick != seen, and
 * finding it drained is one plain store (io.c says why that is safe). */
typedef struct ac__fd_dir {
  uint64_t tick;    /* atomic: written under the lock */
  uint64_t seen;    /* atomic: written by the direction's future */
  ac_waker_t waker; /* written under the lock; kept after a wake */
} ac__fd_dir_t;
struct ac_fd {
  ac__obj_t hdr;    /* a checked object (handle.c) */
  int fd;
  bool is_socket;   /* writes use send(MSG_NOSIGNAL); others mask SIGPIPE */
  bool short_drains; /* stream socket or pipe: see io.c */
  bool one_thread;  /* of a current-thread runtime: the lock is biased */
  uint32_t closed;  /* atomic: AC__READ_CLOSED | AC__WRITE_CLOSED */
  ac__spin_t lock;  /* taken through the bias: ac__fd_lock */
  ac__bias_t bias;
  ac__fd_dir_t dir[2];
  ac__driver_t *driver;
  struct ac_fd *next_free;
  struct ac_fd *reg_prev, *reg_next; /* the driver's open fds, free_lock */
};
/* io.c: empties a waker slot (under the fd's lock), returns what it held. */
AC_INTERNAL ac_waker_t ac__fd_slot_take(ac_waker_t *slot);
/* The fd's lock, biased (bias.c) to the thread of a current-thread
 * runtime, which then takes it with plain stores; true if so.  Leave with
 * ac__fd_unlock(f, the same). */
static inline __attribute__((always_inline)) bool ac__fd_lock(ac_fd_t *f) {
  if (f->one_thread)
    return ac__bias_lock(&f->bias, &f->lock);
  ac__spin_lock(&f->lock);
  return false;
}
static inline __attribute__((always_inline)) void ac__fd_unlock(ac_fd_t *f,
                                                                 bool own) {
  ac__bias_unlock(&f->bias, &f->lock, own);
}

/* ==== entry.c ==== */

struct ac_runtime {
  ac__sched_t sched;
  ac__driver_t driver;
  uint32_t main_seq;     /* atomic: bumped by every block_on wake */
  uint32_t main_seen;    /* current-thread: main_seq at the last join poll */
  uint32_t blocking;     /* atomic: a current-thread block_on is running */
  pthread_mutex_t main_lock; /* multi-thread block_on sleeps here */
  pthread_cond_t main_cond;
  bool is_shutdown;
  struct ac_runtime *debug_next; /* the list of live runtimes (debug.c) */
  struct ac__pool *pool; /* blocking.c: made at the first spawn_blocking */
};

/* ==== debug.c ==== */

AC_INTERNAL void ac__debug_runtime_added(struct ac_runtime *rt);
AC_INTERNAL void ac__debug_runtime_removed(struct ac_runtime *rt);

/* ==== trace.c: AC_TRACE and AC_CANCEL_AT ==== */

/* Not 0 when a hook is on: task.c then polls through ac__hook_poll. */
AC_INTERNAL extern uint32_t ac__hooks;
AC_INTERNAL void ac__hooks_init(void);
AC_INTERNAL void ac__hook_runtime_freed(const ac_runtime_stats_t *st);
AC_INTERNAL ac_poll_t ac__hook_poll(ac_task_t *t, void *fut, ac_context_t *cx,
                                    void *out);

/* ==== blocking.c ==== */

/* Closes the runtime's blocking pool: idle threads leave, running calls
 * finish on their own (their results are discarded). */
AC_INTERNAL void ac__blocking_shutdown(ac_runtime_t *rt);

#endif /* AC_INTERNAL_H */
