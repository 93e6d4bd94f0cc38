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

static inline ac_waker_t ac_waker_clone(const ac_waker_t *w) {
  return w->vtable->clone(w->data);
}
static inline void ac_waker_wake(ac_waker_t w) { w.vtable->wake(w.data); }
static inline void ac_waker_wake_by_ref(const ac_waker_t *w) {
  w->vtable->wake_by_ref(w->data);
}
static inline void ac_waker_drop(ac_waker_t w) { w.vtable->drop(w.data); }

#ifdef __cplusplus
}
#endif

#endif /* AC_H */
