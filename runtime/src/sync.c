/*
 * sync.c: the async semaphore (and so the mutex) and notify, on one
 * wait-list design: a FIFO of ac_waiter_t entries kept inside the waiting
 * futures.  The releasing side takes a waiter off the list and marks it
 * GRANTED with what it waited for (permits, a notification) before waking
 * it, so a wake is never lost and nobody can barge in between; a granted
 * future dropped before it saw the grant hands it back.
 */
#include "internal.h"

#include <stdlib.h>

struct ac_semaphore {
  ac__spin_t lock;
  size_t permits;
  ac_list_node_t waiters;
};

ac_semaphore_t *ac_semaphore_new(size_t permits) {
  ac_semaphore_t *s = calloc(1, sizeof *s);
  if (s) {
    s->permits = permits;
    ac__list_init(&s->waiters);
  }
  return s;
}

void ac_semaphore_free(ac_semaphore_t *s) { free(s); }

static ac_waiter_t *first(ac_list_node_t *h) {
  return ac__list_empty(h) ? NULL : ac__container_of(h->next, ac_waiter_t, node);
}

/* Under lock: grants permits to waiters in order while the head fits. */
static void grant(ac_semaphore_t *s) {
  ac_waiter_t *w;
  while ((w = first(&s->waiters)) && w->want <= s->permits) {
    s->permits -= w->want;
    ac__list_remove(&w->node);
    w->state = AC__WAIT_GRANTED;
    ac_waker_wake(ac__waker_take(&w->waker));
  }
}

void ac_semaphore_release(ac_semaphore_t *s, size_t n) {
  ac__spin_lock(&s->lock);
  s->permits += n;
  grant(s);
  ac__spin_unlock(&s->lock);
}

int ac_semaphore_try_acquire(ac_semaphore_t *s, size_t n) {
  ac__spin_lock(&s->lock);
  bool ok = ac__list_empty(&s->waiters) && s->permits >= n;
  if (ok)
    s->permits -= n;
  ac__spin_unlock(&s->lock);
  return ok ? 0 : AC_EAGAIN;
}

size_t ac_semaphore_available(ac_semaphore_t *s) {
  ac__spin_lock(&s->lock);
  size_t n = s->permits;
  ac__spin_unlock(&s->lock);
  return n;
}

ac_acquire_t ac_semaphore_acquire(ac_semaphore_t *s, size_t n) {
  return (ac_acquire_t){s, {{NULL, NULL}, {NULL, NULL}, 0, (uint32_t)n}};
}

ac_poll_t ac_acquire_poll(ac_acquire_t *self, ac_context_t *cx, void *out) {
  (void)out;
  ac_semaphore_t *s = self->sem;
  ac_waiter_t *w = &self->wait;
  ac_poll_t r = AC_POLL_PENDING;
  ac__spin_lock(&s->lock);
  if (w->state == AC__WAIT_GRANTED) {
    r = AC_POLL_READY;
  } else if (w->state == AC__WAIT_QUEUED) {
    ac__waker_store(&w->waker, cx);
  } else if (ac__list_empty(&s->waiters) && s->permits >= w->want) {
    s->permits -= w->want;
    r = AC_POLL_READY;
  } else {
    w->state = AC__WAIT_QUEUED;
    w->waker = ac_waker_clone(cx->waker);
    ac__list_push_back(&s->waiters, &w->node);
  }
  if (r == AC_POLL_READY)
    w->state = AC__WAIT_DONE;
  ac__spin_unlock(&s->lock);
  return r;
}

void ac_acquire_drop(ac_acquire_t *self) {
  ac_waiter_t *w = &self->wait;
  if (w->state != AC__WAIT_QUEUED && w->state != AC__WAIT_GRANTED)
    return;
  ac_semaphore_t *s = self->sem;
  ac__spin_lock(&s->lock);
  if (w->state == AC__WAIT_QUEUED) {
    ac__list_remove(&w->node);
    ac__waker_drop_opt(ac__waker_take(&w->waker));
  } else {
    s->permits += w->want; /* granted but never seen: give them back */
  }
  w->state = AC__WAIT_DONE;
  grant(s); /* the head may have changed, or permits come back */
  ac__spin_unlock(&s->lock);
}

const ac_future_vtable_t ac_acquire_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_acquire_poll,
    (void (*)(void *))ac_acquire_drop, sizeof(ac_acquire_t),
    _Alignof(ac_acquire_t), 0, "ac_acquire"};

/* ==== notify ==== */

struct ac_notify {
  ac__spin_t lock;
  bool permit; /* a notify_one that found nobody waiting */
  ac_list_node_t waiters;
};

ac_notify_t *ac_notify_new(void) {
  ac_notify_t *n = calloc(1, sizeof *n);
  if (n)
    ac__list_init(&n->waiters);
  return n;
}

void ac_notify_free(ac_notify_t *n) { free(n); }

/* Under lock. */
static void notify_first(ac_notify_t *n) {
  ac_waiter_t *w = first(&n->waiters);
  if (!w) {
    n->permit = true;
    return;
  }
  ac__list_remove(&w->node);
  w->state = AC__WAIT_GRANTED;
  ac_waker_wake(ac__waker_take(&w->waker));
}

void ac_notify_one(ac_notify_t *n) {
  ac__spin_lock(&n->lock);
  notify_first(n);
  ac__spin_unlock(&n->lock);
}

void ac_notify_waiters(ac_notify_t *n) {
  ac__spin_lock(&n->lock);
  ac_waiter_t *w;
  while ((w = first(&n->waiters))) {
    ac__list_remove(&w->node);
    w->state = AC__WAIT_GRANTED;
    ac_waker_wake(ac__waker_take(&w->waker));
  }
  ac__spin_unlock(&n->lock);
}

ac_notified_t ac_notified(ac_notify_t *n) {
  return (ac_notified_t){n, {{NULL, NULL}, {NULL, NULL}, 0, 0}};
}

ac_poll_t ac_notified_poll(ac_notified_t *self, ac_context_t *cx, void *out) {
  (void)out;
  ac_notify_t *n = self->notify;
  ac_waiter_t *w = &self->wait;
  ac_poll_t r = AC_POLL_PENDING;
  ac__spin_lock(&n->lock);
  if (w->state == AC__WAIT_GRANTED) {
    r = AC_POLL_READY;
  } else if (w->state == AC__WAIT_QUEUED) {
    ac__waker_store(&w->waker, cx);
  } else if (n->permit) {
    n->permit = false;
    r = AC_POLL_READY;
  } else {
    w->state = AC__WAIT_QUEUED;
    w->waker = ac_waker_clone(cx->waker);
    ac__list_push_back(&n->waiters, &w->node);
  }
  if (r == AC_POLL_READY)
    w->state = AC__WAIT_DONE;
  ac__spin_unlock(&n->lock);
  return r;
}

void ac_notified_drop(ac_notified_t *self) {
  ac_waiter_t *w = &self->wait;
  if (w->state != AC__WAIT_QUEUED && w->state != AC__WAIT_GRANTED)
    return;
  ac_notify_t *n = self->notify;
  ac__spin_lock(&n->lock);
  if (w->state == AC__WAIT_QUEUED) {
    ac__list_remove(&w->node);
    ac__waker_drop_opt(ac__waker_take(&w->waker));
  } else {
    notify_first(n); /* a notification we never saw goes to the next */
  }
  w->state = AC__WAIT_DONE;
  ac__spin_unlock(&n->lock);
}

const ac_future_vtable_t ac_notified_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_notified_poll,
    (void (*)(void *))ac_notified_drop, sizeof(ac_notified_t),
    _Alignof(ac_notified_t), 0, "ac_notified"};
