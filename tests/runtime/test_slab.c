/*
 * test_slab.c: task memory (runtime/src/slab.c): slots are reused, freed
 * safely from threads that do not own them, fit every size and alignment,
 * and shutdown finds every unfinished task in them.
 */
#include "harness.h"

#include "../../runtime/src/internal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ==== a future of any size and alignment ==== */

/* The future's bytes are [size, seed, pattern...]; poll checks its own
 * alignment and pattern, and writes a pattern of out_size bytes. */
typedef struct sized {
  uint32_t size, seed;
} sized_t;

static uint8_t pat(uint32_t seed, size_t k) {
  return (uint8_t)(seed * 31u + k * 7u);
}

static int bad_polls, sized_drops;

static ac_poll_t sized_poll(void *self, ac_context_t *cx, void *out);
static void sized_drop(void *self) {
  (void)self;
  t_inc(&sized_drops);
}

static ac_future_vtable_t sized_vt(size_t size, size_t align, size_t out) {
  return (ac_future_vtable_t){sized_poll, sized_drop, size, align, out,
                              "sized"};
}

static ac_poll_t sized_poll(void *self, ac_context_t *cx, void *out) {
  (void)cx;
  sized_t *h = self;
  const uint8_t *b = self;
  for (size_t k = sizeof *h; k < h->size; k++)
    if (b[k] != pat(h->seed, k))
      t_inc(&bad_polls);
  memset(out, (int)(h->seed & 0xff), 1); /* out_size >= 1 here */
  return AC_POLL_READY;
}

static void *sized_make(uint32_t size, uint32_t seed) {
  uint8_t *b = calloc(1, size);
  sized_t h = {size, seed};
  memcpy(b, &h, sizeof h);
  for (size_t k = sizeof h; k < size; k++)
    b[k] = pat(seed, k);
  return b;
}

/* Spawns futures from 8 bytes to past the largest size class, with
 * alignments up to 4096, and checks each one's bytes and alignment from
 * inside its poll (bad_polls), and its output through the join. */
static ac_poll_t align_poll(void *self, ac_context_t *cx, void *out) {
  size_t align = ((sized_t *)self)->seed >> 16;
  if ((uintptr_t)self % align)
    t_inc(&bad_polls);
  return sized_poll(self, cx, out);
}

Test(slab, many_sizes_and_alignments) {
  static const uint32_t sizes[] = {8, 9, 24, 33, 48, 100, 500, 1000, 1024,
                                   1025, 4000, 70000, 300000};
  static const uint32_t aligns[] = {8, 16, 32, 64, 4096};
  enum { NS = sizeof sizes / sizeof *sizes, NA = sizeof aligns / sizeof *aligns };
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    static ac_future_vtable_t vts[NS][NA];
    ac_task_t *h[NS][NA];
    bad_polls = sized_drops = 0;
    for (int i = 0; i < NS; i++)
      for (int a = 0; a < NA; a++) {
        uint32_t size = sizes[i] < aligns[a] ? aligns[a] : sizes[i];
        vts[i][a] = sized_vt(size, aligns[a], 1 + (size_t)(i * 13) % 200);
        vts[i][a].poll = align_poll;
        void *fut = sized_make(size, (uint32_t)(aligns[a] << 16 | (i * NA + a)));
        h[i][a] = ac_runtime_spawn(rt, &vts[i][a], fut);
        cr_assert_not_null(h[i][a]);
        free(fut);
      }
    for (int i = 0; i < NS; i++)
      for (int a = 0; a < NA; a++) {
        ac_join_t j = ac_task_join(h[i][a]);
        t_await_t aw = {&ac_join_vtable, &j};
        ac_future_vtable_t await256 = t_await_vtable; /* outputs to 200 B */
        await256.out_size = 256;
        uint8_t out[256] = {0};
        cr_assert_eq(ac_runtime_block_on(rt, &await256, &aw, out), 0);
        cr_assert_eq(out[0], (uint8_t)(i * NA + a));
      }
    cr_assert_eq(t_load(&bad_polls), 0);
    cr_assert_eq(t_load(&sized_drops), NS * NA);
    t_close_clean(rt);
  }
}

/* The same from inside a task: ac_spawn_raw on the task's worker takes
 * the spawn's inline path (task.c) for a future aligned to at most 16 with
 * an output of at most 64 bytes whose task fits the largest class, and the
 * general one past each of those edges; both store every byte, align the
 * future, and give the output back.  Shapes are {size, align, out}. */
static const uint32_t shapes[][3] = {
    {8, 4, 4},    {8, 8, 8},      {12, 4, 1},    {16, 16, 16},  {24, 8, 64},
    {24, 8, 65},  {40, 8, 1},     {48, 32, 4},   {1008, 16, 8}, {1009, 8, 8},
    {1008, 8, 64}, {1024, 16, 1}, {8, 1, 200},   {200, 8, 0},
};
enum { NSHAPES = sizeof shapes / sizeof *shapes };
static ac_future_vtable_t shape_vts[NSHAPES];

typedef struct shaper {
  int state, i;
  ac_task_t *h[NSHAPES];
  ac_join_t join;
  int wrong;
} shaper_t;

static ac_poll_t shaper_poll(void *self, ac_context_t *cx, void *out) {
  shaper_t *s = self;
  uint8_t got[256];
  if (s->state == 0) {
    for (int i = 0; i < NSHAPES; i++) {
      void *fut = sized_make(shapes[i][0], (uint32_t)(shapes[i][1] << 16 | i));
      s->h[i] = ac_spawn_raw(&shape_vts[i], fut);
      free(fut);
      if (!s->h[i])
        s->wrong++;
    }
    s->state = 1;
    s->join = ac_task_join(s->h[0]);
  }
  while (s->i < NSHAPES) {
    memset(got, 0xee, sizeof got);
    if (ac_join_poll(&s->join, cx, got) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    ac_join_drop(&s->join);
    uint32_t n = shapes[s->i][2];
    if (ac_join_status(&s->join) != 0 || (n && got[0] != (uint8_t)s->i) ||
        got[n] != 0xee) /* n bytes written, no more */
      s->wrong++;
    if (++s->i < NSHAPES)
      s->join = ac_task_join(s->h[s->i]);
  }
  s->state = 2;
  *(int *)out = s->wrong;
  return AC_POLL_READY;
}
static void shaper_drop(void *self) { (void)self; }
static const ac_future_vtable_t shaper_vtable = {
    shaper_poll, shaper_drop, sizeof(shaper_t), _Alignof(shaper_t),
    sizeof(int), "shaper"};

/* sized_poll writes its first byte: an empty output is polled with a
 * byte to spare. */
static ac_poll_t shape_poll(void *self, ac_context_t *cx, void *out) {
  uint8_t spare[1];
  size_t align = ((sized_t *)self)->seed >> 16;
  if ((uintptr_t)self % align)
    t_inc(&bad_polls);
  int i = (int)(((sized_t *)self)->seed & 0xffff);
  return sized_poll(self, cx, shapes[i][2] ? out : spare);
}

Test(slab, spawns_from_a_task_of_every_shape_return_their_outputs) {
  for (int i = 0; i < NSHAPES; i++) {
    shape_vts[i] = sized_vt(shapes[i][0], shapes[i][1], shapes[i][2]);
    shape_vts[i].poll = shape_poll;
  }
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    bad_polls = sized_drops = 0;
    shaper_t s = {0};
    int wrong = -1;
    cr_assert_eq(ac_runtime_block_on(rt, &shaper_vtable, &s, &wrong), 0);
    cr_assert_eq(wrong, 0);
    cr_assert_eq(t_load(&bad_polls), 0);
    cr_assert_eq(t_load(&sized_drops), NSHAPES);
    t_close_clean(rt);
  }
}

/* ==== reuse ==== */

/* Spawns a counter, joins it, spawns another of the same type: the second
 * gets the first one's slot (the worker's free list is LIFO). */
typedef struct reuse {
  int state;
  ac_task_t *first, *second;
  ac_join_t join;
} reuse_t;

static ac_poll_t reuse_poll(void *self, ac_context_t *cx, void *out) {
  reuse_t *r = self;
  t_counter_t c = t_counter(0, 1, NULL, NULL);
  switch (r->state) {
  case 0:
    r->first = ac_spawn_raw(&t_counter_vtable, &c);
    r->join = ac_task_join(r->first);
    r->state = 1;
    /* fallthrough */
  case 1:
    if (ac_join_poll(&r->join, cx, NULL) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    ac_join_drop(&r->join);
    r->second = ac_spawn_raw(&t_counter_vtable, &c);
    /* The same slot (handles differ: they carry its generation). */
    *(int *)out = ((uintptr_t)r->second & AC__H_ADDR) ==
                      ((uintptr_t)r->first & AC__H_ADDR) &&
                  r->second != r->first;
    ac_task_detach(r->second);
    r->state = 2;
  }
  return AC_POLL_READY;
}
static void reuse_drop(void *self) { (void)self; }
static const ac_future_vtable_t reuse_vtable = {
    reuse_poll, reuse_drop, sizeof(reuse_t), _Alignof(reuse_t), sizeof(int),
    "reuse"};

Test(slab, freed_slot_is_reused) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  reuse_t r = {0};
  int same = 0;
  cr_assert_eq(ac_runtime_block_on(rt, &reuse_vtable, &r, &same), 0);
  cr_assert(same, "the second task did not reuse the first one's slot");
  t_close_clean(rt);
}

/* ==== frees from threads that do not own the slot ==== */

/* A task spawns N counters on its worker (that worker's heap) and hands
 * the handles out; plain threads then join or detach them, so their slots
 * are freed remotely, while the workers keep spawning into the same
 * classes.  TSan checks the hand-over; stats must end at zero. */
enum { N_REMOTE = 400, N_THREADS = 3 };

typedef struct fanout {
  int state, n;
  ac_task_t **out;
} fanout_t;

static ac_poll_t fanout_poll(void *self, ac_context_t *cx, void *out) {
  (void)cx;
  (void)out;
  fanout_t *f = self;
  for (int i = 0; i < f->n; i++) {
    t_counter_t c = t_counter(i % 2, i, NULL, NULL);
    f->out[i] = ac_spawn_raw(&t_counter_vtable, &c);
  }
  return AC_POLL_READY;
}
static const ac_future_vtable_t fanout_vtable = {
    fanout_poll, reuse_drop, sizeof(fanout_t), _Alignof(fanout_t), 0,
    "fanout"};

typedef struct releaser {
  ac_runtime_t *rt;
  ac_task_t **h;
  int from, n, sum;
} releaser_t;

static void *release_main(void *arg) {
  releaser_t *r = arg;
  for (int i = r->from; i < r->from + r->n; i++) {
    if (i % 2) {
      ac_task_detach(r->h[i]);
      continue;
    }
    ac_join_t j = ac_task_join(r->h[i]);
    t_await_t aw = {&ac_join_vtable, &j};
    int v[16] = {-1}; /* t_await's output is 64 bytes */
    ac_runtime_block_on(r->rt, &t_await_vtable, &aw, v);
    r->sum += v[0];
  }
  return NULL;
}

Test(slab, freed_from_other_threads) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    for (int round = 0; round < 3; round++) {
      ac_task_t *h[N_REMOTE];
      fanout_t fo = {0, N_REMOTE, h};
      cr_assert_eq(ac_runtime_block_on(rt, &fanout_vtable, &fo, NULL), 0);
      pthread_t th[N_THREADS];
      releaser_t rs[N_THREADS];
      int per = N_REMOTE / N_THREADS, expect = 0, got = 0;
      for (int k = 0; k < N_THREADS; k++) {
        int n = k == N_THREADS - 1 ? N_REMOTE - k * per : per;
        rs[k] = (releaser_t){rt, h, k * per, n, 0};
        for (int i = k * per; i < k * per + n; i++)
          expect += i % 2 ? 0 : i;
      }
      /* Current-thread: one block_on at a time, so release in turn. */
      for (int k = 0; k < N_THREADS; k++) {
        cr_assert_eq(pthread_create(&th[k], NULL, release_main, &rs[k]), 0);
        if (f == AC_RT_CURRENT_THREAD)
          pthread_join(th[k], NULL);
      }
      for (int k = 0; f == AC_RT_MULTI_THREAD && k < N_THREADS; k++)
        pthread_join(th[k], NULL);
      for (int k = 0; k < N_THREADS; k++)
        got += rs[k].sum;
      cr_assert_eq(got, expect);
    }
    /* Detached tasks may still be queued or running: drive the runtime
     * until they are done. */
    ac_runtime_stats_t st;
    for (int spin = 0; spin < 2000; spin++) {
      ac_runtime_stats(rt, &st);
      if (st.allocated == 0)
        break;
      t_counter_t c = t_counter(1, 0, NULL, NULL);
      int out[16];
      ac_runtime_block_on(rt, &t_counter_vtable, &c, out);
    }
    t_close_clean(rt);
  }
}

/* ==== shutdown walks the slab ==== */

static int forever_drops;
static ac_poll_t forever_poll(void *self, ac_context_t *cx, void *out) {
  (void)self;
  (void)cx;
  (void)out;
  return AC_POLL_PENDING;
}
static void forever_drop(void *self) {
  (void)self;
  t_inc(&forever_drops);
}

Test(slab, shutdown_drops_unfinished_tasks_of_every_size) {
  static const size_t sizes[] = {8, 40, 200, 1024, 2000, 100000};
  enum { NS = sizeof sizes / sizeof *sizes, PER = 300 };
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    static ac_future_vtable_t vts[NS];
    forever_drops = 0;
    void *blank = calloc(1, 100000);
    for (int i = 0; i < NS; i++) {
      vts[i] = (ac_future_vtable_t){forever_poll, forever_drop, sizes[i], 8,
                                    0, "forever"};
      for (int k = 0; k < PER; k++)
        ac_task_detach(ac_runtime_spawn(rt, &vts[i], blank));
    }
    free(blank);
    ac_runtime_stats_t st;
    ac_runtime_stats(rt, &st);
    cr_assert_eq(st.tasks, NS * PER);
    ac_runtime_shutdown(rt);
    cr_assert_eq(t_load(&forever_drops), NS * PER);
    t_close_clean(rt);
  }
}

/* ==== the shared heap under contention ==== */

/* Plain threads spawn into the shared heap at once (its lock) and detach;
 * the workers run the tasks and free their slots (remote frees into the
 * shared heap).  Then a second wave reuses them. */
enum { SPAWNERS = 3, PER_SPAWNER = 2000 };

static void *spawn_main(void *arg) {
  ac_runtime_t *rt = arg;
  for (int i = 0; i < PER_SPAWNER; i++) {
    t_counter_t c = t_counter(i % 3, i, NULL, NULL);
    ac_task_t *t = ac_runtime_spawn(rt, &t_counter_vtable, &c);
    if (t)
      ac_task_detach(t);
  }
  return NULL;
}

Test(slab, plain_threads_spawn_at_once_into_the_shared_heap) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_MULTI_THREAD, 2);
  for (int wave = 0; wave < 2; wave++) {
    pthread_t th[SPAWNERS];
    for (int k = 0; k < SPAWNERS; k++)
      cr_assert_eq(pthread_create(&th[k], NULL, spawn_main, rt), 0);
    for (int k = 0; k < SPAWNERS; k++)
      pthread_join(th[k], NULL);
    ac_runtime_stats_t st;
    for (int spin = 0; spin < 100000; spin++) {
      ac_runtime_stats(rt, &st);
      if (st.allocated == 0)
        break;
      t_counter_t c = t_counter(1, 0, NULL, NULL);
      int out[16];
      ac_runtime_block_on(rt, &t_counter_vtable, &c, out);
    }
    cr_assert_eq(st.allocated, 0, "wave %d: %zu task allocations left", wave,
                 st.allocated);
    cr_assert_eq(st.tasks, 0);
  }
  t_close_clean(rt);
}

/* ==== memory after a burst ==== */

/* A task spawns n counters (from its worker's heap), notes the memory the
 * runtime holds, and joins them all. */
typedef struct burst {
  int state, n, i;
  size_t *peak; /* the future is copied into its task: out through here */
  ac_task_t **h;
  ac_join_t join;
} burst_t;

static ac_poll_t burst_poll(void *self, ac_context_t *cx, void *out) {
  burst_t *b = self;
  (void)out;
  if (b->state == 0) {
    for (int i = 0; i < b->n; i++) {
      t_counter_t c = t_counter(i % 2, i, NULL, NULL);
      b->h[i] = ac_spawn_raw(&t_counter_vtable, &c);
    }
    ac_runtime_stats_t st;
    ac_runtime_stats(ac_runtime_current(), &st);
    *b->peak = st.memory;
    b->state = 1;
    b->join = ac_task_join(b->h[0]);
  }
  while (b->i < b->n) {
    if (ac_join_poll(&b->join, cx, NULL) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    if (++b->i < b->n)
      b->join = ac_task_join(b->h[b->i]);
  }
  return AC_POLL_READY;
}
static void burst_drop(void *self) { (void)self; }
static const ac_future_vtable_t burst_vtable = {
    burst_poll, burst_drop, sizeof(burst_t), _Alignof(burst_t), 0, "burst"};

/* Once the tasks of a burst have finished and the workers park, the
 * chunks that held them go back (one per size class is kept), though the
 * runtime lives on; and the next burst gets memory again. */
Test(slab, memory_of_a_burst_goes_back_once_idle) {
  enum { N = 100000 };
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    for (int round = 0; round < 2; round++) {
      size_t peak = 0;
      burst_t b = {0, N, 0, &peak, calloc(N, sizeof(ac_task_t *)), {0}};
      cr_assert_eq(ac_runtime_block_on(rt, &burst_vtable, &b, NULL), 0);
      free(b.h);
      ac_runtime_stats_t st;
      for (int i = 0; i < 50; i++) { /* idle: the workers park */
        t_sleeper_t s = t_sleeper(10, 0, NULL);
        ac_runtime_block_on(rt, &t_sleeper_vtable, &s, NULL);
        ac_runtime_stats(rt, &st);
        if (st.memory * 4 < peak)
          break;
      }
      cr_assert_geq(peak, (size_t)N * 48, "the burst took %zu bytes", peak);
      cr_assert_lt(st.memory * 4, peak,
                   "round %d: %zu of %zu bytes still held once idle", round,
                   st.memory, peak);
    }
    t_close_clean(rt);
  }
}

/* ==== chunks of a growing class are faulted in at once ==== */

/* Pages of the 256 KiB chunk at c that are resident. */
static int resident_pages(const void *c) {
  unsigned char vec[AC__SLAB_CHUNK / 4096];
  cr_assert_eq(mincore((void *)c, AC__SLAB_CHUNK, vec), 0);
  int n = 0;
  for (size_t i = 0; i < sizeof vec; i++)
    n += vec[i] & 1;
  return n;
}

/* From a task (its worker's heap): spawns one task of a size class
 * nothing else uses, then as many as fill its chunk and start a second;
 * outputs the resident pages of both chunks, each seen right after its
 * first slot was carved, and detaches the tasks. */
typedef struct grow {
  int first, second; /* resident pages */
} grow_t;

static ac_poll_t grow_poll(void *self, ac_context_t *cx, void *out) {
  (void)cx;
  /* 720 bytes, a 736-byte slot (356 to a chunk); 752 for the second
   * flavor: a chunk the first one gave back to the pool stays committed
   * (slab.c), and is no first touch. */
  uint32_t size = *(int *)self;
  static ac_future_vtable_t vt;
  vt = sized_vt(size, 8, 1);
  grow_t *g = out;
  g->first = g->second = -1;
  void *f = sized_make(size, 3);
  ac_task_t *t = ac_spawn_raw(&vt, f);
  cr_assert_not_null(t);
  const ac__slab_chunk_t *c1 = ac__slab_chunk_of(ac__handle_addr(t));
  g->first = resident_pages(c1);
  /* Handles kept until the end: a task that finished on another worker
   * and was detached would give its slot back for the next spawn. */
  ac_task_t **h = calloc(c1->nslots + 1, sizeof *h);
  h[0] = t;
  uint32_t n = 1;
  while (n <= c1->nslots) {
    t = h[n++] = ac_spawn_raw(&vt, f);
    cr_assert_not_null(t);
    const ac__slab_chunk_t *c = ac__slab_chunk_of(ac__handle_addr(t));
    if (c != c1) {
      g->second = resident_pages(c);
      break;
    }
  }
  for (uint32_t i = 0; i < n; i++)
    ac_task_detach(h[i]);
  free(h);
  free(f);
  return AC_POLL_READY;
}
static const ac_future_vtable_t grow_vtable = {
    grow_poll, reuse_drop, sizeof(int), _Alignof(int), sizeof(grow_t),
    "grow"};

/* The second chunk of a class is faulted in whole when it is taken (one
 * madvise instead of a page fault per 4 KiB as a burst of spawns carves
 * it); the first is not, so a few tasks of many sizes do not hold 256
 * KiB each. */
Test(slab, a_class_that_filled_a_chunk_gets_the_next_one_resident_at_once) {
  T_FLAVORS(f) {
    grow_t g = {-1, -1};
    int size = 720 + 32 * (int)f;
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    cr_assert_eq(ac_runtime_block_on(rt, &grow_vtable, &size, &g), 0);
    t_close_clean(rt);
    cr_assert_lt(g.first, (int)(AC__SLAB_CHUNK / 4096 / 2),
                 "flavor %d: %d pages of a first chunk resident", f, g.first);
    cr_assert_eq(g.second, (int)(AC__SLAB_CHUNK / 4096),
                 "flavor %d: %d pages of a second chunk resident", f,
                 g.second);
  }
}
