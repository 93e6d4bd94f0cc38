/*
 * rt_harness.h: included first by the programs of tests/diff/rt/, which use
 * a real `async int main` (run by libacrt's entry point) and the runtime's
 * two fixed leaves, `await ac_yield_now();` and `await ac_sleep_ms(n);`.
 *
 * In the erasure (-DACC_SYNC) those leaves become plain functions that
 * return at once, and main is a plain main whose return value is the exit
 * status; the runner compares output and exit status across modes.
 */
#ifndef DIFF_RT_HARNESS_H
#define DIFF_RT_HARNESS_H

#include "harness.h"

#ifdef ACC_SYNC
static inline void ac_yield_now(void) {}
static inline void ac_sleep_ms(unsigned ms) { (void)ms; }
#else
#include <ac.h>
#endif

#endif /* DIFF_RT_HARNESS_H */
