/*
 * sync.c: the async semaphore (and so the mutex) and notify, on one
 * wait-list design: a FIFO of ac_waiter_t entries kept inside the waiting
 * futures.  The releasing side takes a waiter off the list and marks it
 * GRANTED with what it waited for (permits, a notification) before waking
 * it, so a wake is never lost and nobody can barge in between; a granted
 * future dropped before it saw the grant hands it back.
 *
 * Semaphores (mutexes) and notifies are checked objects (handle.c): a
 * call through the handle of one already freed reports the misuse, and so
 * does freeing one that futures still wait on (it is then not freed).
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct ac_semaphore {
  ac__obj_t hdr;
  ac__spin_t lock;
  size_t permits;
  ac_list_node_t waiters;
};

ac_semaphore_t *ac_semaphore_new(size_t permits) {
  if (permits > AC_SEMAPHORE_MAX) {
    errno = EINVAL;
    return NULL;
  }
  ac_semaphore_t *s = ac__obj_new(sizeof *s, AC__K_SEM);
  if (!s) {
    errno = ENOMEM;
    return NULL;
  }
  s->permits = permits;
  ac__list_init(&s->waiters);
  return ac__handle_make(s);
}

__attribute__((cold, noinline)) static int stale(const char *op,
                                                 const char *kind) {
  char what[128];
  snprintf(what, sizeof what, "%s: not a live %s (freed already?)", op,
           kind);
  return ac__misuse(-EBADF, what);
}

static ac_semaphore_t *sem(ac_semaphore_t *h, const char *op) {
  ac_semaphore_t *s = ac__obj_get(h, AC__K_SEM);
  if (AC_UNLIKELY(!s))
    stale(op, "semaphore or mutex");
  return s;
}

int ac_semaphore_free(ac_semaphore_t *h) {
  ac_semaphore_t *s = sem(h, "ac_semaphore_free");
  if (!s)
    return -EBADF;
  ac__obj_lock(&s->lock);
  bool busy = !ac__list_empty(&s->waiters);
  ac__obj_unlock(&s->lock);
  if (busy)
    return ac__misuse(-EBUSY, "ac_semaphore_free: futures still wait on "
                              "it (it is not freed)");
  ac__obj_free(s);
  return 0;
}

/* Under lock: grants permits to waiters in order while the head fits. */
static void grant(ac_semaphore_t *s) {
  ac_waiter_t *w;
  while ((w = ac__waitq_first(&s->waiters)) && w->want <= s->permits) {
    s->permits -= w->want;
    ac__waitq_grant(w);
  }
}

int ac_semaphore_release(ac_semaphore_t *h, size_t n) {
  ac_semaphore_t *s = sem(h, "ac_semaphore_release");
  if (!s)
    return -EBADF;
  int rc = 0;
  ac__obj_lock(&s->lock);
  if (n > AC_SEMAPHORE_MAX - s->permits)
    rc = -EOVERFLOW; /* nothing released: the count would pass the max */
  else
    s->permits += n;
  grant(s);
  ac__obj_unlock(&s->lock);
  return rc;
}

int ac_semaphore_try_acquire(ac_semaphore_t *h, size_t n) {
  ac_semaphore_t *s = sem(h, "ac_semaphore_try_acquire");
  if (!s)
    return -EBADF;
  if (n > AC_SEMAPHORE_MAX)
    return -EINVAL;
  ac__obj_lock(&s->lock);
  bool ok = ac__list_empty(&s->waiters) && s->permits >= n;
  if (ok)
    s->permits -= n;
  ac__obj_unlock(&s->lock);
  return ok ? 0 : AC_EAGAIN;
}

size_t ac_semaphore_available(ac_semaphore_t *h) {
  ac_semaphore_t *s = sem(h, "ac_semaphore_available");
  if (!s)
    return 0;
  ac__obj_lock(&s->lock);
  size_t n = s->permits;
  ac__obj_unlock(&s->lock);
  return n;
}

/* More permits than a semaphore can hold can never be granted: such an
 * acquire is ready at once with -EINVAL (want 0 marks it, with DONE). */
ac_acquire_t ac_semaphore_acquire(ac_semaphore_t *s, size_t n) {
  bool bad = n > AC_SEMAPHORE_MAX;
  return (ac_acquire_t){s,
                        {{NULL, NULL},
                         {NULL, NULL},
                         bad ? AC__WAIT_DONE : AC__WAIT_IDLE,
                         bad ? 0 : (uint32_t)n}};
}

ac_poll_t ac_acquire_poll(ac_acquire_t *self, ac_context_t *cx, int *out) {
  ac_waiter_t *w = &self->wait;
  int rc = 0;
  if (AC_UNLIKELY(ac__waiter_state(w) == AC__WAIT_DONE)) {
    rc = -EINVAL; /* too many permits, or polled again after ready */
    goto ready;
  }
  ac_semaphore_t *s = sem(self->sem, "acquire");
  if (AC_UNLIKELY(!s)) {
    w->state = AC__WAIT_DONE;
    rc = -EBADF;
    goto ready;
  }
  ac__spin_lock(&s->lock);
  if (w->state != AC__WAIT_IDLE) {
    bool got = ac__waiter_poll(w, cx);
    ac__spin_unlock(&s->lock);
    if (!got)
      return AC_POLL_PENDING;
  } else if (ac__list_empty(&s->waiters) && s->permits >= w->want) {
    s->permits -= w->want;
    w->state = AC__WAIT_DONE;
    ac__spin_unlock(&s->lock);
  } else {
    ac__waitq_push(&s->waiters, w, cx);
    ac__spin_unlock(&s->lock);
    return AC_POLL_PENDING;
  }
ready:
  if (out)
    *out = rc;
  return AC_POLL_READY;
}

void ac_acquire_drop(ac_acquire_t *self) {
  ac_waiter_t *w = &self->wait;
  if (!ac__waiter_pending(w))
    return;
  ac_semaphore_t *s = ac__obj_get(self->sem, AC__K_SEM);
  if (!s)
    return;
  ac__spin_lock(&s->lock);
  if (ac__waiter_cancel(w) == AC__WAIT_GRANTED)
    s->permits += w->want; /* granted but never seen: give them back */
  grant(s); /* the head may have changed, or permits come back */
  ac__spin_unlock(&s->lock);
}

const ac_future_vtable_t ac_acquire_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_acquire_poll,
    (void (*)(void *))ac_acquire_drop, sizeof(ac_acquire_t),
    _Alignof(ac_acquire_t), sizeof(int), "ac_acquire"};

/* ==== notify ==== */

struct ac_notify {
  ac__obj_t hdr;
  ac__spin_t lock;
  bool permit; /* a notify_one that found nobody waiting */
  ac_list_node_t waiters;
};

ac_notify_t *ac_notify_new(void) {
  ac_notify_t *n = ac__obj_new(sizeof *n, AC__K_NOTIFY);
  if (!n) {
    errno = ENOMEM;
    return NULL;
  }
  ac__list_init(&n->waiters);
  return ac__handle_make(n);
}

static ac_notify_t *notify(ac_notify_t *h, const char *op) {
  ac_notify_t *n = ac__obj_get(h, AC__K_NOTIFY);
  if (AC_UNLIKELY(!n))
    stale(op, "notify");
  return n;
}

int ac_notify_free(ac_notify_t *h) {
  ac_notify_t *n = notify(h, "ac_notify_free");
  if (!n)
    return -EBADF;
  ac__obj_lock(&n->lock);
  bool busy = !ac__list_empty(&n->waiters);
  ac__obj_unlock(&n->lock);
  if (busy)
    return ac__misuse(-EBUSY, "ac_notify_free: futures still wait on it (it "
                              "is not freed)");
  ac__obj_free(n);
  return 0;
}

/* Under lock. */
static void notify_first(ac_notify_t *n) {
  ac_waiter_t *w = ac__waitq_first(&n->waiters);
  if (w)
    ac__waitq_grant(w);
  else
    n->permit = true;
}

int ac_notify_one(ac_notify_t *h) {
  ac_notify_t *n = notify(h, "ac_notify_one");
  if (!n)
    return -EBADF;
  ac__obj_lock(&n->lock);
  notify_first(n);
  ac__obj_unlock(&n->lock);
  return 0;
}

int ac_notify_waiters(ac_notify_t *h) {
  ac_notify_t *n = notify(h, "ac_notify_waiters");
  if (!n)
    return -EBADF;
  ac__obj_lock(&n->lock);
  ac_waiter_t *w;
  while ((w = ac__waitq_first(&n->waiters)))
    ac__waitq_grant(w);
  ac__obj_unlock(&n->lock);
  return 0;
}

ac_notified_t ac_notified(ac_notify_t *n) {
  return (ac_notified_t){n, {{NULL, NULL}, {NULL, NULL}, 0, 0}};
}

ac_poll_t ac_notified_poll(ac_notified_t *self, ac_context_t *cx, void *out) {
  (void)out;
  ac_waiter_t *w = &self->wait;
  if (ac__waiter_state(w) == AC__WAIT_DONE)
    return AC_POLL_READY;
  ac_notify_t *n = notify(self->notify, "notified");
  if (AC_UNLIKELY(!n)) { /* a void future: ready, the misuse reported */
    w->state = AC__WAIT_DONE;
    return AC_POLL_READY;
  }
  bool ready;
  ac__spin_lock(&n->lock);
  if (w->state != AC__WAIT_IDLE) {
    ready = ac__waiter_poll(w, cx);
  } else if (n->permit) {
    n->permit = false;
    w->state = AC__WAIT_DONE;
    ready = true;
  } else {
    ac__waitq_push(&n->waiters, w, cx);
    ready = false;
  }
  ac__spin_unlock(&n->lock);
  return ready ? AC_POLL_READY : AC_POLL_PENDING;
}

void ac_notified_drop(ac_notified_t *self) {
  ac_waiter_t *w = &self->wait;
  if (!ac__waiter_pending(w))
    return;
  ac_notify_t *n = ac__obj_get(self->notify, AC__K_NOTIFY);
  if (!n)
    return;
  ac__spin_lock(&n->lock);
  if (ac__waiter_cancel(w) == AC__WAIT_GRANTED)
    notify_first(n); /* a notification we never saw goes to the next */
  ac__spin_unlock(&n->lock);
}

const ac_future_vtable_t ac_notified_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_notified_poll,
    (void (*)(void *))ac_notified_drop, sizeof(ac_notified_t),
    _Alignof(ac_notified_t), 0, "ac_notified"};
