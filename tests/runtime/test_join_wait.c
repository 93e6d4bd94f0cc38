/*
 * test_join_wait.c: joins that wait leave their wakers in the runtime's
 * join-waiter table (join_wait.c), not in the task header: each is woken
 * once, a replaced or dropped waker is released at once, and no entry
 * outlives its task (a reused slot starts without one).
 */
#include "harness.h"

#include "../../runtime/src/internal.h"

static size_t waiting_joins(ac_runtime_t *rt) {
  return ac__joinw_len(&((struct ac_runtime *)rt)->sched.joinw);
}

/* Runs the runtime for about ms milliseconds. */
static void run_for(ac_runtime_t *rt, int ms) {
  t_sleeper_t s = t_sleeper((uint64_t)ms, 0, NULL);
  cr_assert_eq(ac_runtime_block_on(rt, &t_sleeper_vtable, &s, NULL), 0);
}

/* Runs the runtime in 5 ms slices until *count reaches 1, for at most
 * 10 s: a worker descheduled on a loaded machine may finish a 1 ms
 * sleeper long after 5 ms, and what the tests check is what happens once
 * it has, not how soon. */
static void run_until_one(ac_runtime_t *rt, int *count) {
  for (int i = 0; i < 2000 && t_load(count) < 1; i++)
    run_for(rt, 5);
}

Test(join_wait, a_waiting_join_is_woken_once_and_its_entry_goes) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    t_sleeper_t sl = t_sleeper(20, 7, NULL);
    ac_join_t j = ac_task_join(ac_runtime_spawn(rt, &t_sleeper_vtable, &sl));
    t_wake_count_t a = {0, 0};
    ac_waker_t wa = t_counting_waker(&a);
    ac_context_t cx = {&wa};
    int v = -1;
    cr_assert_eq(ac_join_poll(&j, &cx, &v), AC_POLL_PENDING);
    cr_assert_eq(t_load(&a.refs), 1); /* the table's clone */
    cr_assert_eq(waiting_joins(rt), 1);
    /* Polled again with the same waker: no second entry, no clone. */
    cr_assert_eq(ac_join_poll(&j, &cx, &v), AC_POLL_PENDING);
    cr_assert_eq(t_load(&a.refs), 1);
    run_until_one(rt, &a.wakes);
    cr_assert_eq(t_load(&a.wakes), 1);
    cr_assert_eq(t_load(&a.refs), 0); /* woken by value: the clone went */
    cr_assert_eq(waiting_joins(rt), 0);
    cr_assert_eq(ac_join_poll(&j, &cx, &v), AC_POLL_READY);
    cr_assert_eq(ac_join_status(&j), 0);
    cr_assert_eq(v, 7);
    t_close_clean(rt);
  }
}

Test(join_wait, a_join_polled_with_another_waker_wakes_only_that_one) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    t_sleeper_t sl = t_sleeper(20, 3, NULL);
    ac_join_t j = ac_task_join(ac_runtime_spawn(rt, &t_sleeper_vtable, &sl));
    t_wake_count_t a = {0, 0}, b = {0, 0};
    ac_waker_t wa = t_counting_waker(&a), wb = t_counting_waker(&b);
    ac_context_t ca = {&wa}, cb = {&wb};
    int v = -1;
    cr_assert_eq(ac_join_poll(&j, &ca, &v), AC_POLL_PENDING);
    cr_assert_eq(ac_join_poll(&j, &cb, &v), AC_POLL_PENDING);
    cr_assert_eq(t_load(&a.refs), 0, "the replaced waker is released");
    cr_assert_eq(t_load(&b.refs), 1);
    cr_assert_eq(waiting_joins(rt), 1);
    run_until_one(rt, &b.wakes);
    cr_assert_eq(t_load(&a.wakes), 0);
    cr_assert_eq(t_load(&b.wakes), 1);
    cr_assert_eq(ac_join_poll(&j, &cb, &v), AC_POLL_READY);
    cr_assert_eq(v, 3);
    cr_assert_eq(t_load(&b.refs), 0);
    t_close_clean(rt);
  }
}

Test(join_wait, a_join_dropped_while_waiting_releases_its_waker) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    int drops = 0;
    t_sleeper_t sl = t_sleeper(20, 3, &drops);
    ac_join_t j = ac_task_join(ac_runtime_spawn(rt, &t_sleeper_vtable, &sl));
    t_wake_count_t a = {0, 0};
    ac_waker_t wa = t_counting_waker(&a);
    ac_context_t cx = {&wa};
    int v;
    cr_assert_eq(ac_join_poll(&j, &cx, &v), AC_POLL_PENDING);
    cr_assert_eq(t_load(&a.refs), 1);
    ac_join_drop(&j); /* the task runs on, detached */
    cr_assert_eq(t_load(&a.refs), 0);
    cr_assert_eq(waiting_joins(rt), 0);
    run_until_one(rt, &drops);
    cr_assert_eq(t_load(&a.wakes), 0);
    cr_assert_eq(t_load(&drops), 1);
    t_close_clean(rt);
  }
}

Test(join_wait, an_abort_wakes_the_waiting_join_with_ecanceled) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    t_forever_t fe = {NULL};
    ac_task_t *t = ac_runtime_spawn(rt, &t_forever_vtable, &fe);
    ac_join_t j = ac_task_join(t);
    t_wake_count_t a = {0, 0};
    ac_waker_t wa = t_counting_waker(&a);
    ac_context_t cx = {&wa};
    int v = 5;
    cr_assert_eq(ac_join_poll(&j, &cx, &v), AC_POLL_PENDING);
    cr_assert_eq(ac_task_abort(t), 0);
    run_until_one(rt, &a.wakes);
    cr_assert_eq(t_load(&a.wakes), 1);
    cr_assert_eq(waiting_joins(rt), 0);
    cr_assert_eq(ac_join_poll(&j, &cx, &v), AC_POLL_READY);
    cr_assert_eq(ac_join_status(&j), AC_ECANCELED);
    t_close_clean(rt);
  }
}

/* A task's slot is reused by the next spawn: had an entry outlived its
 * task, the next task's completion would wake a stale waker, or its join
 * would find the entry and not register its own. */
Test(join_wait, a_reused_slot_starts_without_a_join_waker) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    t_wake_count_t c[40];
    for (int i = 0; i < 40; i++) {
      c[i] = (t_wake_count_t){0, 0};
      t_sleeper_t sl = t_sleeper(1, i, NULL);
      ac_join_t j =
          ac_task_join(ac_runtime_spawn(rt, &t_sleeper_vtable, &sl));
      ac_waker_t w = t_counting_waker(&c[i]);
      ac_context_t cx = {&w};
      int v = -1;
      cr_assert_eq(ac_join_poll(&j, &cx, &v), AC_POLL_PENDING);
      run_until_one(rt, &c[i].wakes);
      cr_assert_eq(t_load(&c[i].wakes), 1, "task %d", i);
      cr_assert_eq(ac_join_poll(&j, &cx, &v), AC_POLL_READY);
      cr_assert_eq(v, i);
    }
    for (int i = 0; i < 40; i++) {
      cr_assert_eq(t_load(&c[i].wakes), 1, "task %d woken again", i);
      cr_assert_eq(t_load(&c[i].refs), 0);
    }
    t_close_clean(rt);
  }
}

/* joiner: awaits the join of one task and outputs its int. */
typedef struct joiner {
  ac_join_t join;
  size_t *max_waiting;
  ac_runtime_t *rt;
} joiner_t;

static ac_poll_t joiner_poll(void *self, ac_context_t *cx, void *out) {
  joiner_t *jn = self;
  ac_poll_t r = ac_join_poll(&jn->join, cx, out);
  if (r == AC_POLL_PENDING) {
    size_t n = waiting_joins(jn->rt), m;
    while ((m = __atomic_load_n(jn->max_waiting, __ATOMIC_RELAXED)) < n &&
           !__atomic_compare_exchange_n(jn->max_waiting, &m, n, false,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
      ;
  } else {
    cr_assert_eq(ac_join_status(&jn->join), 0);
  }
  return r;
}
static void joiner_drop(void *self) { ac_join_drop(&((joiner_t *)self)->join); }
static const ac_future_vtable_t joiner_vtable = {
    joiner_poll, joiner_drop, sizeof(joiner_t), _Alignof(joiner_t),
    sizeof(int), "joiner"};

/* gate: pending until gate_open, then outputs its index.  Its first poll
 * leaves a clone of its waker in gate_wakers[i] (gate_set[i] says so),
 * which the test wakes once it has opened the gate: the tasks it gates
 * finish when the test says, not when a timer does on a loaded machine. */
enum { GATES = 1000 };
static ac_waker_t gate_wakers[GATES];
static int gate_set[GATES], gate_open;
typedef struct gate {
  int i;
} gate_t;
static ac_poll_t gate_poll(void *self, ac_context_t *cx, void *out) {
  gate_t *g = self;
  if (t_load(&gate_open)) {
    *(int *)out = g->i;
    return AC_POLL_READY;
  }
  if (!t_load(&gate_set[g->i])) {
    gate_wakers[g->i] = ac_waker_clone(cx->waker);
    __atomic_store_n(&gate_set[g->i], 1, __ATOMIC_SEQ_CST);
  }
  return AC_POLL_PENDING;
}
static void gate_drop(void *self) {
  gate_t *g = self;
  if (t_load(&gate_set[g->i]))
    ac_waker_drop(gate_wakers[g->i]);
}
static const ac_future_vtable_t gate_vtable = {
    gate_poll, gate_drop, sizeof(gate_t), _Alignof(gate_t), sizeof(int),
    "gate"};

static int gates_set(void) {
  int n = 0;
  for (int i = 0; i < GATES; i++)
    n += t_load(&gate_set[i]);
  return n;
}

/* Many joins wait at once: the table grows past its first size, every
 * join gets its own task's output, and it empties (and shrinks) again. */
Test(join_wait, a_thousand_joins_wait_at_once) {
  enum { N = GATES };
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    size_t max_waiting = 0;
    static ac_task_t *joiners[N];
    __atomic_store_n(&gate_open, 0, __ATOMIC_SEQ_CST);
    for (int i = 0; i < N; i++)
      __atomic_store_n(&gate_set[i], 0, __ATOMIC_SEQ_CST);
    for (int i = 0; i < N; i++) {
      gate_t g = {i};
      joiner_t jn = {ac_task_join(ac_runtime_spawn(rt, &gate_vtable, &g)),
                     &max_waiting, rt};
      joiners[i] = ac_runtime_spawn(rt, &joiner_vtable, &jn);
      cr_assert_not_null(joiners[i]);
    }
    /* Every gate and every joiner polled once: all N joins wait (and
     * run_for's block_on may add its own). */
    for (int k = 0; k < 1000 && (gates_set() < N ||
                                 __atomic_load_n(&max_waiting,
                                                 __ATOMIC_RELAXED) < N);
         k++)
      run_for(rt, 10);
    cr_assert_geq(__atomic_load_n(&max_waiting, __ATOMIC_RELAXED), N,
                 "flavor %d: %zu joins waited at most, %d gates set", (int)f,
                 __atomic_load_n(&max_waiting, __ATOMIC_RELAXED), gates_set());
    __atomic_store_n(&gate_open, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < N; i++)
      ac_waker_wake_by_ref(&gate_wakers[i]);
    long sum = 0;
    for (int i = 0; i < N; i++) {
      ac_join_t j = ac_task_join(joiners[i]);
      t_await_t a = {&ac_join_vtable, &j};
      int out[16] = {-1}; /* t_await's output is up to 64 bytes */
      cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, out), 0);
      cr_assert_eq(out[0], i);
      sum += out[0];
    }
    cr_assert_eq(sum, (long)N * (N - 1) / 2);
    cr_assert_eq(waiting_joins(rt), 0);
    struct ac_runtime *r = (struct ac_runtime *)rt;
    cr_assert_leq(r->sched.joinw.mask + 1, 64, "the table shrank again");
    t_close_clean(rt);
  }
}

/* Joins racing their tasks' completion on two workers (for TSan above
 * all): each joiner is spawned right after its task, which yields 0-3
 * times, so some joins find the task finished and some register while it
 * runs on the other worker (the completer takes the entry).  The window
 * where a join adds its entry just as the task completes (its CAS fails
 * and it takes the entry back) is a few instructions wide and is not
 * forced here.  Every output arrives once, and no entry is left. */
Test(join_wait, joins_racing_their_tasks_lose_nothing) {
  enum { N = 2000 };
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    size_t max_waiting = 0;
    static ac_task_t *joiners[N];
    for (int i = 0; i < N; i++) {
      t_counter_t c = t_counter(i % 4, i, NULL, NULL);
      joiner_t jn = {ac_task_join(ac_runtime_spawn(rt, &t_counter_vtable, &c)),
                     &max_waiting, rt};
      joiners[i] = ac_runtime_spawn(rt, &joiner_vtable, &jn);
      cr_assert_not_null(joiners[i]);
    }
    long sum = 0;
    for (int i = 0; i < N; i++) {
      ac_join_t j = ac_task_join(joiners[i]);
      t_await_t a = {&ac_join_vtable, &j};
      int out[16] = {-1};
      cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, out), 0);
      cr_assert_eq(out[0], i);
      sum += out[0];
    }
    cr_assert_eq(sum, (long)N * (N - 1) / 2);
    cr_assert_eq(waiting_joins(rt), 0);
    t_close_clean(rt);
  }
}
