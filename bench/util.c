/*
 * util.c: clocks, RSS and runtime set-up shared by the workloads.
 */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

double bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double bench_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

long bench_rss_bytes(void) {
  long pages = 0, rss = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f)
    return 0;
  if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
    rss = 0;
  fclose(f);
  return rss * sysconf(_SC_PAGESIZE);
}

void bench_check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "bench: %s failed\n", what);
    exit(1);
  }
}

ac_runtime_t *bench_runtime(ac_rt_flavor_t flavor) {
  ac_runtime_t *rt = ac_runtime_new(flavor, 0);
  bench_check(rt != NULL, "ac_runtime_new");
  return rt;
}

void bench_close(ac_runtime_t *rt) {
  bench_check(ac_runtime_free(rt) == 0, "ac_runtime_free (leak)");
}
