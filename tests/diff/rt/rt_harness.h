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
/* A spawned future that completes at once has run when ac_spawn returns. */
typedef void ac_task_t;
#define ac_spawn(fut) ((void)(fut), (ac_task_t *)0)
static inline void ac_task_join(ac_task_t *t) { (void)t; }
#else
#include <ac.h>
#endif

#endif /* DIFF_RT_HARNESS_H */
