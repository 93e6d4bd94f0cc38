/* depth.ac's recursion as plain calls: down(n) calls down(n - 1). */
#include <stdio.h>
#include <stdlib.h>

static char *volatile deepest;

static __attribute__((noinline)) void mark(void) {
  deepest = (char *)__builtin_frame_address(0);
}

static __attribute__((noinline)) long down(long n) {
  if (n == 0) {
    mark();
    return 0;
  }
  long r = down(n - 1);
  __asm__ volatile("" : "+r"(r)); /* keep the recursion a real call */
  return r + 1;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  char *top = (char *)__builtin_frame_address(0);
  long r = down(n);
  printf("%ld levels, %.1f bytes of C stack per level\n", r,
         (double)(top - deepest) / (double)n);
  return r == n ? 0 : 1;
}
