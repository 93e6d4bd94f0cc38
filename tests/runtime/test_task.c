/*
 * test_task.c: spawn, join, detach, abort, and shutdown of tasks.
 */
#include "harness.h"

#include <string.h>

/* The join waker lives outside the header (join_wait.c): two words. */
Test(task, header_is_at_most_16_bytes) {
  cr_assert_leq(ac_task_header_size(), 16);
}

Test(task, spawn_and_join_returns_the_output) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    int polls = 0, drops = 0;
    t_counter_t c = t_counter(3, 42, &polls, &drops);
    ac_task_t *t = ac_runtime_spawn(rt, &t_counter_vtable, &c);
    cr_assert_not_null(t);
    ac_join_t j = ac_task_join(t);
    t_await_t a = {&ac_join_vtable, &j};
    int out[16] = {0};
    cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, out), 0);
    cr_assert_eq(out[0], 42);
    cr_assert_eq(t_load(&polls), 4);
    cr_assert_eq(t_load(&drops), 1);
    t_close_clean(rt);
  }
}

/* A frame that spawns n counters and joins them in order, summing. */
typedef struct spawner {
  int state, n, i, sum;
  ac_task_t **tasks;
  ac_join_t join;
} spawner_t;

static ac_poll_t spawner_poll(void *self, ac_context_t *cx, void *out) {
  spawner_t *s = self;
  switch (s->state) {
  case 0:
    s->tasks = calloc((size_t)s->n, sizeof *s->tasks);
    for (int i = 0; i < s->n; i++) {
      t_counter_t c = t_counter(i % 3, i, NULL, NULL);
      s->tasks[i] = ac_spawn_raw(&t_counter_vtable, &c);
      cr_assert_not_null(s->tasks[i]);
    }
    s->i = 0;
    s->state = 1;
    s->join = ac_task_join(s->tasks[0]);
    /* fallthrough */
  case 1:
    for (;;) {
      int v;
      if (ac_join_poll(&s->join, cx, &v) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_join_drop(&s->join);
      s->sum += v;
      if (++s->i == s->n)
        break;
      s->join = ac_task_join(s->tasks[s->i]);
    }
    free(s->tasks);
    s->tasks = NULL;
    s->state = 2;
    *(int *)out = s->sum;
  }
  return AC_POLL_READY;
}
static void spawner_drop(void *self) {
  spawner_t *s = self;
  if (s->state == 1) {
    ac_join_drop(&s->join);
    for (int i = s->i + 1; i < s->n; i++)
      ac_task_detach(s->tasks[i]);
    free(s->tasks);
  }
}
static const ac_future_vtable_t spawner_vtable = {
    spawner_poll, spawner_drop, sizeof(spawner_t), _Alignof(spawner_t),
    sizeof(int), "spawner"};

Test(task, a_task_spawns_and_joins_many) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    spawner_t s = {.n = 2000};
    int sum = 0;
    cr_assert_eq(ac_runtime_block_on(rt, &spawner_vtable, &s, &sum), 0);
    cr_assert_eq(sum, 2000 * 1999 / 2);
    t_close_clean(rt);
  }
}

/* Outputs bigger than the stack buffer get their own slot. */
typedef struct big {
  char bytes[200];
} big_t;
static ac_poll_t big_poll(void *self, ac_context_t *cx, void *out) {
  (void)cx;
  memcpy(out, self, sizeof(big_t));
  return AC_POLL_READY;
}
static void big_drop(void *self) { (void)self; }
static const ac_future_vtable_t big_vtable = {
    big_poll, big_drop, sizeof(big_t), _Alignof(big_t), sizeof(big_t), "big"};

Test(task, output_larger_than_64_bytes_is_returned) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    big_t in, out;
    for (int i = 0; i < 200; i++)
      in.bytes[i] = (char)i;
    cr_assert_eq(ac_runtime_block_on(rt, &big_vtable, &in, &out), 0);
    cr_assert_eq(memcmp(in.bytes, out.bytes, 200), 0);
    t_close_clean(rt);
  }
}

Test(task, block_on_returns_main_output) {
  T_FLAVORS(f) {
    int out = 0, drops = 0;
    t_counter_t c = t_counter(5, 7, NULL, &drops);
    cr_assert_eq(t_run(f, &t_counter_vtable, &c, &out), 0);
    cr_assert_eq(out, 7);
    cr_assert_eq(drops, 1);
  }
}

Test(task, detached_task_runs_to_completion_and_is_freed) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    int polls = 0, drops = 0;
    t_counter_t c = t_counter(10, 1, &polls, &drops);
    ac_task_detach(ac_runtime_spawn(rt, &t_counter_vtable, &c));
    t_sleeper_t s = t_sleeper(20, 0, NULL);
    cr_assert_eq(ac_runtime_block_on(rt, &t_sleeper_vtable, &s, NULL), 0);
    cr_assert_eq(t_load(&polls), 11);
    cr_assert_eq(t_load(&drops), 1);
    t_close_clean(rt);
  }
}

/* Awaits a join handle of a sleeping task after aborting it. */
typedef struct aborter {
  int state;
  ac_task_t *victim;
  ac_join_t join;
  int status, value;
} aborter_t;
static ac_poll_t aborter_poll(void *self, ac_context_t *cx, void *out) {
  aborter_t *a = self;
  (void)out;
  if (a->state == 0) {
    ac_task_abort(a->victim);
    a->join = ac_task_join(a->victim);
    a->state = 1;
  }
  if (ac_join_poll(&a->join, cx, &a->value) == AC_POLL_PENDING)
    return AC_POLL_PENDING;
  a->status = ac_join_status(&a->join);
  ac_join_drop(&a->join);
  return AC_POLL_READY;
}
static void aborter_drop(void *self) {
  aborter_t *a = self;
  if (a->state == 1)
    ac_join_drop(&a->join);
}
static const ac_future_vtable_t aborter_vtable = {
    aborter_poll, aborter_drop, sizeof(aborter_t), _Alignof(aborter_t), 0,
    "aborter"};

Test(task, abort_drops_a_sleeping_frame_and_its_timer) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    int drops = 0;
    t_sleeper_t s = t_sleeper(60000, 5, &drops);
    aborter_t a = {.victim = ac_runtime_spawn(rt, &t_sleeper_vtable, &s)};
    /* Let the victim register its timer first. */
    t_sleeper_t wait = t_sleeper(10, 0, NULL);
    ac_runtime_block_on(rt, &t_sleeper_vtable, &wait, NULL);
    ac_runtime_stats_t st;
    ac_runtime_stats(rt, &st);
    cr_assert_eq(st.timers, 1);
    aborter_t *res = &a;
    cr_assert_eq(ac_runtime_block_on(rt, &aborter_vtable, res, NULL), 0);
    cr_assert_eq(t_load(&drops), 1);
    ac_runtime_stats(rt, &st);
    cr_assert_eq(st.timers, 0);
    t_close_clean(rt);
  }
}

Test(task, abort_of_finished_task_keeps_its_output) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  t_counter_t c = t_counter(0, 9, NULL, NULL);
  ac_task_t *t = ac_runtime_spawn(rt, &t_counter_vtable, &c);
  t_sleeper_t wait = t_sleeper(5, 0, NULL);
  ac_runtime_block_on(rt, &t_sleeper_vtable, &wait, NULL);
  cr_assert(ac_task_is_finished(t));
  ac_task_abort(t);
  ac_join_t j = ac_task_join(t);
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  int v = 0;
  cr_assert_eq(ac_join_poll(&j, &cx, &v), AC_POLL_READY);
  cr_assert_eq(ac_join_status(&j), 0);
  cr_assert_eq(v, 9);
  ac_join_drop(&j);
  t_close_clean(rt);
}

Test(task, join_reports_cancelled_after_abort_while_queued) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  int polls = 0, drops = 0;
  t_counter_t c = t_counter(0, 9, &polls, &drops);
  ac_task_t *t = ac_runtime_spawn(rt, &t_counter_vtable, &c);
  ac_task_abort(t); /* still in the queue, never polled */
  ac_join_t j = ac_task_join(t);
  int v = -1;
  t_await_t a = {&ac_join_vtable, &j};
  (void)a;
  t_sleeper_t wait = t_sleeper(5, 0, NULL);
  ac_runtime_block_on(rt, &t_sleeper_vtable, &wait, NULL);
  ac_waker_t w = ac_waker_noop();
  ac_context_t cx = {&w};
  cr_assert_eq(ac_join_poll(&j, &cx, &v), AC_POLL_READY);
  cr_assert_eq(ac_join_status(&j), AC_ECANCELED);
  cr_assert_eq(polls, 0);
  cr_assert_eq(drops, 1);
  t_close_clean(rt);
}

Test(task, dropped_join_detaches_the_task) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    int drops = 0;
    t_counter_t c = t_counter(3, 1, NULL, &drops);
    ac_join_t j = ac_task_join(ac_runtime_spawn(rt, &t_counter_vtable, &c));
    ac_join_drop(&j);
    t_sleeper_t wait = t_sleeper(10, 0, NULL);
    ac_runtime_block_on(rt, &t_sleeper_vtable, &wait, NULL);
    cr_assert_eq(t_load(&drops), 1);
    t_close_clean(rt);
  }
}

Test(task, shutdown_drops_tasks_that_never_finish) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    int drops = 0;
    for (int i = 0; i < 100; i++) {
      t_forever_t fv = {&drops};
      ac_task_detach(ac_runtime_spawn(rt, &t_forever_vtable, &fv));
      t_sleeper_t s = t_sleeper(100000, 0, &drops);
      ac_task_detach(ac_runtime_spawn(rt, &t_sleeper_vtable, &s));
    }
    ac_runtime_stats_t st;
    for (int i = 0; i < 200; i++) { /* until every sleeper has polled */
      t_sleeper_t wait = t_sleeper(10, 0, NULL);
      ac_runtime_block_on(rt, &t_sleeper_vtable, &wait, NULL);
      ac_runtime_stats(rt, &st);
      if (st.timers == 100)
        break;
    }
    cr_assert_eq(st.tasks, 200);
    cr_assert_eq(st.timers, 100);
    t_close_clean(rt);
    cr_assert_eq(drops, 200);
  }
}

Test(task, spawn_without_a_runtime_returns_null) {
  t_counter_t c = t_counter(0, 0, NULL, NULL);
  cr_assert_null(ac_spawn_raw(&t_counter_vtable, &c));
}

/* ac_spawn by type, as generated code uses it: the file lists its own
 * future types for AC_VTABLE_OF, then awaits a typed join. */
#undef AC__FUTURE_TYPES
#define AC__FUTURE_TYPES t_counter_t *: &t_counter_vtable,

typedef struct by_type {
  int state;
  ac_join_int_t join;
} by_type_t;
static ac_poll_t by_type_poll(void *self, ac_context_t *cx, void *out) {
  by_type_t *b = self;
  if (b->state == 0) {
    ac_sleep_t s = ac_sleep_ms(1);
    cr_assert_eq(AC_VTABLE_OF(&s), &ac_sleep_vtable);
    ac_task_t *t = ac_spawn(t_counter(2, 31, NULL, NULL));
    cr_assert_not_null(t);
    b->join = ac_join_int(t);
    b->state = 1;
  }
  if (ac_join_int_poll(&b->join, cx, (int *)out) == AC_POLL_PENDING)
    return AC_POLL_PENDING;
  ac_join_int_drop(&b->join);
  b->state = 2;
  return AC_POLL_READY;
}
static void by_type_drop(void *self) {
  by_type_t *b = self;
  if (b->state == 1)
    ac_join_int_drop(&b->join);
}
static const ac_future_vtable_t by_type_vtable = {
    by_type_poll, by_type_drop, sizeof(by_type_t), _Alignof(by_type_t),
    sizeof(int), "by_type"};

Test(task, spawn_by_type_and_typed_join) {
  T_FLAVORS(f) {
    by_type_t b = {0};
    int v = 0;
    cr_assert_eq(t_run(f, &by_type_vtable, &b, &v), 0);
    cr_assert_eq(v, 31);
  }
}

/* Aborts its own task once it has its handle, then yields: the abort is
 * the task's next poll, so that poll must be a drop, however the yield is
 * taken (the run loop's repoll of a lone task, or the general path's for
 * a task with a big output).  Counts its polls after the abort. */
typedef struct self_aborter {
  ac_task_t *const *me;
  int *after, *drops;
  int aborted;
  char pad[200]; /* the output's size, when it is big */
} self_aborter_t;
static ac_poll_t self_aborter_poll(void *self, ac_context_t *cx, void *out) {
  self_aborter_t *a = self;
  (void)out;
  ac_task_t *me = __atomic_load_n(a->me, __ATOMIC_ACQUIRE);
  if (a->aborted)
    t_inc(a->after);
  else if (me) {
    cr_assert_eq(ac_task_abort(me), 0);
    a->aborted = 1;
  }
  ac_waker_wake_by_ref(cx->waker);
  return AC_POLL_PENDING;
}
static void self_aborter_drop(void *self) {
  t_inc(((self_aborter_t *)self)->drops);
}
static const ac_future_vtable_t self_aborter_small_vtable = {
    self_aborter_poll, self_aborter_drop, sizeof(self_aborter_t),
    _Alignof(self_aborter_t), 0, "self_aborter"};
static const ac_future_vtable_t self_aborter_big_vtable = {
    self_aborter_poll, self_aborter_drop, sizeof(self_aborter_t),
    _Alignof(self_aborter_t), 200, "self_aborter_big"};

static void self_abort_on(ac_rt_flavor_t f, const ac_future_vtable_t *vt) {
  ac_runtime_t *rt = ac_runtime_new(f, 2);
  static ac_task_t *me;
  int after = 0, drops = 0;
  __atomic_store_n(&me, NULL, __ATOMIC_RELEASE);
  self_aborter_t a = {.me = &me, .after = &after, .drops = &drops};
  ac_task_t *h = ac_runtime_spawn(rt, vt, &a);
  __atomic_store_n(&me, h, __ATOMIC_RELEASE);
  for (int i = 0; i < 1000 && !ac_task_is_finished(h); i++) {
    t_sleeper_t s = t_sleeper(1, 0, NULL);
    cr_assert_eq(ac_runtime_block_on(rt, &t_sleeper_vtable, &s, NULL), 0);
  }
  cr_assert(ac_task_is_finished(h), "%s: the aborted task never finished",
            vt->name);
  cr_assert_eq(t_load(&after), 0, "%s (flavor %d): polled %d times after "
               "aborting itself", vt->name, (int)f, t_load(&after));
  cr_assert_eq(t_load(&drops), 1);
  cr_assert_eq(ac_task_detach(h), 0);
  t_close_clean(rt);
}

Test(task, a_task_that_aborts_itself_is_dropped_not_polled_again) {
  T_FLAVORS(f) {
    self_abort_on(f, &self_aborter_small_vtable);
    self_abort_on(f, &self_aborter_big_vtable);
  }
}
