/*
 * waitq.c: the one waiter protocol of the runtime (internal.h says the
 * rules): bounded mpsc senders, semaphore acquirers (and so the mutex) and
 * notify waiters, which are handed something, and the waiters of
 * cancellation tokens, broadcast and watch channels, which wait for a
 * state they check again, all wait through these functions, under the
 * lock of the object they wait on.
 */
#include "internal.h"

ac_waiter_t *ac__waitq_first(ac_list_node_t *q) {
  return ac__list_empty(q) ? NULL : ac__container_of(q->next, ac_waiter_t, node);
}

void ac__waitq_push(ac_list_node_t *q, ac_waiter_t *w, const ac_context_t *cx) {
  w->state = AC__WAIT_QUEUED;
  w->waker = ac_waker_clone(cx->waker);
  ac__list_push_back(q, &w->node);
}

void ac__waitq_grant(ac_waiter_t *w) {
  ac__list_remove(&w->node);
  /* the owner may be looking without the lock (ac__waiter_state) */
  __atomic_store_n(&w->state, AC__WAIT_GRANTED, __ATOMIC_RELAXED);
  ac_waker_wake(ac__waker_take(&w->waker));
}

bool ac__waiter_poll(ac_waiter_t *w, const ac_context_t *cx) {
  if (w->state == AC__WAIT_GRANTED) {
    w->state = AC__WAIT_DONE;
    return true;
  }
  ac__waker_store(&w->waker, cx);
  return false;
}

uint32_t ac__waiter_cancel(ac_waiter_t *w) {
  uint32_t st = w->state;
  if (st == AC__WAIT_QUEUED) {
    ac__list_remove(&w->node);
    ac__waker_drop_opt(ac__waker_take(&w->waker));
  }
  w->state = AC__WAIT_DONE;
  return st;
}

void ac__waitq_grant_all(ac_list_node_t *q) {
  ac_waiter_t *w;
  while ((w = ac__waitq_first(q)))
    ac__waitq_grant(w);
}

void ac__waiter_wait(ac_list_node_t *q, ac_waiter_t *w,
                     const ac_context_t *cx) {
  if (w->state == AC__WAIT_QUEUED)
    ac__waker_store(&w->waker, cx);
  else
    ac__waitq_push(q, w, cx); /* first wait, or woken for nothing */
}
