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
  ac_list_node_t waiters; /* ac_watch_changed_t.node */
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

static void wake_all(ac_watch_t *w) {
  while (!ac__list_empty(&w->waiters)) {
    ac_watch_changed_t *c =
        ac__container_of(w->waiters.next, ac_watch_changed_t, node);
    ac__list_remove(&c->node);
    ac_waker_wake(ac__waker_take(&c->waker));
  }
}

size_t ac_watch_send(ac_watch_t *w, const void *value) {
  ac__spin_lock(&w->lock);
  memcpy(w->value, value, w->size);
  w->version++;
  size_t n = w->receivers;
  wake_all(w);
  ac__spin_unlock(&w->lock);
  return n;
}

void ac_watch_sender_drop(ac_watch_t *w) {
  ac__spin_lock(&w->lock);
  w->closed = true;
  wake_all(w);
  bool last = w->receivers == 0;
  ac__spin_unlock(&w->lock);
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
  return (ac_watch_changed_t){rx, {NULL, NULL}, {NULL, NULL}, 0};
}

ac_poll_t ac_watch_changed_poll(ac_watch_changed_t *c, ac_context_t *cx,
                                int *out) {
  ac_watch_t *w = c->rx->ch;
  ac__spin_lock(&w->lock);
  int res = w->version != c->rx->seen ? 0 : w->closed ? AC_EPIPE : 1;
  if (res != 1) {
    if (c->node.next)
      ac__list_remove(&c->node);
    ac_waker_t wk = ac__waker_take(&c->waker);
    c->registered = 0;
    ac__spin_unlock(&w->lock);
    ac__waker_drop_opt(wk);
    if (out)
      *out = res;
    return AC_POLL_READY;
  }
  ac__waker_store(&c->waker, cx);
  if (!c->node.next)
    ac__list_push_back(&w->waiters, &c->node);
  c->registered = 1;
  ac__spin_unlock(&w->lock);
  return AC_POLL_PENDING;
}

void ac_watch_changed_drop(ac_watch_changed_t *c) {
  if (!c->registered)
    return;
  c->registered = 0;
  ac_watch_t *w = c->rx->ch;
  ac__spin_lock(&w->lock);
  if (c->node.next)
    ac__list_remove(&c->node);
  ac_waker_t wk = ac__waker_take(&c->waker);
  ac__spin_unlock(&w->lock);
  ac__waker_drop_opt(wk);
}

const ac_future_vtable_t ac_watch_changed_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_watch_changed_poll,
    (void (*)(void *))ac_watch_changed_drop, sizeof(ac_watch_changed_t),
    _Alignof(ac_watch_changed_t), sizeof(int), "ac_watch_changed"};
