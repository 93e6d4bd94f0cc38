/*
 * task_set.c: a set of tasks joined in the order they finish, as tokio's
 * JoinSet.  Each member is an entry holding the task's join future and
 * acting as the waker of that join: the task's completion wakes the entry,
 * which moves to the set's ready list and wakes whoever awaits
 * ac_task_set_join_next.  So a join_next polls only the members that
 * finished (or were never polled), not the whole set.
 *
 * The task keeps a clone of its entry's waker until it completes, which
 * may be after the set is freed (free aborts the members but cannot wait
 * for them).  Entries are therefore reference counted (the set's own
 * reference plus one per waker clone), and each holds a reference on the
 * set, so the last clone dropped frees what is left.  One spinlock, the
 * set's, guards the lists and every entry's state.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

enum {
  E_READY,   /* in the ready list: poll it */
  E_POLLING, /* being polled by join_next */
  E_PENDING, /* in the pending list: waiting for its wake */
  E_GONE,    /* joined, or the set was freed */
};

typedef struct entry {
  ac_list_node_t node;  /* in ready or pending */
  ac_task_set_t *set;
  ac_join_t join;
  uint32_t refs;        /* atomic: the set's + waker clones */
  uint32_t state;       /* under set->lock */
  bool notified;        /* woken while E_POLLING */
} entry_t;

struct ac_task_set {
  ac__spin_t lock;
  ac_list_node_t ready, pending;
  size_t len;           /* members not yet joined */
  uint32_t refs;        /* atomic: 1 while not freed + 1 per entry */
  bool freed;
  ac_waker_t waiter;    /* the join_next waiting, under lock */
};

static void set_unref(ac_task_set_t *s) {
  if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
    free(s);
}

static void entry_unref(entry_t *e) {
  if (__atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  ac_task_set_t *s = e->set;
  free(e);
  set_unref(s);
}

/* ==== the entry as a waker ==== */

static const ac_waker_vtable_t entry_waker_vtable;

static ac_waker_t entry_clone(void *data) {
  entry_t *e = data;
  __atomic_fetch_add(&e->refs, 1, __ATOMIC_RELAXED);
  return (ac_waker_t){&entry_waker_vtable, e};
}

static void entry_wake_by_ref(void *data) {
  entry_t *e = data;
  ac_task_set_t *s = e->set;
  ac__spin_lock(&s->lock);
  ac_waker_t w = {NULL, NULL};
  if (e->state == E_PENDING) {
    ac__list_remove(&e->node);
    ac__list_push_back(&s->ready, &e->node);
    e->state = E_READY;
    w = ac__waker_take(&s->waiter);
  } else if (e->state == E_POLLING) {
    e->notified = true;
  }
  ac__spin_unlock(&s->lock);
  if (w.vtable)
    ac_waker_wake(w);
}

static void entry_wake(void *data) {
  entry_wake_by_ref(data);
  entry_unref(data);
}

static void entry_drop(void *data) { entry_unref(data); }

static const ac_waker_vtable_t entry_waker_vtable = {
    entry_clone, entry_wake, entry_wake_by_ref, entry_drop};

/* ==== the set ==== */

ac_task_set_t *ac_task_set_new(void) {
  ac_task_set_t *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  ac__list_init(&s->ready);
  ac__list_init(&s->pending);
  s->refs = 1;
  return s;
}

int ac_task_set_add(ac_task_set_t *s, ac_task_t *t) {
  if (!t)
    return -EINVAL; /* the spawn that made it failed */
  entry_t *e = calloc(1, sizeof *e);
  if (!e) {
    ac_task_abort(t);
    ac_task_detach(t);
    return -ENOMEM;
  }
  e->set = s;
  e->join = ac_task_join(t);
  e->refs = 1;
  e->state = E_READY; /* polled once to register its waker */
  __atomic_fetch_add(&s->refs, 1, __ATOMIC_RELAXED);
  ac__spin_lock(&s->lock);
  ac__list_push_back(&s->ready, &e->node);
  s->len++;
  ac_waker_t w = ac__waker_take(&s->waiter);
  ac__spin_unlock(&s->lock);
  if (w.vtable)
    ac_waker_wake(w);
  return 0;
}

int ac_task_set_spawn(ac_task_set_t *s, const ac_future_vtable_t *vt,
                      const void *fut) {
  ac_task_t *t = ac_spawn_raw(vt, fut);
  return t ? ac_task_set_add(s, t) : -ENOMEM;
}

size_t ac_task_set_len(ac_task_set_t *s) {
  ac__spin_lock(&s->lock);
  size_t n = s->len;
  ac__spin_unlock(&s->lock);
  return n;
}

static void abort_list(ac_list_node_t *h) {
  for (ac_list_node_t *n = h->next; n != h; n = n->next)
    ac_task_abort(ac__container_of(n, entry_t, node)->join.task);
}

void ac_task_set_abort_all(ac_task_set_t *s) {
  ac__spin_lock(&s->lock);
  abort_list(&s->ready);
  abort_list(&s->pending);
  ac__spin_unlock(&s->lock);
}

/* Aborts every member and gives the handles up; the tasks' waker clones
 * keep their entries (and the set's memory) until they are dropped. */
void ac_task_set_free(ac_task_set_t *s) {
  ac_list_node_t gone;
  ac__list_init(&gone);
  ac__spin_lock(&s->lock);
  s->freed = true;
  ac_list_node_t *lists[2] = {&s->ready, &s->pending};
  for (int i = 0; i < 2; i++)
    while (!ac__list_empty(lists[i])) {
      entry_t *e = ac__container_of(lists[i]->next, entry_t, node);
      ac__list_remove(&e->node);
      e->state = E_GONE;
      ac__list_push_back(&gone, &e->node);
    }
  s->len = 0;
  ac_waker_t w = ac__waker_take(&s->waiter);
  ac__spin_unlock(&s->lock);
  ac__waker_drop_opt(w);
  while (!ac__list_empty(&gone)) {
    entry_t *e = ac__container_of(gone.next, entry_t, node);
    ac__list_remove(&e->node);
    ac_task_abort(e->join.task);
    ac_join_drop(&e->join); /* detaches */
    entry_unref(e);
  }
  set_unref(s);
}

/* ==== join_next ==== */

ac_task_set_join_t ac_task_set_join_next(ac_task_set_t *s, void *out) {
  return (ac_task_set_join_t){s, out};
}

/* Polls one ready entry.  True if its task was joined (*rc set). */
static bool poll_entry(ac_task_set_t *s, entry_t *e, void *out, int *rc) {
  ac_waker_t ew = {&entry_waker_vtable, e};
  ac_context_t ecx = {&ew};
  if (ac_join_poll(&e->join, &ecx, out) == AC_POLL_READY) {
    *rc = ac_join_status(&e->join);
    ac__spin_lock(&s->lock);
    e->state = E_GONE;
    s->len--;
    ac__spin_unlock(&s->lock);
    entry_unref(e);
    return true;
  }
  ac__spin_lock(&s->lock);
  if (e->notified) {
    e->notified = false;
    e->state = E_READY;
    ac__list_push_back(&s->ready, &e->node);
  } else {
    e->state = E_PENDING;
    ac__list_push_back(&s->pending, &e->node);
  }
  ac__spin_unlock(&s->lock);
  return false;
}

ac_poll_t ac_task_set_join_poll(ac_task_set_join_t *j, ac_context_t *cx,
                                int *out) {
  ac_task_set_t *s = j->set;
  /* Each entry at most once per poll: one woken again at once (by a task
   * that keeps finishing nothing) cannot keep this poll going. */
  for (size_t budget = ac_task_set_len(s) + 1; budget > 0; budget--) {
    ac__spin_lock(&s->lock);
    if (s->len == 0) {
      ac__spin_unlock(&s->lock);
      if (out)
        *out = -ECHILD;
      return AC_POLL_READY;
    }
    if (ac__list_empty(&s->ready)) {
      ac__waker_store(&s->waiter, cx);
      ac__spin_unlock(&s->lock);
      return AC_POLL_PENDING;
    }
    entry_t *e = ac__container_of(s->ready.next, entry_t, node);
    ac__list_remove(&e->node);
    e->state = E_POLLING;
    ac__spin_unlock(&s->lock);
    int rc;
    if (poll_entry(s, e, j->out, &rc)) {
      if (out)
        *out = rc;
      return AC_POLL_READY;
    }
  }
  ac_waker_wake_by_ref(cx->waker); /* more are ready: come back */
  return AC_POLL_PENDING;
}

void ac_task_set_join_drop(ac_task_set_join_t *j) {
  ac_task_set_t *s = j->set;
  if (!s)
    return;
  ac__spin_lock(&s->lock);
  ac_waker_t w = ac__waker_take(&s->waiter);
  ac__spin_unlock(&s->lock);
  ac__waker_drop_opt(w);
}

const ac_future_vtable_t ac_task_set_join_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_task_set_join_poll,
    (void (*)(void *))ac_task_set_join_drop, sizeof(ac_task_set_join_t),
    _Alignof(ac_task_set_join_t), sizeof(int), "ac_task_set_join"};

int ac_task_set_try_join(ac_task_set_t *s, void *dst) {
  ac_task_set_join_t j = {s, dst};
  ac_waker_t noop = ac_waker_noop();
  ac_context_t cx = {&noop};
  int rc = AC_EAGAIN;
  if (ac_task_set_join_poll(&j, &cx, &rc) == AC_POLL_PENDING) {
    ac_task_set_join_drop(&j); /* takes the noop waker back */
    return AC_EAGAIN;
  }
  return rc;
}
