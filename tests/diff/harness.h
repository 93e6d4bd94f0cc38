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

/*
 * The sync erasure of acc's combinator forms (docs/language.md): with every
 * future ready at its first poll, ac_first's first branch wins, so only it
 * runs (the others are only named, so their functions count as used);
 * ac_all runs every branch, left to right; ac_within's future completes
 * before any deadline.  A branch is a future or `lvalue = future`, so each
 * is an expression of the erasure.
 */
#ifdef ACC_SYNC
#define ac_first(b0, ...) ((void)(b0), (void)(0 && ((__VA_ARGS__), 0)), 0)
#define ac_all(...) ((void)(__VA_ARGS__))
#define ac_within(ms, b) ((void)(ms), (void)(b), 0)
#endif

#endif /* DIFF_HARNESS_H */
