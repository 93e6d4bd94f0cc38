/*
 * chan_broadcast.c: a broadcast channel (tokio's broadcast): every value
 * sent goes to every receiver subscribed at the time.  The channel keeps
 * the last `cap` values in a ring; a send never waits, and a receiver that
 * falls more than `cap` values behind loses the oldest ones and is told
 * how many (it "lagged").  So a slow receiver costs the senders nothing
 * and memory stays bounded.
 *
 * Values are numbered: `tail` is the number of the next value sent, `head`
 * the oldest one still held (tail - head <= cap), and each receiver keeps
 * the number of the next value it will read.  One spinlock guards it all;
 * recv futures wait in a list with their entry inline (waitq.c), and the
 * calls a plain thread may make (send, sender drop) take the lock that
 * defers unparks.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct ac_broadcast {
  ac__spin_t lock;
  size_t elem, cap;
  uint64_t head, tail;
  size_t senders, receivers;
  ac_list_node_t waiters; /* ac_broadcast_recv_t.wait */
  unsigned char *vals;    /* cap * elem bytes */
};

struct ac_broadcast_rx {
  ac_broadcast_t *ch;
  uint64_t next;
};

ac_broadcast_t *ac_broadcast_new(size_t elem_size, size_t cap) {
  if (cap == 0 || elem_size == 0 || cap > SIZE_MAX / elem_size)
    return NULL;
  ac_broadcast_t *b = calloc(1, sizeof *b);
  if (!b)
    return NULL;
  b->vals = malloc(cap * elem_size);
  if (!b->vals) {
    free(b);
    return NULL;
  }
  b->elem = elem_size;
  b->cap = cap;
  b->senders = 1;
  ac__list_init(&b->waiters);
  return b;
}

/* Under lock: frees the channel once both sides are gone. */
static bool unused(ac_broadcast_t *b) {
  return b->senders == 0 && b->receivers == 0;
}
static void destroy(ac_broadcast_t *b) {
  free(b->vals);
  free(b);
}

void ac_broadcast_sender_clone(ac_broadcast_t *b) {
  ac__spin_lock(&b->lock);
  b->senders++;
  ac__spin_unlock(&b->lock);
}

void ac_broadcast_sender_drop(ac_broadcast_t *b) {
  ac__obj_lock(&b->lock);
  if (--b->senders == 0)
    ac__waitq_grant_all(&b->waiters); /* AC_EPIPE once they read the rest */
  bool last = unused(b);
  ac__obj_unlock(&b->lock);
  if (last)
    destroy(b);
}

long ac_broadcast_send(ac_broadcast_t *b, const void *value) {
  ac__obj_lock(&b->lock);
  size_t n = b->receivers;
  if (n > 0) {
    memcpy(b->vals + (b->tail % b->cap) * b->elem, value, b->elem);
    b->tail++;
    if (b->tail - b->head > b->cap)
      b->head++; /* the oldest is overwritten: laggards will be told */
    ac__waitq_grant_all(&b->waiters);
  }
  ac__obj_unlock(&b->lock);
  return n > 0 ? (long)n : AC_EPIPE;
}

ac_broadcast_rx_t *ac_broadcast_subscribe(ac_broadcast_t *b) {
  ac_broadcast_rx_t *rx = malloc(sizeof *rx);
  if (!rx)
    return NULL;
  rx->ch = b;
  ac__spin_lock(&b->lock);
  b->receivers++;
  rx->next = b->tail; /* what is sent from now on */
  ac__spin_unlock(&b->lock);
  return rx;
}

void ac_broadcast_rx_free(ac_broadcast_rx_t *rx) {
  ac_broadcast_t *b = rx->ch;
  ac__spin_lock(&b->lock);
  b->receivers--;
  bool last = unused(b);
  ac__spin_unlock(&b->lock);
  free(rx);
  if (last)
    destroy(b);
}

ac_broadcast_recv_t ac_broadcast_recv(ac_broadcast_rx_t *rx, void *dst) {
  return (ac_broadcast_recv_t){rx, dst, {{NULL, NULL}, {NULL, NULL}, 0, 0}};
}

/* Under lock: the result if there is one, else 1 (wait).  Results: 0 (a
 * value copied), n > 0 lagged by n (reported as the output), AC_EPIPE. */
static int try_recv(ac_broadcast_t *b, ac_broadcast_rx_t *rx, void *dst,
                    long *res) {
  if (rx->next < b->head) {
    *res = (long)(b->head - rx->next);
    rx->next = b->head;
    return 0;
  }
  if (rx->next < b->tail) {
    memcpy(dst, b->vals + (rx->next % b->cap) * b->elem, b->elem);
    rx->next++;
    *res = 0;
    return 0;
  }
  if (b->senders == 0) {
    *res = AC_EPIPE;
    return 0;
  }
  return 1;
}

long ac_broadcast_try_recv(ac_broadcast_rx_t *rx, void *dst) {
  ac_broadcast_t *b = rx->ch;
  long res = AC_EAGAIN;
  ac__spin_lock(&b->lock);
  try_recv(b, rx, dst, &res);
  ac__spin_unlock(&b->lock);
  return res;
}

ac_poll_t ac_broadcast_recv_poll(ac_broadcast_recv_t *r, ac_context_t *cx,
                                 long *out) {
  ac_broadcast_t *b = r->rx->ch;
  long res;
  ac__spin_lock(&b->lock);
  bool ready = try_recv(b, r->rx, r->dst, &res) == 0;
  if (ready)
    ac__waiter_cancel(&r->wait);
  else
    ac__waiter_wait(&b->waiters, &r->wait, cx);
  ac__spin_unlock(&b->lock);
  if (ready && out)
    *out = res;
  return ready ? AC_POLL_READY : AC_POLL_PENDING;
}

void ac_broadcast_recv_drop(ac_broadcast_recv_t *r) {
  if (!ac__waiter_pending(&r->wait))
    return;
  ac_broadcast_t *b = r->rx->ch;
  ac__spin_lock(&b->lock);
  ac__waiter_cancel(&r->wait);
  ac__spin_unlock(&b->lock);
}

const ac_future_vtable_t ac_broadcast_recv_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_broadcast_recv_poll,
    (void (*)(void *))ac_broadcast_recv_drop, sizeof(ac_broadcast_recv_t),
    _Alignof(ac_broadcast_recv_t), sizeof(long), "ac_broadcast_recv"};
