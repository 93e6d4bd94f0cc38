/*
 * chan_watch.c: a watch channel (tokio's watch): one value that a sender
 * replaces and any number of receivers observe.  Receivers do not queue
 * values: each sees the latest, and `changed` waits until there is a value
 * it has not seen (a version number moves on every send).  A configuration
 * that tasks reload, a status that a monitor shows.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct ac_watch {
  ac__spin_t lock;
  size_t size;
  uint64_t version;
  size_t receivers;
  bool closed;            /* the sender is gone */
  ac_list_node_t waiters; /* ac_watch_changed_t.wait (waitq.c) */
  unsigned char value[];
};

struct ac_watch_rx {
  ac_watch_t *ch;
  uint64_t seen;
};

ac_watch_t *ac_watch_new(size_t size, const void *init) {
  ac_watch_t *w = calloc(1, sizeof *w + size);
  if (!w)
    return NULL;
  w->size = size;
  if (init)
    memcpy(w->value, init, size);
  ac__list_init(&w->waiters);
  return w;
}

/* Send and sender drop may come from a plain thread: the lock that defers
 * unparks. */
size_t ac_watch_send(ac_watch_t *w, const void *value) {
  ac__obj_lock(&w->lock);
  memcpy(w->value, value, w->size);
  w->version++;
  size_t n = w->receivers;
  ac__waitq_grant_all(&w->waiters);
  ac__obj_unlock(&w->lock);
  return n;
}

void ac_watch_sender_drop(ac_watch_t *w) {
  ac__obj_lock(&w->lock);
  w->closed = true;
  ac__waitq_grant_all(&w->waiters);
  bool last = w->receivers == 0;
  ac__obj_unlock(&w->lock);
  if (last)
    free(w);
}

ac_watch_rx_t *ac_watch_subscribe(ac_watch_t *w) {
  ac_watch_rx_t *rx = malloc(sizeof *rx);
  if (!rx)
    return NULL;
  rx->ch = w;
  ac__spin_lock(&w->lock);
  w->receivers++;
  rx->seen = w->version; /* the current value counts as seen */
  ac__spin_unlock(&w->lock);
  return rx;
}

void ac_watch_rx_free(ac_watch_rx_t *rx) {
  ac_watch_t *w = rx->ch;
  ac__spin_lock(&w->lock);
  bool last = --w->receivers == 0 && w->closed;
  ac__spin_unlock(&w->lock);
  free(rx);
  if (last)
    free(w);
}

uint64_t ac_watch_borrow(ac_watch_rx_t *rx, void *dst) {
  ac_watch_t *w = rx->ch;
  ac__spin_lock(&w->lock);
  memcpy(dst, w->value, w->size);
  rx->seen = w->version;
  ac__spin_unlock(&w->lock);
  return rx->seen;
}

ac_watch_changed_t ac_watch_changed(ac_watch_rx_t *rx) {
  return (ac_watch_changed_t){rx, {{NULL, NULL}, {NULL, NULL}, 0, 0}};
}

ac_poll_t ac_watch_changed_poll(ac_watch_changed_t *c, ac_context_t *cx,
                                int *out) {
  ac_watch_t *w = c->rx->ch;
  ac__spin_lock(&w->lock);
  int res = w->version != c->rx->seen ? 0 : w->closed ? AC_EPIPE : 1;
  if (res != 1)
    ac__waiter_cancel(&c->wait);
  else
    ac__waiter_wait(&w->waiters, &c->wait, cx);
  ac__spin_unlock(&w->lock);
  if (res == 1)
    return AC_POLL_PENDING;
  if (out)
    *out = res;
  return AC_POLL_READY;
}

void ac_watch_changed_drop(ac_watch_changed_t *c) {
  if (!ac__waiter_pending(&c->wait))
    return;
  ac_watch_t *w = c->rx->ch;
  ac__spin_lock(&w->lock);
  ac__waiter_cancel(&c->wait);
  ac__spin_unlock(&w->lock);
}

const ac_future_vtable_t ac_watch_changed_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_watch_changed_poll,
    (void (*)(void *))ac_watch_changed_drop, sizeof(ac_watch_changed_t),
    _Alignof(ac_watch_changed_t), sizeof(int), "ac_watch_changed"};
