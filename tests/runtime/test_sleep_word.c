/*
 * test_sleep_word.c: the 24-byte sleep (timer.c).  A sleep keeps its state
 * and waker in one word: the task itself when a task polls it, a boxed
 * clone for any other waker, and it names its runtime's heap by an id.
 * Switching between the two kinds of waker while registered wakes the
 * latest one and leaks neither; sleeps of many runtimes alive at once find
 * their own heaps; a burst of due timers is fired a batch at a time and
 * every one of them still fires; a run queue that drained a large burst
 * (its passed pages given back) still runs every task.
 */
#include "harness.h"

#include <string.h>

Test(sleep_word, a_sleep_is_24_bytes) {
  cr_assert_eq(sizeof(ac_sleep_t), 24);
  cr_assert_eq(ac_sleep_vtable.size, 24);
}

/* (A counting waker counts its clones, not itself.)
 *
 * Polls its sleep first with the task's own waker, then (once it is
 * registered) under a counting waker, then with the task's waker again:
 * each poll must leave exactly one waker stored, the latest one.  With
 * `end_with_task` 0 it stays with the counting waker, which the paused
 * clock's advance must wake. */
typedef struct switcher {
  int state;
  int end_with_task;
  ac_runtime_t *rt;
  t_wake_count_t *count;
  ac_sleep_t sleep;
} switcher_t;

static ac_poll_t switcher_poll(void *self, ac_context_t *cx, void *out) {
  switcher_t *s = self;
  (void)out;
  if (s->state == 0) {
    s->sleep = ac_sleep_ms(50);
    cr_assert_eq(ac_sleep_poll(&s->sleep, cx, NULL), AC_POLL_PENDING);
    ac_waker_t w = t_counting_waker(s->count);
    ac_context_t mine = {&w};
    cr_assert_eq(ac_sleep_poll(&s->sleep, &mine, NULL), AC_POLL_PENDING);
    cr_assert_eq(s->count->refs, 1, "the sleep keeps a clone of the new waker");
    if (s->end_with_task) {
      cr_assert_eq(ac_sleep_poll(&s->sleep, cx, NULL), AC_POLL_PENDING);
      cr_assert_eq(s->count->refs, 0, "the boxed waker was given back");
    }
    s->state = 1;
    ac_runtime_clock_advance(s->rt, 50); /* fires it now, from this task */
  }
  if (ac_sleep_poll(&s->sleep, cx, NULL) == AC_POLL_PENDING) {
    /* Woken through the counting waker only: poll again ourselves. */
    ac_waker_wake_by_ref(cx->waker);
    return AC_POLL_PENDING;
  }
  return AC_POLL_READY;
}
static void switcher_drop(void *self) {
  ac_sleep_drop(&((switcher_t *)self)->sleep);
}
static const ac_future_vtable_t switcher_vtable = {
    switcher_poll, switcher_drop, sizeof(switcher_t), _Alignof(switcher_t), 0,
    "switcher"};

Test(sleep_word, a_sleep_switched_between_wakers_wakes_the_latest) {
  for (int end_with_task = 0; end_with_task <= 1; end_with_task++)
    T_FLAVORS(f) {
      ac_runtime_t *rt = ac_runtime_new(f, 1);
      ac_runtime_clock_pause(rt);
      t_wake_count_t count = {0, 0};
      switcher_t s;
      memset(&s, 0, sizeof s);
      s.end_with_task = end_with_task;
      s.rt = rt;
      s.count = &count;
      cr_assert_eq(ac_runtime_block_on(rt, &switcher_vtable, &s, NULL), 0);
      cr_assert_eq(count.wakes, end_with_task ? 0 : 1,
                   "flavor %d, end_with_task %d: %d wakes", f, end_with_task,
                   count.wakes);
      cr_assert_eq(count.refs, 0);
      t_close_clean(rt);
    }
}

/* A sleep polled by hand under a counting waker (boxed) and dropped while
 * registered gives the clone back and leaves no entry (LeakSanitizer and
 * valgrind see a box that stays). */
Test(sleep_word, a_boxed_sleep_dropped_while_registered_gives_its_waker_back) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  t_wake_count_t count = {0, 0};
  ac_waker_t w = t_counting_waker(&count);
  ac_context_t cx = {&w};
  ac_sleep_t s = ac_sleep_ms(1000);
  cr_assert_eq(ac_sleep_poll(&s, &cx, NULL), AC_POLL_PENDING);
  cr_assert_eq(ac_sleep_poll(&s, &cx, NULL), AC_POLL_PENDING);
  cr_assert_eq(count.refs, 1, "a second poll with the same waker keeps it");
  ac_sleep_drop(&s);
  cr_assert_eq(count.refs, 0);
  cr_assert_eq(count.wakes, 0);
  ac_runtime_exit();
  t_close_clean(rt);
}

/* More runtimes alive at once than one block of the heap registry holds:
 * each sleep fires in its own runtime, at its own (paused) time. */
Test(sleep_word, sleeps_of_many_runtimes_alive_at_once_find_their_heaps) {
  enum { N = 300 };
  static ac_runtime_t *rt[N];
  static ac_sleep_t s[N];
  static t_wake_count_t count[N];
  static ac_waker_t w[N];
  for (int i = 0; i < N; i++) {
    rt[i] = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
    cr_assert_not_null(rt[i], "runtime %d", i);
    ac_runtime_clock_pause(rt[i]);
    ac_runtime_enter(rt[i]);
    w[i] = t_counting_waker(&count[i]);
    ac_context_t cx = {&w[i]};
    s[i] = ac_sleep_ms(10 + (uint64_t)i);
    cr_assert_eq(ac_sleep_poll(&s[i], &cx, NULL), AC_POLL_PENDING);
    ac_runtime_exit();
  }
  for (int i = 0; i < N; i++) {
    ac_runtime_clock_advance(rt[i], 9 + (uint64_t)i);
    cr_assert_eq(count[i].wakes, 0, "runtime %d fired early", i);
    ac_runtime_clock_advance(rt[i], 1);
    cr_assert_eq(count[i].wakes, 1, "runtime %d did not fire", i);
  }
  for (int i = 0; i < N; i++) {
    ac_runtime_enter(rt[i]);
    ac_context_t cx = {&w[i]};
    cr_assert_eq(ac_sleep_poll(&s[i], &cx, NULL), AC_POLL_READY);
    ac_sleep_drop(&s[i]);
    cr_assert_eq(count[i].refs, 0);
    ac_runtime_exit();
    t_close_clean(rt[i]);
  }
  /* Ids are reused: a new runtime still works after all that. */
  int drops = 0, v = 0;
  t_sleeper_t sl = t_sleeper(1, 42, &drops);
  cr_assert_eq(t_run(AC_RT_CURRENT_THREAD, &t_sleeper_vtable, &sl, &v), 0);
  cr_assert_eq(v, 42);
}

/* Spawns n tasks from inside the runtime (so they queue on its worker),
 * then joins each in order and outputs the sum of their outputs.  kind 0:
 * sleepers of 20 ms, all due together; kind 1: counters yielding i % 7
 * times, so that tasks finish while others still yield. */
typedef struct spawner {
  int state, n, i, kind;
  ac_task_t **h;
  int *drops, *polls;
  long sum;
  ac_join_t j;
} spawner_t;
static ac_poll_t spawner_poll(void *self, ac_context_t *cx, void *out) {
  spawner_t *b = self;
  switch (b->state) {
  case 0:
    for (b->i = 0; b->i < b->n; b->i++) {
      if (b->kind == 0) {
        t_sleeper_t s = t_sleeper(20, b->i, b->drops);
        b->h[b->i] = ac_spawn_raw(&t_sleeper_vtable, &s);
      } else {
        t_counter_t c = t_counter(b->i % 7, b->i, b->polls, b->drops);
        b->h[b->i] = ac_spawn_raw(&t_counter_vtable, &c);
      }
      cr_assert_not_null(b->h[b->i]);
    }
    for (b->i = 0; b->i < b->n; b->i++) {
      b->j = ac_task_join(b->h[b->i]);
      b->state = 1;
      /* fallthrough */
    case 1:;
      int v = -1;
      if (ac_join_poll(&b->j, cx, &v) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      cr_assert_eq(ac_join_status(&b->j), 0);
      cr_assert_eq(v, b->i, "task %d gave %d", b->i, v);
      b->sum += v;
    }
    b->state = 2;
  }
  *(long *)out = b->sum;
  return AC_POLL_READY;
}
static void spawner_drop(void *self) { (void)self; }
static const ac_future_vtable_t spawner_vtable = {
    spawner_poll, spawner_drop, sizeof(spawner_t), _Alignof(spawner_t),
    sizeof(long), "spawner"};

static void spawn_and_join(ac_rt_flavor_t f, int kind, int n,
                           ac_task_t **h) {
  int drops = 0, polls = 0;
  spawner_t b;
  memset(&b, 0, sizeof b);
  b.n = n;
  b.kind = kind;
  b.h = h;
  b.drops = &drops;
  b.polls = &polls;
  long sum = 0;
  cr_assert_eq(t_run(f, &spawner_vtable, &b, &sum), 0);
  cr_assert_eq(sum, (long)n * (n - 1) / 2, "flavor %d", f);
  cr_assert_eq(t_load(&drops), n);
  if (kind == 1) {
    long want = 0;
    for (int i = 0; i < n; i++)
      want += i % 7 + 1;
    cr_assert_eq(t_load(&polls), want, "flavor %d: polls", f);
  }
}

/* Many sleepers due at the same moment: the driver fires them a batch at
 * a time (so the woken tasks run before more are queued), and every one
 * of them still wakes, on both executors. */
Test(sleep_word, a_burst_of_due_timers_all_fire) {
  enum { N = 20000 };
  static ac_task_t *h[N];
  T_FLAVORS(f) spawn_and_join(f, 0, N, h);
}

/* A run queue that grew past 65,536 entries gives the pages its head has
 * passed back while it drains, and its tail wraps into them while other
 * tasks still yield: every task still runs each of its polls, and its
 * output is right. */
Test(sleep_word, a_large_run_queue_drains_and_refills_its_given_back_pages) {
  enum { N = 100000 };
  static ac_task_t *h[N];
  T_FLAVORS(f) spawn_and_join(f, 1, N, h);
}
