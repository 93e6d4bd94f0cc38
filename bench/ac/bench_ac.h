/*
 * bench_ac.h: clocks, RSS and argument helpers shared by the .ac
 * benchmarks in bench/ac/ (plain C, no async code).  The figures are
 * measured as bench/util.c measures the hand-written ones: CPU time of the
 * whole process (every thread) per operation, with wall time beside it.
 */
#ifndef BENCH_AC_H
#define BENCH_AC_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* The executor the program was built for: w*.ac select it with
 * `#pragma acc main(current_thread)` under #ifdef CURRENT_THREAD. */
#ifdef CURRENT_THREAD
#define BENCH_EXEC "current"
#else
#define BENCH_EXEC "multi"
#endif

static inline double bench_wall_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline double bench_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Resident set size in bytes, from /proc/self/statm. */
static inline long bench_rss_bytes(void) {
  long pages = 0, rss = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f)
    return 0;
  if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
    rss = 0;
  fclose(f);
  return rss * sysconf(_SC_PAGESIZE);
}

/* The peak resident set size so far, in bytes (getrusage's ru_maxrss). */
static inline long bench_peak_rss_bytes(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss * 1024L;
}

/* argv[i] as a positive count, or def when absent; exits on garbage. */
static inline long bench_arg(int argc, char **argv, int i, long def) {
  if (argc <= i)
    return def;
  char *end;
  long v = strtol(argv[i], &end, 10);
  if (*end || v <= 0) {
    fprintf(stderr, "%s: argument %d: expected a positive count, got '%s'\n",
            argv[0], i, argv[i]);
    exit(2);
  }
  return v;
}

#endif
