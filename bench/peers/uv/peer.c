/*
 * The libuv peer of the workloads libuv has a form of (docs/benchmarks.md):
 * W2 (a "task" is an idle handle; each turn of the loop runs its callback
 * once, libuv's yield), W4 (a uv_timer_t beside one int per sleeper) and W6
 * (a uv_tcp_t echo server).  libuv has no tasks to join (W1), no channels
 * (W3) and no futures to chain (W5).
 *
 *   peer-uv W [N [M]]      W: W2a W2b W4 W6
 *
 * Prints one line in the format of the acc programs of bench/ac.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

static double clock_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}
static double cpu_ns(void) { return clock_ns(CLOCK_PROCESS_CPUTIME_ID); }
static double wall_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

static long rss_bytes(void) {
  long pages = 0, rss = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f)
    return 0;
  if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
    rss = 0;
  fclose(f);
  return rss * sysconf(_SC_PAGESIZE);
}
static long peak_rss_bytes(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss * 1024L;
}

static long arg(int argc, char **argv, int i, long def) {
  if (argc <= i)
    return def;
  char *end;
  long v = strtol(argv[i], &end, 10);
  if (*end || v <= 0) {
    fprintf(stderr, "peer-uv: argument %d: expected a positive count, got '%s'\n", i, argv[i]);
    exit(2);
  }
  return v;
}

/* ---- W2: idle handles, one callback per handle per loop turn ---- */

typedef struct yielder {
  uv_idle_t idle;
  long left, done;
} yielder_t;

static void yield_cb(uv_idle_t *h) {
  yielder_t *y = (yielder_t *)h;
  y->done++;
  if (--y->left == 0)
    uv_idle_stop(h);
}

static int w2(long tasks, long yields) {
  uv_loop_t *loop = uv_default_loop();
  yielder_t *y = calloc((size_t)tasks, sizeof *y);
  if (!y)
    return 1;
  double c0 = cpu_ns(), w0 = wall_ns();
  for (long t = 0; t < tasks; t++) {
    uv_idle_init(loop, &y[t].idle);
    y[t].left = yields;
    uv_idle_start(&y[t].idle, yield_cb);
  }
  uv_run(loop, UV_RUN_DEFAULT);
  double c1 = cpu_ns(), w1 = wall_ns();
  long total = 0;
  for (long t = 0; t < tasks; t++)
    total += y[t].done;
  double ops = (double)tasks * (double)yields;
  int ok = total == tasks * yields;
  printf("%s peer=uv exec=current tasks=%ld yields=%ld cpu_ns=%.3f wall_ns=%.3f total=%ld "
         "check=%s\n",
         tasks == 1 ? "W2a" : "W2b", tasks, yields, (c1 - c0) / ops, (w1 - w0) / ops, total,
         ok ? "ok" : "FAIL");
  return !ok;
}

/* ---- W4: a timer and an int per sleeper ---- */

typedef struct sleeper {
  uv_timer_t timer;
  int x;
} sleeper_t;

static long woke, woke_sum, asleep_at_measure = -1, rss0, rss1;
static long n4;

static void woke_cb(uv_timer_t *t) {
  sleeper_t *s = (sleeper_t *)t;
  woke_sum += s->x;
  woke++;
  uv_close((uv_handle_t *)t, (uv_close_cb)free);
}

/* A zero-delay timer set after all sleepers: it runs once they are all
   registered, as acc's and tokio's W4 measure. */
static void measure_cb(uv_timer_t *t) {
  rss1 = rss_bytes();
  asleep_at_measure = n4 - woke;
  uv_close((uv_handle_t *)t, NULL);
}

static int w4(long n, long ms) {
  uv_loop_t *loop = uv_default_loop();
  uv_timer_t measure;
  n4 = n;
  rss0 = rss_bytes();
  for (long i = 0; i < n; i++) {
    sleeper_t *s = malloc(sizeof *s);
    if (!s)
      return 1;
    s->x = (int)i;
    uv_timer_init(loop, &s->timer);
    uv_timer_start(&s->timer, woke_cb, (uint64_t)ms, 0);
  }
  uv_timer_init(loop, &measure);
  uv_timer_start(&measure, measure_cb, 0, 0);
  uv_run(loop, UV_RUN_DEFAULT);
  long peak = peak_rss_bytes();
  int ok = asleep_at_measure == n && woke == n && woke_sum == n * (n - 1) / 2;
  printf("W4 peer=uv exec=current tasks=%ld sleep_ms=%ld bytes_per_task=%.1f "
         "peak_bytes_per_task=%.1f woke=%ld sum=%ld check=%s\n",
         n, ms, (double)(rss1 - rss0) / (double)n, (double)(peak - rss0) / (double)n, woke,
         woke_sum, ok ? "ok" : "FAIL");
  return !ok;
}

/* ---- W6: echo server; a write that does not complete at once is queued ---- */

typedef struct conn {
  uv_tcp_t tcp;
  char buf[4096];
} conn_t;

typedef struct wreq {
  uv_write_t req;
  char data[];
} wreq_t;

static long conns_left;
static uv_tcp_t listener;

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  (void)hint;
  conn_t *c = (conn_t *)h;
  *b = uv_buf_init(c->buf, sizeof c->buf);
}

static void closed_cb(uv_handle_t *h) {
  free(h);
  if (--conns_left == 0)
    uv_close((uv_handle_t *)&listener, NULL);
}

static void write_cb(uv_write_t *req, int status) {
  (void)status;
  free(req);
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  if (n < 0) {
    uv_close((uv_handle_t *)s, closed_cb);
    return;
  }
  if (n == 0)
    return;
  uv_buf_t out = uv_buf_init(b->base, (unsigned)n);
  int w = uv_try_write(s, &out, 1);
  if (w == n)
    return;
  if (w < 0)
    w = 0;
  wreq_t *r = malloc(sizeof *r + (size_t)(n - w));
  memcpy(r->data, b->base + w, (size_t)(n - w));
  out = uv_buf_init(r->data, (unsigned)(n - w));
  uv_write(&r->req, s, &out, 1, write_cb);
}

static long accepted, want_conns;

static void accept_cb(uv_stream_t *l, int status) {
  if (status < 0 || accepted == want_conns)
    return;
  conn_t *c = malloc(sizeof *c);
  uv_tcp_init(l->loop, &c->tcp);
  if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
    uv_close((uv_handle_t *)&c->tcp, (uv_close_cb)free);
    return;
  }
  accepted++;
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
}

static int w6(int lfd, long conns) {
  uv_loop_t *loop = uv_default_loop();
  want_conns = conns_left = conns;
  uv_tcp_init(loop, &listener);
  if (uv_tcp_open(&listener, lfd) != 0 ||
      uv_listen((uv_stream_t *)&listener, 128, accept_cb) != 0) {
    fprintf(stderr, "peer-uv: W6: cannot listen on fd %d\n", lfd);
    return 1;
  }
  uv_run(loop, UV_RUN_DEFAULT);
  printf("W6 peer=uv exec=current conns=%ld check=ok\n", conns);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: peer-uv W2a|W2b|W4|W6 [N [M]]\n");
    return 2;
  }
  const char *w = argv[1];
  if (!strcmp(w, "W2a"))
    return w2(1, arg(argc, argv, 2, 10000000));
  if (!strcmp(w, "W2b"))
    return w2(arg(argc, argv, 2, 1000), arg(argc, argv, 3, 10000));
  if (!strcmp(w, "W4"))
    return w4(arg(argc, argv, 2, 1000000), arg(argc, argv, 3, 2000));
  if (!strcmp(w, "W6"))
    return w6((int)arg(argc, argv, 2, 3), arg(argc, argv, 3, 64));
  fprintf(stderr, "peer-uv: no libuv form of workload %s\n", w);
  return 2;
}
