/*
 * chan_oneshot.c: one value, one sender, one receiver.  The shared state is
 * one checked object (handle.c) with the value inline, or beside it when
 * it is large, freed when both ends are released.  Releasing an end twice
 * (a second send, a send after sender_drop, a second receiver release) is
 * a reported misuse, and so is any use after both ends were released.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HAS_VALUE = 1, TX_GONE = 2, RX_GONE = 4 };

struct ac_oneshot {
  ac__obj_t hdr;
  ac__spin_t lock;
  uint32_t flags; /* under lock */
  ac_waker_t rx_waker;
  size_t size;
  void *value; /* inline below, or its own allocation */
  max_align_t inline_value[];
};

ac_oneshot_t *ac_oneshot_new(size_t size) {
  size_t inline_size = 0;
  if (size <= AC__SLAB_MAX - sizeof(ac_oneshot_t))
    inline_size = size;
  ac_oneshot_t *ch = ac__obj_new(sizeof *ch + inline_size, AC__K_ONESHOT);
  if (!ch) {
    errno = ENOMEM;
    return NULL;
  }
  ch->size = size;
  ch->value = ch->inline_value;
  if (size > inline_size && !(ch->value = malloc(size))) {
    ac__obj_free(ch);
    errno = ENOMEM;
    return NULL;
  }
  return ac__handle_make(ch);
}

static void destroy(ac_oneshot_t *ch) {
  if (ch->value != (void *)ch->inline_value)
    free(ch->value);
  ac__obj_free(ch);
}

__attribute__((cold, noinline)) static int bad(int err, const char *op,
                                               const char *why) {
  char what[160];
  snprintf(what, sizeof what, "%s: %s", op, why);
  return ac__misuse(err, what);
}

static ac_oneshot_t *chan(ac_oneshot_t *h, const char *op) {
  ac_oneshot_t *ch = ac__obj_get(h, AC__K_ONESHOT);
  if (AC_UNLIKELY(!ch))
    bad(-EBADF, op, "not a live oneshot (both ends released, or not made "
                    "by ac_oneshot_new)");
  return ch;
}

/* Sets an end's flag, storing the value for a send; the second end to go
 * frees.  -EINVAL if that end was already released (nothing done), or
 * AC_EPIPE for a send whose receiver is gone (the sending end is released
 * all the same). */
static int release_end(ac_oneshot_t *ch, uint32_t end, bool send,
                       const void *value) {
  ac_waker_t w = {NULL, NULL};
  int rc = 0;
  ac__obj_lock(&ch->lock);
  if (ch->flags & end) {
    ac__obj_unlock(&ch->lock);
    return -EINVAL;
  }
  if (send && (ch->flags & RX_GONE)) {
    rc = AC_EPIPE;
  } else if (send) {
    if (ch->size)
      memcpy(ch->value, value, ch->size);
    ch->flags |= HAS_VALUE;
  }
  ch->flags |= end;
  if (end == TX_GONE)
    w = ac__waker_take(&ch->rx_waker);
  else
    ac__waker_drop_opt(ac__waker_take(&ch->rx_waker));
  bool last = (ch->flags & (TX_GONE | RX_GONE)) == (TX_GONE | RX_GONE);
  ac__obj_unlock(&ch->lock);
  if (w.vtable)
    ac_waker_wake(w);
  if (last)
    destroy(ch);
  return rc;
}

int ac_oneshot_send(ac_oneshot_t *h, const void *value) {
  ac_oneshot_t *ch = chan(h, "ac_oneshot_send");
  if (!ch)
    return -EBADF;
  int rc = release_end(ch, TX_GONE, true, value);
  if (rc == -EINVAL)
    return bad(rc, "ac_oneshot_send", "the sending end was already used "
                                      "(a second send, or a send after "
                                      "ac_oneshot_sender_drop)");
  return rc;
}

int ac_oneshot_sender_drop(ac_oneshot_t *h) {
  ac_oneshot_t *ch = chan(h, "ac_oneshot_sender_drop");
  if (!ch)
    return -EBADF;
  if (release_end(ch, TX_GONE, false, NULL) == -EINVAL)
    return bad(-EINVAL, "ac_oneshot_sender_drop",
               "the sending end was already released (sent or dropped)");
  return 0;
}

int ac_oneshot_receiver_drop(ac_oneshot_t *h) {
  ac_oneshot_t *ch = chan(h, "ac_oneshot_receiver_drop");
  if (!ch)
    return -EBADF;
  if (release_end(ch, RX_GONE, false, NULL) == -EINVAL)
    return bad(-EINVAL, "ac_oneshot_receiver_drop",
               "the receiving end was already released");
  return 0;
}

ac_oneshot_recv_t ac_oneshot_recv(ac_oneshot_t *ch, void *dst) {
  return (ac_oneshot_recv_t){ch, dst};
}

ac_poll_t ac_oneshot_recv_poll(ac_oneshot_recv_t *self, ac_context_t *cx,
                               int *out) {
  ac_oneshot_t *ch = self->ch ? chan(self->ch, "ac_oneshot_recv") : NULL;
  int r;
  if (!ch) {
    if (!self->ch)
      ac__misuse(-EINVAL, "ac_oneshot_recv of a NULL oneshot, or polled "
                          "again after it completed");
    r = -EBADF;
    goto done;
  }
  ac__spin_lock(&ch->lock);
  if (ch->flags & RX_GONE) {
    ac__spin_unlock(&ch->lock);
    r = bad(-EINVAL, "ac_oneshot_recv", "the receiving end was already "
                                        "released");
    goto done;
  } else if (ch->flags & HAS_VALUE) {
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
  (void)release_end(ch, RX_GONE, false, NULL);
done:
  self->ch = NULL;
  if (out)
    *out = r;
  return AC_POLL_READY;
}

void ac_oneshot_recv_drop(ac_oneshot_recv_t *self) {
  ac_oneshot_t *ch =
      self->ch ? ac__obj_get(self->ch, AC__K_ONESHOT) : NULL;
  self->ch = NULL;
  if (ch)
    (void)release_end(ch, RX_GONE, false, NULL);
}

const ac_future_vtable_t ac_oneshot_recv_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_oneshot_recv_poll,
    (void (*)(void *))ac_oneshot_recv_drop, sizeof(ac_oneshot_recv_t),
    _Alignof(ac_oneshot_recv_t), sizeof(int), "ac_oneshot_recv"};
