/*
 * interval.c: a periodic timer whose ticks stay on the grid start + k *
 * period, however late the task that awaits them runs, so it never
 * drifts.  A tick that comes late reports how many periods passed and the
 * next one keeps to the grid (ticks missed meanwhile are skipped, not
 * delivered in a burst).  The interval is a plain value and each tick a
 * sleep inside the awaiting frame: nothing is allocated.
 */
#include "internal.h"

#define UNSTARTED UINT64_MAX

ac_interval_t ac_interval_new(uint64_t period_ms) {
  return (ac_interval_t){UNSTARTED, period_ms ? period_ms : 1};
}

ac_interval_t ac_interval_at(uint64_t first_ms, uint64_t period_ms) {
  return (ac_interval_t){first_ms, period_ms ? period_ms : 1};
}

void ac_interval_reset(ac_interval_t *iv) {
  ac_runtime_t *rt = ac_runtime_current();
  if (rt)
    iv->next = ac_runtime_now_ms(rt) + iv->period;
}

ac_interval_tick_t ac_interval_tick(ac_interval_t *iv) {
  return (ac_interval_tick_t){iv, 0, {0}};
}

ac_poll_t ac_interval_tick_poll(ac_interval_tick_t *t, ac_context_t *cx,
                                uint64_t *out) {
  ac_interval_t *iv = t->iv;
  ac_runtime_t *rt = ac_runtime_current();
  if (!t->armed) {
    if (iv->next == UNSTARTED)
      iv->next = rt ? ac_runtime_now_ms(rt) : 0; /* the first tick is now */
    t->sleep = ac_sleep_until(iv->next);
    t->armed = 1;
  }
  if (ac_sleep_poll(&t->sleep, cx, NULL) == AC_POLL_PENDING)
    return AC_POLL_PENDING;
  t->armed = 0;
  uint64_t now = rt ? ac_runtime_now_ms(rt) : iv->next;
  uint64_t n = now >= iv->next ? (now - iv->next) / iv->period + 1 : 1;
  iv->next += n * iv->period;
  if (out)
    *out = n;
  return AC_POLL_READY;
}

void ac_interval_tick_drop(ac_interval_tick_t *t) {
  if (t->armed)
    ac_sleep_drop(&t->sleep);
  t->armed = 0;
}

const ac_future_vtable_t ac_interval_tick_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_interval_tick_poll,
    (void (*)(void *))ac_interval_tick_drop, sizeof(ac_interval_tick_t),
    _Alignof(ac_interval_tick_t), sizeof(uint64_t), "ac_interval_tick"};
