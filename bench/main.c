/*
 * main.c: runs each workload BENCH_RUNS times (default 5) per executor and
 * prints one row per workload and executor: the median, the spread
 * (min..max), and the target from issue 5.  Runs are in-process except
 * W4 and W6, which need a fresh process per run (RSS; a server to time).
 */
#include "bench.h"

double bench_last_wall;

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct workload {
  const char *id, *what, *unit;
  double target;
  double (*run)(ac_rt_flavor_t);
} workload_t;

static const workload_t workloads[] = {
    {"W1", "spawn+join 1M trivial tasks", "ns/task", 90, w1_spawn_join},
    {"W2a", "yield_now, 1 task x 10M", "ns/yield", 5, w2_yield_one},
    {"W2b", "yield_now, 1000 tasks x 10k", "ns/yield", 5, w2_yield_many},
    {"W3", "ping-pong, 2 cap-1 channels, 1M", "ns/round trip", 30,
     w3_ping_pong},
    {"W4", "1M tasks asleep, RSS", "bytes/task", 96, w4_sleep_bytes},
};

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* wall: the wall-clock medians beside CPU figures, or NULL. */
static void row(const char *id, const char *what, const char *exec,
                double *v, int n, const char *unit, const char *target,
                double *wall) {
  double med = median(v, n);
  char w[32] = "";
  if (wall)
    snprintf(w, sizeof w, "%.1f", median(wall, n));
  printf("%-4s %-34s %-8s %9.1f %9.1f..%-9.1f %-13s %-16s %s\n", id, what,
         exec, med, v[0], v[n - 1], unit, target, w);
  fflush(stdout);
}

static double median_of(double (*fn)(int), int arg, int runs, double *v) {
  for (int i = 0; i < runs; i++)
    v[i] = fn(arg);
  double s[64];
  memcpy(s, v, sizeof(double) * (size_t)runs);
  qsort(s, (size_t)runs, sizeof *s, cmp);
  return s[runs / 2];
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--w4")) {
    printf("%f\n", w4_child(strcmp(argv[2], "multi") ? AC_RT_CURRENT_THREAD
                                                      : AC_RT_MULTI_THREAD));
    return 0;
  }
  const char *env = getenv("BENCH_RUNS"), *only = getenv("BENCH_ONLY");
  const char *fl = getenv("BENCH_FLAVOR"); /* current or multi */
  int f0 = fl && !strcmp(fl, "multi") ? 1 : 0;
  int f1 = fl && !strcmp(fl, "current") ? 1 : 2;
  int runs = env ? atoi(env) : 5;
  if (runs < 1 || runs > 64)
    runs = 5;
  /* Keep freed heap between runs, so that runs after the first measure
   * the runtime rather than the kernel's page faults (glibc would give the
   * 100 MB of W1's tasks back and fault it in again every run). */
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  static const char *flavor[] = {"current", "multi"};
  printf("acrt benchmarks: median of %d runs, spread min..max; task header "
         "%zu bytes\n",
         runs, ac_task_header_size());
  printf("W1-W3 figures are CPU time of the process per operation (every "
         "thread; this machine is shared),\nwith the wall-clock median in "
         "the last column.\n");
  printf("%-4s %-34s %-8s %9s %-20s %-13s %-16s %s\n", "id", "workload",
         "exec", "median", "spread (min..max)", "unit", "target", "wall");
  double v[64], wall[64];
  for (size_t w = 0; w < sizeof workloads / sizeof *workloads; w++) {
    const workload_t *wl = &workloads[w];
    if (only && !strstr(wl->id, only))
      continue;
    char target[32];
    snprintf(target, sizeof target, "<= %g", wl->target);
    for (int f = f0; f < f1; f++) {
      for (int i = 0; i < runs; i++) {
        bench_last_wall = -1;
        v[i] = wl->run((ac_rt_flavor_t)f);
        wall[i] = bench_last_wall;
      }
      row(wl->id, wl->what, flavor[f], v, runs, wl->unit, target,
          wall[0] >= 0 ? wall : NULL);
    }
    if (wl->run == w4_sleep_bytes) {
      v[0] = w4_alloc_bytes();
      row("W4", "  of which task allocation", "both", v, 1, "bytes/task",
          target, NULL);
    }
  }
  if (!only || strstr("W6", only)) {
    double limit = median_of(w6_echo_user_ns, 2, runs, v);
    row("W6", "echo 64 conns x 64 B, epoll limit", "epoll", v, runs,
        "user ns/rt", "(the limit)", NULL);
    double rate[64];
    for (int f = f0; f < f1; f++) {
      for (int i = 0; i < runs; i++) {
        v[i] = w6_echo_user_ns(f);
        rate[i] = w6_last_rate;
      }
      char target[48];
      snprintf(target, sizeof target, "<= %.1f (1.2x)", 1.2 * limit);
      row("W6", "echo 64 conns x 64 B, acrt", flavor[f], v, runs,
          "user ns/rt", target, NULL);
      row("W6", "  round trips per second", flavor[f], rate, runs, "rt/s",
          "", NULL);
    }
  }
  return 0;
}
