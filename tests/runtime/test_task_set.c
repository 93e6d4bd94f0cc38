/*
 * test_task_set.c: a task set gives its members' outputs in the order they
 * finish, reports aborted members as AC_ECANCELED and the end as -ECHILD,
 * and freeing it aborts what is still running.
 */
#include "harness.h"

#include <errno.h>

/* block_on one join_next; returns its int result, the output in *v. */
static int join_next(ac_runtime_t *rt, ac_task_set_t *s, int *v) {
  ac_task_set_join_t j = ac_task_set_join_next(s, v);
  t_await_t a = {&ac_task_set_join_vtable, &j};
  long buf[8] = {0};
  cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, buf), 0);
  return (int)buf[0];
}

/* Outputs the int received on a oneshot: the test decides the order in
 * which such tasks finish by the order it sends. */
typedef struct recv_value {
  ac_oneshot_t *ch;
  int started, v;
  ac_oneshot_recv_t r;
} recv_value_t;
static ac_poll_t recv_value_poll(void *self, ac_context_t *cx, void *out) {
  recv_value_t *t = self;
  if (!t->started) {
    t->r = ac_oneshot_recv(t->ch, &t->v); /* pinned now: dst stays valid */
    t->started = 1;
  }
  int rc;
  if (ac_oneshot_recv_poll(&t->r, cx, &rc) == AC_POLL_PENDING)
    return AC_POLL_PENDING;
  t->started = 2;
  *(int *)out = rc == 0 ? t->v : rc;
  return AC_POLL_READY;
}
static void recv_value_drop(void *self) {
  recv_value_t *t = self;
  if (t->started == 1)
    ac_oneshot_recv_drop(&t->r);
  else if (t->started == 0)
    ac_oneshot_receiver_drop(t->ch);
}
static const ac_future_vtable_t recv_value_vtable = {
    recv_value_poll, recv_value_drop, sizeof(recv_value_t),
    _Alignof(recv_value_t), sizeof(int), "recv_value"};

Test(task_set, outputs_come_in_the_order_tasks_finish) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_task_set_t *s = ac_task_set_new();
    ac_oneshot_t *ch[4];
    for (int i = 0; i < 4; i++) {
      ch[i] = ac_oneshot_new(sizeof(int));
      recv_value_t rv = {ch[i], 0, 0, {0}};
      cr_assert_eq(ac_task_set_add(s, ac_runtime_spawn(rt, &recv_value_vtable,
                                                       &rv)), 0);
    }
    cr_assert_eq(ac_task_set_len(s), 4);
    int order[4] = {2, 0, 3, 1};
    for (int k = 0; k < 4; k++) {
      int i = order[k], v = -1, want = 100 + i;
      cr_assert_eq(ac_oneshot_send(ch[i], &want), 0);
      cr_assert_eq(join_next(rt, s, &v), 0);
      cr_assert_eq(v, want, "finished in order: got %d, want %d", v, want);
    }
    cr_assert_eq(join_next(rt, s, NULL), -ECHILD);
    cr_assert_eq(ac_task_set_len(s), 0);
    ac_task_set_free(s);
    t_close_clean(rt);
  }
}

Test(task_set, aborted_members_report_ecanceled) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_task_set_t *s = ac_task_set_new();
    int drops = 0;
    t_forever_t fv = {&drops};
    for (int i = 0; i < 3; i++)
      ac_task_set_add(s, ac_runtime_spawn(rt, &t_forever_vtable, &fv));
    ac_task_set_abort_all(s);
    for (int i = 0; i < 3; i++)
      cr_assert_eq(join_next(rt, s, NULL), AC_ECANCELED);
    cr_assert_eq(join_next(rt, s, NULL), -ECHILD);
    cr_assert_eq(t_load(&drops), 3);
    ac_task_set_free(s);
    t_close_clean(rt);
  }
}

Test(task_set, free_aborts_running_members) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_task_set_t *s = ac_task_set_new();
    int drops = 0, v = 0;
    t_forever_t fv = {&drops};
    for (int i = 0; i < 5; i++)
      ac_task_set_add(s, ac_runtime_spawn(rt, &t_forever_vtable, &fv));
    t_counter_t c = t_counter(3, 7, NULL, NULL);
    ac_task_set_add(s, ac_runtime_spawn(rt, &t_counter_vtable, &c));
    cr_assert_eq(join_next(rt, s, &v), 0);
    cr_assert_eq(v, 7);
    ac_task_set_free(s);
    /* The aborts run when the tasks are next picked up. */
    t_sleeper_t pause = t_sleeper(5, 0, NULL);
    cr_assert_eq(ac_runtime_block_on(rt, &t_sleeper_vtable, &pause, &v), 0);
    cr_assert_eq(t_load(&drops), 5);
    t_close_clean(rt);
  }
}

Test(task_set, thousand_members_all_joined_once) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_task_set_t *s = ac_task_set_new();
    long want = 0, sum = 0;
    for (int i = 0; i < 1000; i++) {
      t_counter_t c = t_counter(i % 5, i, NULL, NULL);
      cr_assert_eq(ac_task_set_add(s, ac_runtime_spawn(rt, &t_counter_vtable,
                                                       &c)), 0);
      want += i;
    }
    int v, rc, n = 0;
    while ((rc = join_next(rt, s, &v)) == 0) {
      sum += v;
      n++;
    }
    cr_assert_eq(rc, -ECHILD);
    cr_assert_eq(n, 1000);
    cr_assert_eq(sum, want);
    ac_task_set_free(s);
    t_close_clean(rt);
  }
}

Test(task_set, dropped_join_next_leaves_no_waker) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  ac_task_set_t *s = ac_task_set_new();
  int drops = 0;
  t_forever_t fv = {&drops};
  ac_task_set_add(s, ac_runtime_spawn(rt, &t_forever_vtable, &fv));
  t_wake_count_t c = {0, 0};
  ac_waker_t w = t_counting_waker(&c);
  ac_context_t cx = {&w};
  ac_task_set_join_t j = ac_task_set_join_next(s, NULL);
  int out = 1;
  cr_assert_eq(ac_task_set_join_poll(&j, &cx, &out), AC_POLL_PENDING);
  cr_assert_eq(c.refs, 1);
  ac_task_set_join_drop(&j);
  cr_assert_eq(c.refs, 0, "the set gave the waker back");
  ac_task_set_free(s);
  ac_runtime_exit();
  t_close_clean(rt);
  cr_assert_eq(drops, 1);
}

Test(task_set, add_of_a_failed_spawn_is_einval) {
  ac_task_set_t *s = ac_task_set_new();
  cr_assert_eq(ac_task_set_add(s, NULL), -EINVAL);
  cr_assert_eq(ac_task_set_len(s), 0);
  ac_task_set_free(s);
}
