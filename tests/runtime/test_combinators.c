/*
 * test_combinators.c: join_all and select over type-erased futures;
 * select's losers are dropped and leave nothing registered.
 */
#include "harness.h"
#include <errno.h>

Test(combinators, join_all_waits_for_every_branch) {
  T_FLAVORS(f) {
    int drops = 0, a = 0, b = 0, c = 0;
    t_counter_t x = t_counter(5, 1, NULL, &drops);
    t_sleeper_t y = t_sleeper(10, 2, &drops);
    t_counter_t z = t_counter(0, 3, NULL, &drops);
    ac_branch_t br[3] = {{&t_counter_vtable, &x, &a},
                         {&t_sleeper_vtable, &y, &b},
                         {&t_counter_vtable, &z, &c}};
    ac_join_all_t j = ac_join_all(br, 3);
    cr_assert_eq(t_run(f, &ac_join_all_vtable, &j, NULL), 0);
    cr_assert_eq(a + 10 * b + 100 * c, 321);
    cr_assert_eq(drops, 3);
  }
}

Test(combinators, select_returns_the_first_and_drops_the_losers) {
  T_FLAVORS(f) {
    int drops = 0, win = -1, v = 0;
    t_sleeper_t slow = t_sleeper(60000, 1, &drops);
    t_forever_t never = {&drops};
    t_counter_t fast = t_counter(2, 9, NULL, &drops);
    ac_branch_t br[3] = {{&t_sleeper_vtable, &slow, NULL},
                         {&t_forever_vtable, &never, NULL},
                         {&t_counter_vtable, &fast, &v}};
    ac_select_t s = ac_select(br, 3);
    cr_assert_eq(t_run(f, &ac_select_vtable, &s, &win), 0);
    cr_assert_eq(win, 2);
    cr_assert_eq(v, 9);
    cr_assert_eq(drops, 3); /* t_run asserted no timer was left */
  }
}

Test(combinators, dropped_select_drops_every_branch) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  int drops = 0, win;
  t_sleeper_t a = t_sleeper(1000, 1, &drops);
  t_sleeper_t b = t_sleeper(2000, 2, &drops);
  ac_branch_t br[2] = {{&t_sleeper_vtable, &a, NULL},
                       {&t_sleeper_vtable, &b, NULL}};
  ac_select_t s = ac_select(br, 2);
  ac_waker_t w = ac_waker_noop();
  ac_context_t cx = {&w};
  int out;
  (void)out;
  cr_assert_eq(ac_select_poll(&s, &cx, &win), AC_POLL_PENDING);
  ac_runtime_stats_t st;
  ac_runtime_stats(rt, &st);
  cr_assert_eq(st.timers, 2);
  ac_select_drop(&s);
  cr_assert_eq(drops, 2);
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(combinators, select_prefers_the_earlier_branch_on_a_tie) {
  int v0 = 0, v1 = 0, win = -1;
  t_counter_t a = t_counter(0, 1, NULL, NULL), b = t_counter(0, 2, NULL, NULL);
  ac_branch_t br[2] = {{&t_counter_vtable, &a, &v0},
                       {&t_counter_vtable, &b, &v1}};
  ac_select_t s = ac_select(br, 2);
  cr_assert_eq(t_run(AC_RT_CURRENT_THREAD, &ac_select_vtable, &s, &win), 0);
  cr_assert_eq(win, 0);
  cr_assert_eq(v0, 1);
  cr_assert_eq(v1, 0);
}

Test(combinators, select_between_recv_and_sleep_leaves_the_channel_clean) {
  T_FLAVORS(f) {
    ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 4);
    int v = -1, win = -1, r = 1;
    ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &v);
    ac_sleep_t s = ac_sleep_ms(15);
    ac_branch_t br[2] = {{&ac_mpsc_recv_vtable, &rx, &r},
                         {&ac_sleep_vtable, &s, NULL}};
    ac_select_t sel = ac_select(br, 2);
    cr_assert_eq(t_run(f, &ac_select_vtable, &sel, &win), 0);
    cr_assert_eq(win, 1, "nothing was sent: the sleep wins");
    /* The dropped recv took its waker back: a send now wakes nobody, and
     * the value is still there for the next receiver. */
    int x = 5;
    cr_assert_eq(ac_mpsc_try_send(ch, &x), 0);
    cr_assert_eq(ac_mpsc_try_recv(ch, &v), 0);
    cr_assert_eq(v, 5);
    ac_mpsc_sender_drop(ch);
    ac_mpsc_receiver_drop(ch);
  }
}

Test(combinators, select_of_no_branches_is_einval_not_a_hang) {
  int r = 0;
  ac_select_t sel = ac_select(NULL, 0);
  cr_assert_eq(t_run(AC_RT_CURRENT_THREAD, &ac_select_vtable, &sel, &r), 0);
  cr_assert_eq(r, -EINVAL);
  ac_branch_t none[1];
  sel = ac_select(none, 0);
  cr_assert_eq(t_run(AC_RT_MULTI_THREAD, &ac_select_vtable, &sel, &r), 0);
  cr_assert_eq(r, -EINVAL);
}
