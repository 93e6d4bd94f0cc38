/*
 * cancel.c: the cancellation token, as tokio_util's CancellationToken: one
 * flag that any number of tasks can await, set once by ac_cancel_cancel,
 * and child tokens that are cancelled with their parent (but not the other
 * way round).
 *
 * A token is reference counted; a child holds a reference on its parent
 * and sits in the parent's list of children until it is freed.  Waiting
 * futures keep their list node inline, so waiting allocates nothing.
 * Cancel sets the flag, wakes every waiter, then cancels the children,
 * each outside the parent's lock (a reference keeps each one alive).
 * Waiters follow the runtime's one waiter protocol (waitq.c); cancel can
 * come from any thread, so it takes the lock that defers unparks.
 */
#include "internal.h"

#include <stdlib.h>

struct ac_cancel {
  ac__spin_t lock;
  uint32_t refs;        /* atomic */
  uint32_t cancelled;   /* atomic: set once */
  ac_list_node_t waiters;  /* ac_cancel_wait_t.wait (waitq.c) */
  ac_list_node_t children; /* child tokens' sibling nodes */
  ac_list_node_t sibling;  /* in the parent's children */
  struct ac_cancel *parent;
};

static ac_cancel_t *token_new(void) {
  ac_cancel_t *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->refs = 1;
  ac__list_init(&c->waiters);
  ac__list_init(&c->children);
  return c;
}

ac_cancel_t *ac_cancel_new(void) { return token_new(); }

ac_cancel_t *ac_cancel_clone(ac_cancel_t *c) {
  __atomic_fetch_add(&c->refs, 1, __ATOMIC_RELAXED);
  return c;
}

ac_cancel_t *ac_cancel_child(ac_cancel_t *parent) {
  ac_cancel_t *c = token_new();
  if (!c)
    return NULL;
  ac__spin_lock(&parent->lock);
  if (parent->cancelled) {
    c->cancelled = 1; /* born cancelled; no link needed */
  } else {
    c->parent = ac_cancel_clone(parent);
    ac__list_push_back(&parent->children, &c->sibling);
  }
  ac__spin_unlock(&parent->lock);
  return c;
}

void ac_cancel_free(ac_cancel_t *c) {
  if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  ac_cancel_t *p = c->parent;
  if (p) {
    ac__spin_lock(&p->lock);
    if (c->sibling.next)
      ac__list_remove(&c->sibling);
    ac__spin_unlock(&p->lock);
    ac_cancel_free(p);
  }
  /* Children hold a reference on us, so none is left; nor a waiter, which
   * must not outlive the token it borrows. */
  free(c);
}

int ac_cancel_is_cancelled(const ac_cancel_t *c) {
  return (int)__atomic_load_n(&c->cancelled, __ATOMIC_ACQUIRE);
}

void ac_cancel_cancel(ac_cancel_t *c) {
  ac__obj_lock(&c->lock);
  if (c->cancelled) {
    ac__obj_unlock(&c->lock);
    return;
  }
  __atomic_store_n(&c->cancelled, 1, __ATOMIC_RELEASE);
  ac__waitq_grant_all(&c->waiters);
  /* Detach the children with a reference each, then cancel them unlocked
   * (each takes its own lock and may reach its own children). */
  ac_list_node_t kids;
  ac__list_init(&kids);
  while (!ac__list_empty(&c->children)) {
    ac_list_node_t *n = c->children.next;
    ac__list_remove(n);
    ac__list_push_back(&kids, n);
    ac_cancel_clone(ac__container_of(n, ac_cancel_t, sibling));
  }
  ac__obj_unlock(&c->lock);
  while (!ac__list_empty(&kids)) {
    ac_cancel_t *k = ac__container_of(kids.next, ac_cancel_t, sibling);
    ac__list_remove(&k->sibling); /* next == NULL: free skips the parent */
    ac_cancel_cancel(k);
    ac_cancel_free(k);
  }
}

ac_cancel_wait_t ac_cancel_wait(ac_cancel_t *c) {
  return (ac_cancel_wait_t){c, {{NULL, NULL}, {NULL, NULL}, 0, 0}};
}

ac_poll_t ac_cancel_wait_poll(ac_cancel_wait_t *w, ac_context_t *cx,
                              void *out) {
  (void)out;
  ac_cancel_t *c = w->token;
  ac__spin_lock(&c->lock);
  bool done = c->cancelled;
  if (done)
    ac__waiter_cancel(&w->wait);
  else
    ac__waiter_wait(&c->waiters, &w->wait, cx);
  ac__spin_unlock(&c->lock);
  return done ? AC_POLL_READY : AC_POLL_PENDING;
}

void ac_cancel_wait_drop(ac_cancel_wait_t *w) {
  if (!ac__waiter_pending(&w->wait))
    return;
  ac_cancel_t *c = w->token;
  ac__spin_lock(&c->lock);
  ac__waiter_cancel(&w->wait);
  ac__spin_unlock(&c->lock);
}

const ac_future_vtable_t ac_cancel_wait_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_cancel_wait_poll,
    (void (*)(void *))ac_cancel_wait_drop, sizeof(ac_cancel_wait_t),
    _Alignof(ac_cancel_wait_t), 0, "ac_cancel_wait"};
