/*
 * chan_oneshot.c: one value, one sender, one receiver.  The shared state is
 * one allocation (header + value) freed when both ends are released.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

enum { HAS_VALUE = 1, TX_GONE = 2, RX_GONE = 4 };

struct ac_oneshot {
  ac__spin_t lock;
  uint32_t flags; /* under lock */
  ac_waker_t rx_waker;
  size_t size;
  max_align_t value[];
};

ac_oneshot_t *ac_oneshot_new(size_t size) {
  ac_oneshot_t *ch = calloc(1, sizeof *ch + size);
  if (ch)
    ch->size = size;
  return ch;
}

/* Sets an end's flag; the second end to go frees.  Returns the waker to
 * wake (the receiver's) when the sender leaves. */
static void release_end(ac_oneshot_t *ch, uint32_t end, const void *value) {
  ac_waker_t w = {NULL, NULL};
  ac__spin_lock(&ch->lock);
  if (value) {
    memcpy(ch->value, value, ch->size);
    ch->flags |= HAS_VALUE;
  }
  ch->flags |= end;
  if (end == TX_GONE)
    w = ac__waker_take(&ch->rx_waker);
  else
    ac__waker_drop_opt(ac__waker_take(&ch->rx_waker));
  bool last = (ch->flags & (TX_GONE | RX_GONE)) == (TX_GONE | RX_GONE);
  ac__spin_unlock(&ch->lock);
  if (w.vtable)
    ac_waker_wake(w);
  if (last)
    free(ch);
}

int ac_oneshot_send(ac_oneshot_t *ch, const void *value) {
  ac__spin_lock(&ch->lock);
  bool gone = ch->flags & RX_GONE;
  ac__spin_unlock(&ch->lock);
  release_end(ch, TX_GONE, gone ? NULL : value);
  return gone ? AC_EPIPE : 0;
}

void ac_oneshot_sender_drop(ac_oneshot_t *ch) { release_end(ch, TX_GONE, NULL); }

void ac_oneshot_receiver_drop(ac_oneshot_t *ch) {
  release_end(ch, RX_GONE, NULL);
}

ac_oneshot_recv_t ac_oneshot_recv(ac_oneshot_t *ch, void *dst) {
  return (ac_oneshot_recv_t){ch, dst};
}

ac_poll_t ac_oneshot_recv_poll(ac_oneshot_recv_t *self, ac_context_t *cx,
                               int *out) {
  ac_oneshot_t *ch = self->ch;
  int r;
  ac__spin_lock(&ch->lock);
  if (ch->flags & HAS_VALUE) {
    if (self->dst)
      memcpy(self->dst, ch->value, ch->size);
    r = 0;
  } else if (ch->flags & TX_GONE) {
    r = AC_EPIPE;
  } else {
    ac__waker_store(&ch->rx_waker, cx);
    ac__spin_unlock(&ch->lock);
    return AC_POLL_PENDING;
  }
  ac__spin_unlock(&ch->lock);
  self->ch = NULL;
  release_end(ch, RX_GONE, NULL);
  if (out)
    *out = r;
  return AC_POLL_READY;
}

void ac_oneshot_recv_drop(ac_oneshot_recv_t *self) {
  if (self->ch)
    release_end(self->ch, RX_GONE, NULL);
  self->ch = NULL;
}

const ac_future_vtable_t ac_oneshot_recv_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_oneshot_recv_poll,
    (void (*)(void *))ac_oneshot_recv_drop, sizeof(ac_oneshot_recv_t),
    _Alignof(ac_oneshot_recv_t), sizeof(int), "ac_oneshot_recv"};
