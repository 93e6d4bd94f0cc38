/*
 * combinators.c: yield_now, and join / select / timeout over type-erased
 * futures (ac_branch_t: a vtable, the future in place, where its output
 * goes).
 *
 * join and select poll every unfinished branch on each wake, as tokio's
 * join!/select! do: simple, and fine for the handful of branches they get.
 * Each combinator owns its branches: it drops a branch as soon as it is
 * ready, and drops the rest when it finishes (select) or is dropped.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>

/* ==== yield ==== */

/* The yield leaf itself is inline in ac.h; the vtable needs addresses. */
static ac_poll_t yield_poll(void *self, ac_context_t *cx, void *out) {
  return ac_yield_poll(self, cx, out);
}
static void yield_drop(void *self) { ac_yield_drop(self); }

const ac_future_vtable_t ac_yield_vtable = {yield_poll, yield_drop,
                                            sizeof(ac_yield_t),
                                            _Alignof(ac_yield_t), 0,
                                            "ac_yield"};

/* ==== branches ==== */

/* A branch is done once dropped: its vt is NULL from then on, so that the
   public initializer `{vt, fut, out}` names every field. */
static bool branch_poll(ac_branch_t *b, ac_context_t *cx) {
  if (!b->vt)
    return true;
  if (b->vt->poll(b->fut, cx, b->out) != AC_POLL_READY)
    return false;
  b->vt->drop(b->fut);
  b->vt = NULL;
  return true;
}

static void branch_drop(ac_branch_t *b) {
  if (b->vt)
    b->vt->drop(b->fut);
  b->vt = NULL;
}

/* ==== join all ==== */

ac_join_all_t ac_join_all(ac_branch_t *branches, size_t n) {
  return (ac_join_all_t){branches, n, n};
}

ac_poll_t ac_join_all_poll(ac_join_all_t *self, ac_context_t *cx, void *out) {
  (void)out;
  for (size_t i = 0; i < self->n && self->left; i++) {
    ac_branch_t *b = &self->branches[i];
    if (b->vt && branch_poll(b, cx))
      self->left--;
  }
  return self->left ? AC_POLL_PENDING : AC_POLL_READY;
}

void ac_join_all_drop(ac_join_all_t *self) {
  for (size_t i = 0; i < self->n; i++)
    branch_drop(&self->branches[i]);
  self->left = 0;
}

const ac_future_vtable_t ac_join_all_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_join_all_poll,
    (void (*)(void *))ac_join_all_drop, sizeof(ac_join_all_t),
    _Alignof(ac_join_all_t), 0, "ac_join_all"};

/* ==== select ==== */

ac_select_t ac_select(ac_branch_t *branches, size_t n) {
  return (ac_select_t){branches, n, -1};
}

/* Polls in order, so earlier branches win ties (tokio's `biased;`). */
ac_poll_t ac_select_poll(ac_select_t *self, ac_context_t *cx, int *out) {
  if (AC_UNLIKELY(!self->branches || self->n == 0 || self->n > INT_MAX)) {
    if (out) /* nothing to wait for: it would never be ready */
      *out = -EINVAL;
    return AC_POLL_READY;
  }
  if (self->winner < 0) {
    for (size_t i = 0; i < self->n; i++) {
      if (branch_poll(&self->branches[i], cx)) {
        self->winner = (int)i;
        break;
      }
    }
    if (self->winner < 0)
      return AC_POLL_PENDING;
    for (size_t i = 0; i < self->n; i++)
      branch_drop(&self->branches[i]); /* the losers */
  }
  if (out)
    *out = self->winner;
  return AC_POLL_READY;
}

void ac_select_drop(ac_select_t *self) {
  for (size_t i = 0; self->branches && i < self->n; i++)
    branch_drop(&self->branches[i]);
}

const ac_future_vtable_t ac_select_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_select_poll,
    (void (*)(void *))ac_select_drop, sizeof(ac_select_t),
    _Alignof(ac_select_t), sizeof(int), "ac_select"};

/* ==== timeout ==== */

ac_timeout_t ac_timeout(const ac_future_vtable_t *vt, void *fut, void *out,
                        uint64_t ms) {
  return (ac_timeout_t){{vt, fut, out}, ac_sleep_ms(ms)};
}

ac_poll_t ac_timeout_poll(ac_timeout_t *self, ac_context_t *cx, int *out) {
  int r;
  if (branch_poll(&self->inner, cx))
    r = 0;
  else if (ac_sleep_poll(&self->sleep, cx, NULL) == AC_POLL_READY)
    r = AC_ETIMEDOUT;
  else
    return AC_POLL_PENDING;
  branch_drop(&self->inner);
  ac_sleep_drop(&self->sleep);
  if (out)
    *out = r;
  return AC_POLL_READY;
}

void ac_timeout_drop(ac_timeout_t *self) {
  branch_drop(&self->inner);
  ac_sleep_drop(&self->sleep);
}

const ac_future_vtable_t ac_timeout_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_timeout_poll,
    (void (*)(void *))ac_timeout_drop, sizeof(ac_timeout_t),
    _Alignof(ac_timeout_t), sizeof(int), "ac_timeout"};
