/*
 * chan_mpsc.c: multi-producer, single-consumer channels, bounded (cap > 0)
 * or unbounded (cap == 0), over one ring buffer of elem_size slots.
 *
 * Bounded senders that find the buffer full wait in a FIFO list (their
 * ac_waiter_t lives inside the send future).  When the receiver frees a
 * slot it grants it to the first waiter and counts it in `reserved`, so a
 * newcomer cannot take a slot promised to a waiter; a granted sender that
 * is dropped before using its slot passes it on.  The channel is freed
 * when the receiver is gone and the last sender is dropped.
 *
 * The ac_mpsc_t * users hold is a checked handle (handle.c): every call
 * and every poll finds the channel through it, so a channel used after it
 * was freed is a reported misuse, and so are the ends' double drops (a
 * receiver dropped twice, more senders dropped than were made) and sends
 * or receives through an end already dropped.
 *
 * Direct handoff: a recv future that found the channel empty parks
 * itself here; the next sender copies its value straight into the
 * future's destination and raises the future's own `given` flag, and the
 * future's next poll sees the flag without a handle check or the lock
 * (W3: two lock round trips less per message).  The channel remembers the
 * future in rx_handed until it has seen the value (try_recv, or another
 * recv future, takes that value first), and the future clears rx_handed
 * when it sees it.  A value handed over is no longer in the channel, as
 * in Go's channels.  A recv future dropped before seeing its value puts
 * it back at the head of the buffer (one spare slot is kept for that), so
 * nothing is lost and order holds.  Senders waiting on a full channel get no handoff: a send
 * dropped after it was woken must still not have sent.
 *
 * "Under lock" below means inside lock()/unlock(): the spinlock, or for
 * the thread the channel is biased to, a busy flag (bias.c).
 */
#include "internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ac_mpsc {
  ac__obj_t hdr;
  ac__spin_t lock;
  ac__bias_t bias;         /* the lock is not taken by its owner thread */
  size_t elem, cap;        /* cap 0: unbounded */
  size_t head, len, bufcap;
  size_t reserved;         /* slots granted to woken senders */
  char *buf;
  uint32_t senders;
  bool rx_closed;
  ac_mpsc_recv_t *rx_fut;    /* parked: the next sender hands to it */
  ac_mpsc_recv_t *rx_handed; /* atomic: handed a value it has not seen */
  ac_waker_t rx_waker;
  ac_list_node_t waiters;  /* blocked senders, FIFO */
};

ac_mpsc_t *ac_mpsc_new(size_t elem_size, size_t cap) {
  size_t elem = elem_size ? elem_size : 1;
  size_t bufcap = cap ? cap + 1 : 16; /* + the put-back slot */
  size_t bytes;
  if (bufcap < cap || __builtin_mul_overflow(bufcap, elem, &bytes) ||
      bytes > PTRDIFF_MAX) {
    errno = EINVAL; /* no buffer of that size can exist */
    return NULL;
  }
  ac_mpsc_t *ch = ac__obj_new(sizeof *ch, AC__K_MPSC);
  if (!ch) {
    errno = ENOMEM;
    return NULL;
  }
  ch->elem = elem;
  ch->cap = cap;
  ch->bufcap = bufcap;
  ch->buf = malloc(bytes);
  if (!ch->buf) {
    ac__obj_free(ch);
    errno = ENOMEM;
    return NULL;
  }
  ch->senders = 1;
  ac__bias_init(&ch->bias);
  ac__list_init(&ch->waiters);
  return ac__handle_make(ch);
}

/* The channel's lock, which its owner thread does not take (internal.h,
 * "bias.c"): true for the owner.  Every operation enters this way. */
static inline bool lock(ac_mpsc_t *ch) {
  return ac__bias_lock(&ch->bias, &ch->lock);
}
static inline void unlock(ac_mpsc_t *ch, bool own) {
  ac__bias_unlock(&ch->bias, &ch->lock, own);
}
/* The same for the calls plain threads make: unparks wait for the unlock
 * (ac__obj_lock). */
static inline bool obj_lock(ac_mpsc_t *ch) {
  bool own = lock(ch);
  ac__tls.defer++;
  return own;
}
static inline void obj_unlock(ac_mpsc_t *ch, bool own) {
  unlock(ch, own);
  if (--ac__tls.defer == 0 && AC_UNLIKELY(ac__tls.unpark != NULL))
    ac__sched_flush_unpark();
}

static void destroy(ac_mpsc_t *ch) {
  free(ch->buf);
  ac__obj_free(ch);
}

__attribute__((cold, noinline)) static void bad_chan(const char *op) {
  char what[128];
  snprintf(what, sizeof what, "%s: not a live channel (freed, or not made "
           "by ac_mpsc_new)", op);
  ac__misuse(-EBADF, what);
}

/* The channel of a handle, or NULL (the misuse reported). */
static inline ac_mpsc_t *chan(ac_mpsc_t *h, const char *op) {
  ac_mpsc_t *ch = ac__obj_get(h, AC__K_MPSC);
  if (AC_UNLIKELY(!ch))
    bad_chan(op);
  return ch;
}

__attribute__((cold, noinline)) static int no_sender(const char *op) {
  char what[128];
  snprintf(what, sizeof what, "%s: every sender of the channel was "
           "already dropped", op);
  return ac__misuse(-EINVAL, what);
}

__attribute__((cold, noinline)) static int no_receiver(const char *op) {
  char what[128];
  snprintf(what, sizeof what, "%s: the receiver was already dropped", op);
  return ac__misuse(-EINVAL, what);
}

static int grow(ac_mpsc_t *ch) {
  size_t nc, bytes;
  if (__builtin_mul_overflow(ch->bufcap, 2, &nc) ||
      __builtin_mul_overflow(nc, ch->elem, &bytes))
    return -ENOMEM;
  char *nb = malloc(bytes);
  if (!nb)
    return -ENOMEM;
  for (size_t i = 0; i < ch->len; i++)
    memcpy(nb + i * ch->elem,
           ch->buf + ((ch->head + i) % ch->bufcap) * ch->elem, ch->elem);
  free(ch->buf);
  ch->buf = nb;
  ch->head = 0;
  ch->bufcap = nc;
  return 0;
}

/* head + k wrapped, for k <= bufcap: a compare, not a division. */
static inline size_t slot_at(const ac_mpsc_t *ch, size_t k) {
  size_t i = ch->head + k;
  return i >= ch->bufcap ? i - ch->bufcap : i;
}

/* Under lock; room has been checked. */
static void push(ac_mpsc_t *ch, const void *v) {
  ac__copy_small(ch->buf + slot_at(ch, ch->len) * ch->elem, v, ch->elem);
  ch->len++;
}

/* Under lock: stores a value and wakes the receiver.  Its waker stays in
 * the slot (wake_by_ref, under the lock so it cannot be dropped meanwhile):
 * the receiver's next wait finds it there and clones nothing, which saves
 * two atomic operations per message.  receiver_drop releases it. */
static void push_wake(ac_mpsc_t *ch, const void *v) {
  ac_mpsc_recv_t *f = ch->rx_fut;
  if (f) {
    ch->rx_fut = NULL;
    ac__copy_small(f->dst, v, ch->elem);
    __atomic_store_n(&ch->rx_handed, f, __ATOMIC_RELAXED);
    __atomic_store_n(&f->given, 1, __ATOMIC_RELEASE); /* the value first */
  } else {
    push(ch, v);
  }
  if (ch->rx_waker.vtable)
    ac_waker_wake_by_ref(&ch->rx_waker);
}

/* Under lock: hands every free slot to a waiting sender.  Called
 * wherever len + reserved may have dropped: a value taken from the buffer,
 * a granted sender whose value went straight to a parked receiver (its
 * reserved slot was never filled), a grant given back by a drop. */
static void grant(ac_mpsc_t *ch) {
  ac_waiter_t *w;
  while (ch->len + ch->reserved < ch->cap &&
         (w = ac__waitq_first(&ch->waiters))) {
    ch->reserved++;
    ac__waitq_grant(w);
  }
}

int ac_mpsc_sender_clone(ac_mpsc_t *h) {
  ac_mpsc_t *ch = chan(h, "ac_mpsc_sender_clone");
  if (!ch)
    return -EBADF;
  bool own = obj_lock(ch);
  uint32_t n = ch->senders;
  if (n && n < UINT32_MAX)
    ch->senders++;
  obj_unlock(ch, own);
  return !n ? no_sender("ac_mpsc_sender_clone")
         : n == UINT32_MAX ? -EOVERFLOW
                           : 0;
}

int ac_mpsc_sender_drop(ac_mpsc_t *h) {
  ac_mpsc_t *ch = chan(h, "ac_mpsc_sender_drop");
  if (!ch)
    return -EBADF;
  bool own = obj_lock(ch);
  if (!ch->senders) {
    obj_unlock(ch, own);
    return ac__misuse(-EINVAL, "ac_mpsc_sender_drop: more senders dropped "
                               "than were made (a sender dropped twice?)");
  }
  bool last = --ch->senders == 0;
  if (last)
    ch->rx_fut = NULL; /* nothing more to hand it: send's fast path */
  ac_waker_t w = last ? ac__waker_take(&ch->rx_waker) : (ac_waker_t){0};
  bool free_it = last && ch->rx_closed;
  obj_unlock(ch, own);
  if (w.vtable)
    ac_waker_wake(w);
  if (free_it)
    destroy(ch);
  return 0;
}

int ac_mpsc_receiver_drop(ac_mpsc_t *h) {
  ac_mpsc_t *ch = chan(h, "ac_mpsc_receiver_drop");
  if (!ch)
    return -EBADF;
  bool own = obj_lock(ch);
  if (ch->rx_closed) {
    obj_unlock(ch, own);
    return no_receiver("ac_mpsc_receiver_drop");
  }
  ch->rx_closed = true;
  ch->rx_fut = NULL;
  /* A future still holding an unseen value (alive: it clears rx_handed
   * when it sees the value or is dropped) will not see it. */
  ac_mpsc_recv_t *f = __atomic_load_n(&ch->rx_handed, __ATOMIC_RELAXED);
  if (f) {
    __atomic_store_n(&f->given, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&ch->rx_handed, NULL, __ATOMIC_RELAXED);
  }
  ch->len = 0;
  ac__waker_drop_opt(ac__waker_take(&ch->rx_waker));
  ac_waiter_t *w;
  while ((w = ac__waitq_first(&ch->waiters))) { /* they will see rx_closed */
    ch->reserved++;
    ac__waitq_grant(w);
  }
  bool free_it = ch->senders == 0;
  obj_unlock(ch, own);
  if (free_it)
    destroy(ch);
  return 0;
}

int ac_mpsc_try_send(ac_mpsc_t *h, const void *value) {
  ac_mpsc_t *ch = chan(h, "ac_mpsc_try_send");
  if (!ch)
    return -EBADF;
  int rc = 0;
  bool own = obj_lock(ch);
  if (AC_UNLIKELY(!ch->senders))
    rc = -EINVAL;
  else if (ch->rx_closed)
    rc = AC_EPIPE;
  else if (ch->cap && (ch->len + ch->reserved >= ch->cap ||
                       !ac__list_empty(&ch->waiters)))
    rc = AC_EAGAIN;
  else if (!ch->cap && ch->len == ch->bufcap && grow(ch) != 0)
    rc = -ENOMEM;
  if (rc == 0)
    push_wake(ch, value);
  obj_unlock(ch, own);
  return rc == -EINVAL ? no_sender("ac_mpsc_try_send") : rc;
}

/* Under lock: 0 with a value, AC_EAGAIN if empty, AC_EPIPE if closed.
 * A value handed to a parked recv future comes first (try_recv while one
 * waits: the oldest value is the one in its destination). */
static int take(ac_mpsc_t *ch, void *dst) {
  ch->rx_fut = NULL;
  ac_mpsc_recv_t *f = __atomic_load_n(&ch->rx_handed, __ATOMIC_RELAXED);
  if (f) { /* alive: see receiver_drop */
    __atomic_store_n(&ch->rx_handed, NULL, __ATOMIC_RELAXED);
    __atomic_store_n(&f->given, 0, __ATOMIC_RELAXED);
    if (dst && dst != f->dst)
      ac__copy_small(dst, f->dst, ch->elem);
    return 0;
  }
  if (ch->len == 0)
    return ch->senders ? AC_EAGAIN : AC_EPIPE;
  if (dst)
    ac__copy_small(dst, ch->buf + ch->head * ch->elem, ch->elem);
  ch->head = slot_at(ch, 1);
  ch->len--;
  if (ch->cap)
    grant(ch);
  return 0;
}

int ac_mpsc_try_recv(ac_mpsc_t *h, void *dst) {
  ac_mpsc_t *ch = chan(h, "ac_mpsc_try_recv");
  if (!ch)
    return -EBADF;
  bool own = obj_lock(ch);
  bool closed = ch->rx_closed;
  int rc = closed ? -EINVAL : take(ch, dst);
  obj_unlock(ch, own);
  return closed ? no_receiver("ac_mpsc_try_recv") : rc;
}

/* ==== send future ==== */

_Static_assert(AC__WAIT_QUEUED == 1 && AC__WAIT_GRANTED == 2,
               "ac_mpsc_send_drop in ac.h tests these two states");

__attribute__((noinline)) static ac_poll_t
send_slow(ac_mpsc_send_t *self, ac_context_t *cx, int *out) {
  ac_mpsc_t *ch = chan(self->ch, "send");
  ac_waiter_t *wt = &self->wait;
  int rc = 0;
  if (AC_UNLIKELY(!ch)) {
    wt->state = AC__WAIT_DONE;
    if (out)
      *out = -EBADF;
    return AC_POLL_READY;
  }
  bool own = lock(ch);
  if (AC_UNLIKELY(!ch->senders) && wt->state == AC__WAIT_IDLE) {
    rc = -EINVAL;
  } else if (wt->state != AC__WAIT_IDLE) {
    if (!ac__waiter_poll(wt, cx)) {
      unlock(ch, own);
      return AC_POLL_PENDING;
    }
    ch->reserved--; /* our slot: fill it, or give it on */
    if (ch->rx_closed)
      rc = AC_EPIPE;
    else
      push_wake(ch, self->value);
    grant(ch); /* a handoff left the slot free: the next sender's */
  } else if (ch->rx_closed) {
    rc = AC_EPIPE;
  } else if (!ch->cap || (ch->len + ch->reserved < ch->cap &&
                          ac__list_empty(&ch->waiters))) {
    if (!ch->cap && ch->len == ch->bufcap && grow(ch) != 0)
      rc = -ENOMEM;
    else
      push_wake(ch, self->value);
  } else {
    ac__waitq_push(&ch->waiters, wt, cx);
    unlock(ch, own);
    return AC_POLL_PENDING;
  }
  wt->state = AC__WAIT_DONE;
  unlock(ch, own);
  if (rc == -EINVAL)
    no_sender("send");
  if (out)
    *out = rc;
  return AC_POLL_READY;
}

void ac__mpsc_send_drop_pending(ac_mpsc_send_t *self) {
  ac_waiter_t *wt = &self->wait;
  ac_mpsc_t *ch = ac__obj_get(self->ch, AC__K_MPSC);
  if (!ch) /* freed under a waiting send: reported by whoever freed it */
    return;
  bool own = lock(ch);
  if (ac__waiter_cancel(wt) == AC__WAIT_GRANTED) {
    ch->reserved--; /* pass the promised slot on */
    grant(ch);
  }
  unlock(ch, own);
}

/* The ends of send's fast path below, out of line so that the path itself
 * makes no call and saves no register: a value of a size copied with
 * memcpy, and a wake that ac__wake_to_next cannot make.  On the owner's
 * thread, inside the bias: the receiver's waker cannot be dropped
 * meanwhile. */
__attribute__((noinline)) static ac_poll_t send_wake_leave(ac_mpsc_t *ch) {
  ac_waker_wake_by_ref(&ch->rx_waker); /* parked: it is there */
  ac__bias_leave_owned(&ch->bias);
  return AC_POLL_READY;
}
__attribute__((noinline)) static ac_poll_t
send_copy_wake_leave(ac_mpsc_t *ch, ac_mpsc_recv_t *f, const void *v) {
  memcpy(f->dst, v, ch->elem);
  __atomic_store_n(&ch->rx_handed, f, __ATOMIC_RELAXED);
  __atomic_store_n(&f->given, 1, __ATOMIC_RELEASE);
  return send_wake_leave(ch);
}

/* The common case on the thread the channel is biased to: a first poll
 * that finds the receiver parked.  Parked means open (receiver_drop and
 * the last sender_drop unpark it) and empty; with no slot promised to a
 * waiting sender (reserved == 0: a bounded channel grants every slot it
 * can, so waiting senders mean reserved == cap) nobody is overtaken.
 * The value goes into the recv future's destination, and its task to this
 * worker's run-next slot if it waits here (ac__wake_to_next).
 * Everything else, and every other thread, takes send_slow. */
ac_poll_t ac_mpsc_send_poll(ac_mpsc_send_t *self, ac_context_t *cx,
                            int *out) {
  ac_mpsc_t *ch = ac__obj_get(self->ch, AC__K_MPSC);
  if (AC_LIKELY(ch) && AC_LIKELY(ac__waiter_state(&self->wait) ==
                                  AC__WAIT_IDLE) &&
      ac__bias_enter_owned(&ch->bias)) {
    ac_mpsc_recv_t *f = ch->rx_fut;
    if (AC_LIKELY(f && !ch->reserved)) {
      ch->rx_fut = NULL;
      self->wait.state = AC__WAIT_DONE;
      if (out)
        *out = 0;
      size_t n = ch->elem; /* tested in this order: int, long, pair */
      if (AC_LIKELY(n == 4))
        memcpy(f->dst, self->value, 4);
      else if (n == 8)
        memcpy(f->dst, self->value, 8);
      else if (n == 16)
        memcpy(f->dst, self->value, 16);
      else
        return send_copy_wake_leave(ch, f, self->value);
      __atomic_store_n(&ch->rx_handed, f, __ATOMIC_RELAXED);
      __atomic_store_n(&f->given, 1, __ATOMIC_RELEASE); /* the value first */
      if (AC_UNLIKELY(!ac__wake_to_next(&ch->rx_waker)))
        return send_wake_leave(ch);
      ac__bias_leave_owned(&ch->bias);
      return AC_POLL_READY;
    }
    ac__bias_leave_owned(&ch->bias);
  }
  return send_slow(self, cx, out);
}

const ac_future_vtable_t ac_mpsc_send_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_mpsc_send_poll,
    (void (*)(void *))ac_mpsc_send_drop, sizeof(ac_mpsc_send_t),
    _Alignof(ac_mpsc_send_t), sizeof(int), "ac_mpsc_send"};

/* ==== recv future ==== */

/* Every case but a value handed over while parked: the lock, the buffer,
 * parking, misuse.  Out of line, so the handoff path below needs no
 * saved registers. */
__attribute__((noinline)) static ac_poll_t
recv_slow(ac_mpsc_recv_t *self, ac_context_t *cx, int *out) {
  ac_mpsc_t *ch = AC_LIKELY(self->ch) ? ac__obj_get(self->ch, AC__K_MPSC)
                                      : NULL;
  int rc = 0;
  if (AC_UNLIKELY(!ch)) {
    if (!self->ch)
      ac__misuse(-EINVAL, "recv of a NULL channel, or polled again after it "
                          "completed");
    else
      bad_chan("recv");
    rc = -EBADF;
    goto ready;
  }
  bool own = lock(ch);
  if (AC_UNLIKELY(ch->rx_closed)) {
    unlock(ch, own);
    rc = no_receiver("recv");
    goto ready;
  }
  /* Empty and nothing handed over (to us since the caller looked, on
   * another thread, or to another recv future): park without take(). */
  rc = AC_LIKELY(!ch->len && ch->senders &&
                 !__atomic_load_n(&ch->rx_handed, __ATOMIC_RELAXED))
           ? AC_EAGAIN
           : take(ch, self->dst);
  if (rc == AC_EAGAIN) {
    ac__waker_store(&ch->rx_waker, cx);
    ch->rx_fut = self->dst ? self : NULL; /* no dst: nowhere to hand to */
    unlock(ch, own);
    return AC_POLL_PENDING;
  }
  unlock(ch, own);
ready:
  self->ch = NULL; /* nothing left for drop to do */
  if (out)
    *out = rc;
  return AC_POLL_READY;
}

_Static_assert(offsetof(struct ac_mpsc, rx_handed) == AC__MPSC_HANDED_AT,
               "ac.h's inline recv poll clears rx_handed at that offset");

/* (The name in brackets: ac.h's macro of the same name is the inline
 * completion in front of this.) */
ac_poll_t(ac_mpsc_recv_poll)(ac_mpsc_recv_t *self, ac_context_t *cx,
                             int *out) {
  /* On the thread the channel is biased to, an open, empty channel whose
   * stored waker is already ours: park, with no call and no lock.  First,
   * as a frame's poll only calls here when ac.h's inline completion found
   * no value handed over (one handed over since shows in rx_handed). */
  ac_mpsc_t *ch = ac__obj_get(self->ch, AC__K_MPSC);
  if (AC_LIKELY(ch) && ac__bias_enter_owned(&ch->bias)) {
    if (AC_LIKELY(!ch->len && ch->senders && !ch->rx_closed && self->dst &&
                  !__atomic_load_n(&ch->rx_handed, __ATOMIC_RELAXED) &&
                  ac_waker_will_wake(&ch->rx_waker, cx->waker))) {
      ch->rx_fut = self;
      ac__bias_leave_owned(&ch->bias);
      return AC_POLL_PENDING;
    }
    ac__bias_leave_owned(&ch->bias);
  }
  /* Handed over while parked (ac.h). */
  if (AC_LIKELY(ac__mpsc_recv_take_handed(self, out)))
    return AC_POLL_READY;
  return recv_slow(self, cx, out);
}

/* The name ac.h's inline recv completion calls (ac.h says why). */
ac_poll_t ac__mpsc_recv_poll_030(ac_mpsc_recv_t *self, ac_context_t *cx,
                                 int *out)
    __attribute__((alias("ac_mpsc_recv_poll")));

/* Under lock: a value handed to a recv future dropped before it saw it
 * goes back to the head of the buffer (the spare slot makes room). */
static void put_back(ac_mpsc_t *ch, const void *v) {
  if (ch->len == ch->bufcap && grow(ch) != 0)
    return; /* unbounded and out of memory: the value is lost */
  ch->head = slot_at(ch, ch->bufcap - 1);
  memcpy(ch->buf + ch->head * ch->elem, v, ch->elem);
  ch->len++;
}

/* Takes back a stored waker, so the channel does not keep the task, and
 * a value handed over that the future never saw. */
void ac__mpsc_recv_drop_pending(ac_mpsc_recv_t *self) {
  ac_mpsc_t *ch = ac__obj_get(self->ch, AC__K_MPSC);
  self->ch = NULL;
  if (!ch)
    return;
  bool own = lock(ch);
  if (ch->rx_fut == self)
    ch->rx_fut = NULL;
  if (__atomic_load_n(&ch->rx_handed, __ATOMIC_RELAXED) == self) {
    __atomic_store_n(&ch->rx_handed, NULL, __ATOMIC_RELAXED);
    __atomic_store_n(&self->given, 0, __ATOMIC_RELAXED);
    put_back(ch, self->dst);
  }
  ac_waker_t w = ac__waker_take(&ch->rx_waker);
  unlock(ch, own);
  ac__waker_drop_opt(w);
}

const ac_future_vtable_t ac_mpsc_recv_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_mpsc_recv_poll,
    (void (*)(void *))ac_mpsc_recv_drop, sizeof(ac_mpsc_recv_t),
    _Alignof(ac_mpsc_recv_t), sizeof(int), "ac_mpsc_recv"};

bool ac__mpsc_biased_here(ac_mpsc_t *h) {
  ac_mpsc_t *ch = ac__obj_get(h, AC__K_MPSC);
  return ch && ac__bias_mine(&ch->bias);
}
