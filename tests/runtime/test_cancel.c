/*
 * test_cancel.c: one cancel wakes every waiter; children follow their
 * parent (not the other way round); a dropped wait gives its waker back;
 * a plain thread may cancel.
 */
#include "harness.h"

#include <pthread.h>
#include <unistd.h>

/* Sleeps ms, then cancels the token. */
typedef struct cancel_later {
  t_sleeper_t sleep;
  ac_cancel_t *tok;
} cancel_later_t;
static ac_poll_t cancel_later_poll(void *self, ac_context_t *cx, void *out) {
  cancel_later_t *c = self;
  (void)out;
  int v;
  if (t_sleeper_vtable.poll(&c->sleep, cx, &v) == AC_POLL_PENDING)
    return AC_POLL_PENDING;
  ac_cancel_cancel(c->tok);
  return AC_POLL_READY;
}
static void cancel_later_drop(void *self) {
  cancel_later_t *c = self;
  t_sleeper_vtable.drop(&c->sleep);
}
static const ac_future_vtable_t cancel_later_vtable = {
    cancel_later_poll, cancel_later_drop, sizeof(cancel_later_t),
    _Alignof(cancel_later_t), 0, "cancel_later"};

Test(cancel, one_cancel_wakes_every_waiter) {
  T_FLAVORS(f) {
    enum { N = 8 };
    ac_cancel_t *tok = ac_cancel_new();
    ac_cancel_wait_t w[N];
    ac_branch_t br[N + 1];
    for (int i = 0; i < N; i++) {
      w[i] = ac_cancel_wait(tok);
      br[i] = (ac_branch_t){.vt = &ac_cancel_wait_vtable, .fut = &w[i]};
    }
    cancel_later_t cl = {t_sleeper(5, 0, NULL), tok};
    br[N] = (ac_branch_t){.vt = &cancel_later_vtable, .fut = &cl};
    ac_join_all_t j = ac_join_all(br, N + 1);
    cr_assert_eq(t_run(f, &ac_join_all_vtable, &j, NULL), 0);
    cr_assert(ac_cancel_is_cancelled(tok));
    ac_cancel_free(tok);
  }
}

Test(cancel, children_follow_the_parent_not_the_other_way) {
  ac_cancel_t *root = ac_cancel_new();
  ac_cancel_t *a = ac_cancel_child(root), *b = ac_cancel_child(root);
  ac_cancel_t *a1 = ac_cancel_child(a);
  ac_cancel_cancel(a);
  cr_assert(ac_cancel_is_cancelled(a) && ac_cancel_is_cancelled(a1));
  cr_assert(!ac_cancel_is_cancelled(root) && !ac_cancel_is_cancelled(b));
  ac_cancel_free(a); /* a1 still holds a */
  ac_cancel_t *b1 = ac_cancel_child(b);
  ac_cancel_cancel(root);
  cr_assert(ac_cancel_is_cancelled(b) && ac_cancel_is_cancelled(b1));
  ac_cancel_t *late = ac_cancel_child(root);
  cr_assert(ac_cancel_is_cancelled(late), "born cancelled");
  ac_cancel_free(late);
  ac_cancel_free(b1);
  ac_cancel_free(a1);
  ac_cancel_free(b);
  ac_cancel_free(root);
}

Test(cancel, dropped_wait_gives_its_waker_back) {
  ac_cancel_t *tok = ac_cancel_new();
  t_wake_count_t c = {0, 0};
  ac_waker_t w = t_counting_waker(&c);
  ac_context_t cx = {&w};
  ac_cancel_wait_t a = ac_cancel_wait(tok), b = ac_cancel_wait(tok);
  cr_assert_eq(ac_cancel_wait_poll(&a, &cx, NULL), AC_POLL_PENDING);
  cr_assert_eq(ac_cancel_wait_poll(&b, &cx, NULL), AC_POLL_PENDING);
  cr_assert_eq(c.refs, 2);
  ac_cancel_wait_drop(&a);
  cr_assert_eq(c.refs, 1);
  ac_cancel_cancel(tok);
  cr_assert_eq(c.wakes, 1, "only the waiter still queued is woken");
  cr_assert_eq(ac_cancel_wait_poll(&b, &cx, NULL), AC_POLL_READY);
  ac_cancel_wait_drop(&b);
  cr_assert_eq(c.refs, 0);
  ac_cancel_wait_t late = ac_cancel_wait(tok);
  cr_assert_eq(ac_cancel_wait_poll(&late, &cx, NULL), AC_POLL_READY);
  ac_cancel_wait_drop(&late);
  cr_assert_eq(c.refs, 0);
  ac_cancel_free(tok);
}

static void *cancel_from_thread(void *arg) {
  usleep(10000);
  ac_cancel_cancel(arg);
  return NULL;
}

Test(cancel, a_plain_thread_can_cancel) {
  T_FLAVORS(f) {
    ac_cancel_t *tok = ac_cancel_new();
    ac_cancel_t *child = ac_cancel_child(tok);
    pthread_t th;
    pthread_create(&th, NULL, cancel_from_thread, tok);
    ac_cancel_wait_t w = ac_cancel_wait(child);
    cr_assert_eq(t_run(f, &ac_cancel_wait_vtable, &w, NULL), 0);
    pthread_join(th, NULL);
    cr_assert(ac_cancel_is_cancelled(child));
    ac_cancel_free(child);
    ac_cancel_free(tok);
  }
}
