/*
 * W5 (docs/benchmarks.md), the plain side: the chain of chain.ac as 10 plain
 * functions, f9 calls f8 ... calls f0, called 10M times in a loop.
 *
 * Each function is noinline, so every level is a real call as in the
 * source: without it gcc -O2 folds the chain into "x + 10" and the loop
 * into arithmetic, and the figure would measure nothing.  The input comes
 * from a volatile and the sum is printed.  The async chain has no such
 * attribute (the compiler may inline generated polls), so the ratio is the
 * state machines' cost against real calls, the comparison docs/benchmarks.md defines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* -DW5_INLINE lets gcc inline and fold the chain: run.sh prints that row
   as the floor (a loop of additions), not as the comparison. */
#ifdef W5_INLINE
#define NOINLINE
#else
#define NOINLINE __attribute__((noinline))
#endif

NOINLINE static long f0(long x) { return x + 1; }
NOINLINE static long f1(long x) { return f0(x) + 1; }
NOINLINE static long f2(long x) { return f1(x) + 1; }
NOINLINE static long f3(long x) { return f2(x) + 1; }
NOINLINE static long f4(long x) { return f3(x) + 1; }
NOINLINE static long f5(long x) { return f4(x) + 1; }
NOINLINE static long f6(long x) { return f5(x) + 1; }
NOINLINE static long f7(long x) { return f6(x) + 1; }
NOINLINE static long f8(long x) { return f7(x) + 1; }
NOINLINE static long f9(long x) { return f8(x) + 1; }

static volatile long base_input = 3;

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10000000L;
  long base = base_input, sum = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < n; i++)
    sum += f9(base + i);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
  printf("%.3f ns/call (sum %ld)\n", ns / n, sum);
  return 0;
}
