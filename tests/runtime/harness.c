/*
 * harness.c: the shared test futures and waker (see harness.h).  No tests
 * live here.
 */
#include "harness.h"

static ac_waker_t cw_clone(void *data);
static void cw_wake(void *data) {
  t_wake_count_t *c = data;
  t_inc(&c->wakes);
  __atomic_fetch_sub(&c->refs, 1, __ATOMIC_SEQ_CST);
}
static void cw_wake_by_ref(void *data) { t_inc(&((t_wake_count_t *)data)->wakes); }
static void cw_drop(void *data) {
  __atomic_fetch_sub(&((t_wake_count_t *)data)->refs, 1, __ATOMIC_SEQ_CST);
}
static const ac_waker_vtable_t cw_vtable = {cw_clone, cw_wake, cw_wake_by_ref,
                                            cw_drop};
static ac_waker_t cw_clone(void *data) {
  t_inc(&((t_wake_count_t *)data)->refs);
  return (ac_waker_t){&cw_vtable, data};
}
ac_waker_t t_counting_waker(t_wake_count_t *c) {
  return (ac_waker_t){&cw_vtable, c};
}

/* ==== counter ==== */

t_counter_t t_counter(int yields, int value, int *polls, int *drops) {
  return (t_counter_t){yields, value, polls, drops};
}
static ac_poll_t counter_poll(void *self, ac_context_t *cx, void *out) {
  t_counter_t *c = self;
  if (c->polls)
    t_inc(c->polls);
  if (c->yields > 0) {
    c->yields--;
    ac_waker_wake_by_ref(cx->waker);
    return AC_POLL_PENDING;
  }
  *(int *)out = c->value;
  return AC_POLL_READY;
}
static void counter_drop(void *self) {
  t_counter_t *c = self;
  if (c->drops)
    t_inc(c->drops);
}
const ac_future_vtable_t t_counter_vtable = {
    counter_poll, counter_drop, sizeof(t_counter_t), _Alignof(t_counter_t),
    sizeof(int), "t_counter"};

/* ==== sleeper ==== */

t_sleeper_t t_sleeper(uint64_t ms, int value, int *drops) {
  return (t_sleeper_t){0, value, ac_sleep_ms(ms), drops};
}
static ac_poll_t sleeper_poll(void *self, ac_context_t *cx, void *out) {
  t_sleeper_t *f = self;
  switch (f->state) {
  case 0:
    f->state = 1;
    /* fallthrough */
  case 1:
    if (ac_sleep_poll(&f->sleep, cx, NULL) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    ac_sleep_drop(&f->sleep);
    f->state = 2;
    *(int *)out = f->value;
    return AC_POLL_READY;
  }
  return AC_POLL_READY;
}
static void sleeper_drop(void *self) {
  t_sleeper_t *f = self;
  if (f->state == 1)
    ac_sleep_drop(&f->sleep);
  if (f->drops)
    t_inc(f->drops);
}
const ac_future_vtable_t t_sleeper_vtable = {
    sleeper_poll, sleeper_drop, sizeof(t_sleeper_t), _Alignof(t_sleeper_t),
    sizeof(int), "t_sleeper"};

/* ==== forever ==== */

static ac_poll_t forever_poll(void *self, ac_context_t *cx, void *out) {
  (void)self, (void)cx, (void)out;
  return AC_POLL_PENDING;
}
static void forever_drop(void *self) {
  t_forever_t *f = self;
  if (f->drops)
    t_inc(f->drops);
}
const ac_future_vtable_t t_forever_vtable = {
    forever_poll, forever_drop, sizeof(t_forever_t), _Alignof(t_forever_t), 0,
    "t_forever"};

/* ==== await ==== */

static ac_poll_t await_poll(void *self, ac_context_t *cx, void *out) {
  t_await_t *a = self;
  return a->vt->poll(a->fut, cx, out);
}
static void await_drop(void *self) {
  t_await_t *a = self;
  a->vt->drop(a->fut);
}
const ac_future_vtable_t t_await_vtable = {
    await_poll, await_drop, sizeof(t_await_t), _Alignof(t_await_t), 64,
    "t_await"};

int t_run(ac_rt_flavor_t flavor, const ac_future_vtable_t *vt, void *fut,
          void *out) {
  ac_runtime_t *rt = ac_runtime_new(flavor, 2);
  cr_assert_not_null(rt);
  t_await_t a = {vt, fut};
  char buf[64] = {0};
  int rc = ac_runtime_block_on(rt, &t_await_vtable, &a, buf);
  if (out && vt->out_size)
    memcpy(out, buf, vt->out_size);
  t_close_clean(rt);
  return rc;
}
