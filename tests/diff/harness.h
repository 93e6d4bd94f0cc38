/*
 * harness.h: included first by every program of the differential suite.
 *
 * A program includes "harness.h", defines `async int test_main(void)` and
 * includes "harness_main.h" at its end, which supplies main() for the mode
 * being built (see there).  Programs print what they compute; the runner
 * compares the output of the sync erasure with the output of the translated
 * program with ready leaves and with suspending leaves.
 *
 * The helpers below are plain C functions, the same in every mode, so that
 * programs can record side effects without depending on the mode.
 */
#ifndef DIFF_HARNESS_H
#define DIFF_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "leaf.h"

/* Prints "tag v" and returns v: marks the order of sequenced evaluations. */
static inline long note(const char *tag, long v) {
  printf("%s %ld\n", tag, v);
  return v;
}

/* Increments *counter and returns the new value: a side effect on one object,
   for operands whose relative order is unspecified. */
static inline int bump(int *counter) { return ++*counter; }

#endif /* DIFF_HARNESS_H */
