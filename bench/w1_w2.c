/*
 * w1_w2.c: W1 (spawn and join 1M trivial tasks) and W2 (yield_now: one
 * task 10M times; 1000 tasks 10k times each).  The futures are written the
 * way acc generates frames: a state index, live locals, the child of the
 * active await inline.
 */
#include "bench.h"

#include <stdlib.h>

/* ==== W1 ==== */

enum { W1_TASKS = 1000000 };

typedef struct trivial {
  int value;
} trivial_t;
static ac_poll_t trivial_poll(void *self, ac_context_t *cx, void *out) {
  (void)cx;
  *(int *)out = ((trivial_t *)self)->value;
  return AC_POLL_READY;
}
static void trivial_drop(void *self) { (void)self; }
static const ac_future_vtable_t trivial_vtable = {
    trivial_poll, trivial_drop, sizeof(trivial_t), _Alignof(trivial_t),
    sizeof(int), "trivial"};

/* async int main(void) { handles[i] = spawn(trivial(i)) for all i;
 *   for all i: sum += await handles[i]; } */
typedef struct w1_main {
  int state, i;
  long sum;
  ac_task_t **h;
  ac_join_t join;
} w1_main_t;
static ac_poll_t w1_poll(void *self, ac_context_t *cx, void *out) {
  w1_main_t *m = self;
  (void)out;
  switch (m->state) {
  case 0:
    for (m->i = 0; m->i < W1_TASKS; m->i++) {
      trivial_t t = {m->i};
      m->h[m->i] = ac_spawn_raw(&trivial_vtable, &t);
    }
    for (m->i = 0; m->i < W1_TASKS; m->i++) {
      m->join = ac_task_join(m->h[m->i]);
      m->state = 1;
      /* fallthrough */
    case 1:;
      int v;
      if (ac_join_poll(&m->join, cx, &v) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      m->sum += v;
    }
    m->state = 2;
  }
  return AC_POLL_READY;
}
static void w1_drop(void *self) { (void)self; }
static const ac_future_vtable_t w1_vtable = {w1_poll, w1_drop,
                                             sizeof(w1_main_t),
                                             _Alignof(w1_main_t), 0, "w1"};

double w1_spawn_join(ac_rt_flavor_t flavor) {
  ac_runtime_t *rt = bench_runtime(flavor);
  w1_main_t m = {.h = malloc(W1_TASKS * sizeof(ac_task_t *))};
  bench_check(m.h != NULL, "malloc");
  double t0 = bench_cpu_ns(), w0 = bench_now_ns();
  bench_check(ac_runtime_block_on(rt, &w1_vtable, &m, NULL) == 0, "W1");
  double dt = bench_cpu_ns() - t0, dw = bench_now_ns() - w0;
  free(m.h);
  bench_close(rt);
  bench_last_wall = dw / W1_TASKS;
  return dt / W1_TASKS;
}

/* ==== W2 ==== */

/* async void yielder(int n) { for (i = 0; i < n; i++) await yield_now(); } */
typedef struct yielder {
  int state, i, n;
  ac_yield_t y;
} yielder_t;
static ac_poll_t yielder_poll(void *self, ac_context_t *cx, void *out) {
  yielder_t *f = self;
  (void)out;
  switch (f->state) {
  case 0:
    for (f->i = 0; f->i < f->n; f->i++) {
      f->y = ac_yield_now();
      f->state = 1;
      /* fallthrough */
    case 1:
      if (ac_yield_poll(&f->y, cx, NULL) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
    }
    f->state = 2;
  }
  return AC_POLL_READY;
}
static void yielder_drop(void *self) { (void)self; }
static const ac_future_vtable_t yielder_vtable = {
    yielder_poll, yielder_drop, sizeof(yielder_t), _Alignof(yielder_t), 0,
    "yielder"};

double w2_yield_one(ac_rt_flavor_t flavor) {
  enum { N = 10000000 };
  ac_runtime_t *rt = bench_runtime(flavor);
  yielder_t y = {.n = N};
  double t0 = bench_cpu_ns(), w0 = bench_now_ns();
  bench_check(ac_runtime_block_on(rt, &yielder_vtable, &y, NULL) == 0, "W2");
  double dt = bench_cpu_ns() - t0, dw = bench_now_ns() - w0;
  bench_close(rt);
  bench_last_wall = dw / N;
  return dt / N;
}

/* async void main(void) { spawn 1000 yielder(10000); join them all; } */
enum { W2_TASKS = 1000, W2_YIELDS = 10000 };
typedef struct w2_main {
  int state, i;
  ac_task_t *h[W2_TASKS];
  ac_join_t join;
} w2_main_t;
static ac_poll_t w2_poll(void *self, ac_context_t *cx, void *out) {
  w2_main_t *m = self;
  (void)out;
  switch (m->state) {
  case 0:
    for (m->i = 0; m->i < W2_TASKS; m->i++) {
      yielder_t y = {.n = W2_YIELDS};
      m->h[m->i] = ac_spawn_raw(&yielder_vtable, &y);
    }
    for (m->i = 0; m->i < W2_TASKS; m->i++) {
      m->join = ac_task_join(m->h[m->i]);
      m->state = 1;
      /* fallthrough */
    case 1:
      if (ac_join_poll(&m->join, cx, NULL) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
    }
    m->state = 2;
  }
  return AC_POLL_READY;
}
static const ac_future_vtable_t w2_vtable = {w2_poll, yielder_drop,
                                             sizeof(w2_main_t),
                                             _Alignof(w2_main_t), 0, "w2"};

double w2_yield_many(ac_rt_flavor_t flavor) {
  ac_runtime_t *rt = bench_runtime(flavor);
  w2_main_t *m = calloc(1, sizeof *m);
  double t0 = bench_cpu_ns(), w0 = bench_now_ns();
  bench_check(ac_runtime_block_on(rt, &w2_vtable, m, NULL) == 0, "W2b");
  double dt = bench_cpu_ns() - t0, dw = bench_now_ns() - w0;
  free(m);
  bench_close(rt);
  bench_last_wall = dw / ((double)W2_TASKS * W2_YIELDS);
  return dt / ((double)W2_TASKS * W2_YIELDS);
}
