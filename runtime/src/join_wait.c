/*
 * join_wait.c: the wakers of joins that wait, kept outside the task header.
 *
 * Only a join that finds its task unfinished needs somewhere to leave its
 * waker, and most tasks never have one: they are detached (W4's million
 * sleepers), or joined after they finished (W1).  So the task header has
 * no waker slot (16 bytes instead of 32: a sleeper task fits 48 bytes, a
 * trivial one 32); a waiting join puts its waker in its runtime's table,
 * keyed by the task, and raises the task's JOIN_WAKER bit (task.c, rule
 * 3, says who adds and who takes an entry).
 *
 * The table is open addressing with linear probing over a power-of-two
 * array, under one spinlock (a leaf: nothing is called while it is held,
 * wakers are cloned, dropped and woken outside it).  Removal shifts the
 * entries behind back into the hole, so there are no tombstones; the
 * array doubles at half full and halves below an eighth, so its size
 * follows the joins waiting at once.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

#define MIN_CAP 16u

static uint32_t home_of(const ac__joinw_t *jw, const ac_task_t *t) {
  /* Tasks are 8-aligned: the low bits say nothing; a multiplicative
   * hash spreads the rest over the table. */
  uint64_t h = ((uintptr_t)t >> 3) * 0x9e3779b97f4a7c15u;
  return (uint32_t)(h >> 32) & jw->mask;
}

/* The index of t's entry, or of the empty slot where it would go. */
static uint32_t find(const ac__joinw_t *jw, const ac_task_t *t) {
  uint32_t i = home_of(jw, t);
  while (jw->slots[i].task && jw->slots[i].task != t)
    i = (i + 1) & jw->mask;
  return i;
}

/* Rebuilds the array with cap slots; false (nothing changed) on ENOMEM. */
static bool resize(ac__joinw_t *jw, uint32_t cap) {
  ac__joinw_slot_t *old = jw->slots;
  uint32_t oldcap = old ? jw->mask + 1 : 0;
  ac__joinw_slot_t *n = calloc(cap, sizeof *n);
  if (!n)
    return false;
  jw->slots = n;
  jw->mask = cap - 1;
  for (uint32_t i = 0; i < oldcap; i++)
    if (old[i].task)
      n[find(jw, old[i].task)] = old[i];
  free(old);
  return true;
}

/* Empties slot i and moves back the entries of its cluster that probed
 * past it, so that every entry stays reachable from its home slot. */
static void remove_at(ac__joinw_t *jw, uint32_t i) {
  uint32_t j = i;
  for (;;) {
    jw->slots[i].task = NULL;
    for (;;) {
      j = (j + 1) & jw->mask;
      if (!jw->slots[j].task)
        goto done;
      uint32_t h = home_of(jw, jw->slots[j].task);
      /* j's entry may move to i unless its home lies in (i, j]. */
      if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
        continue;
      jw->slots[i] = jw->slots[j];
      i = j;
      break;
    }
  }
done:
  __atomic_store_n(&jw->len, jw->len - 1, __ATOMIC_RELAXED);
  if (jw->mask + 1 > MIN_CAP && jw->len < (jw->mask + 1) / 8)
    (void)resize(jw, (jw->mask + 1) / 2); /* on ENOMEM it stays larger */
}

int ac__joinw_put(ac__joinw_t *jw, ac_task_t *t, const ac_waker_t *w) {
  ac_waker_t clone = ac_waker_clone(w);
  ac_waker_t old = {NULL, NULL};
  ac__spin_lock(&jw->lock);
  if ((!jw->slots || jw->len + 1 > (jw->mask + 1) / 2) &&
      !resize(jw, jw->slots ? (jw->mask + 1) * 2 : MIN_CAP)) {
    ac__spin_unlock(&jw->lock);
    ac_waker_drop(clone);
    return -ENOMEM;
  }
  uint32_t i = find(jw, t);
  if (jw->slots[i].task) {
    old = jw->slots[i].waker;
  } else {
    jw->slots[i].task = t;
    __atomic_store_n(&jw->len, jw->len + 1, __ATOMIC_RELAXED);
  }
  jw->slots[i].waker = clone;
  ac__spin_unlock(&jw->lock);
  ac__waker_drop_opt(old);
  return 0;
}

bool ac__joinw_refresh(ac__joinw_t *jw, ac_task_t *t, const ac_waker_t *w) {
  ac__spin_lock(&jw->lock);
  uint32_t i = jw->slots ? find(jw, t) : 0;
  bool found = jw->slots && jw->slots[i].task;
  bool same = found && ac_waker_will_wake(&jw->slots[i].waker, w);
  ac__spin_unlock(&jw->lock);
  if (!found || same)
    return found;
  /* Another waker: the entry can only be replaced by this joiner, and
   * only taken by the completer (or this joiner), so put replaces it or
   * adds it again; the second case is the completer having taken it in
   * between, which the caller finds out from the state word. */
  ac_waker_t clone = ac_waker_clone(w), old = {NULL, NULL};
  ac__spin_lock(&jw->lock);
  i = find(jw, t);
  found = jw->slots[i].task != NULL;
  if (found) {
    old = jw->slots[i].waker;
    jw->slots[i].waker = clone;
  }
  ac__spin_unlock(&jw->lock);
  ac__waker_drop_opt(found ? old : clone);
  return found;
}

bool ac__joinw_take(ac__joinw_t *jw, ac_task_t *t, ac_waker_t *out) {
  ac__spin_lock(&jw->lock);
  if (!jw->slots || !jw->len) {
    ac__spin_unlock(&jw->lock);
    return false;
  }
  uint32_t i = find(jw, t);
  bool found = jw->slots[i].task != NULL;
  if (found) {
    *out = jw->slots[i].waker;
    remove_at(jw, i);
  }
  ac__spin_unlock(&jw->lock);
  return found;
}

size_t ac__joinw_len(ac__joinw_t *jw) {
  return __atomic_load_n(&jw->len, __ATOMIC_RELAXED);
}

void ac__joinw_destroy(ac__joinw_t *jw) {
  /* Every entry is taken by its task's completion or its join's release,
   * both before the runtime is freed; anything left is dropped. */
  for (uint32_t i = 0; jw->slots && i <= jw->mask; i++)
    if (jw->slots[i].task)
      ac_waker_drop(jw->slots[i].waker);
  free(jw->slots);
  jw->slots = NULL;
  jw->len = jw->mask = 0;
}
