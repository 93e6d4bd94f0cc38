/*
 * bench.h: the workloads of docs/benchmarks.md and what main.c needs to run them.
 * Each workload runs once on a fresh runtime of the given flavor and
 * returns its figure (ns per operation, or bytes per task).
 */
#ifndef AC_BENCH_H
#define AC_BENCH_H

#include <ac.h>
#include <stddef.h>

double bench_now_ns(void);
/* CPU time of the whole process (every thread): the machine this runs on
 * is shared, so wall time mostly measures the neighbours. */
double bench_cpu_ns(void);
extern double bench_last_wall; /* wall ns per op of the last run */
long bench_rss_bytes(void);
/* Aborts with a message: a benchmark that cannot run has no figure. */
void bench_check(int ok, const char *what);
ac_runtime_t *bench_runtime(ac_rt_flavor_t flavor);
void bench_close(ac_runtime_t *rt);

double w1_spawn_join(ac_rt_flavor_t flavor);
double w2_yield_one(ac_rt_flavor_t flavor);
double w2_yield_many(ac_rt_flavor_t flavor);
double w3_ping_pong(ac_rt_flavor_t flavor);
double w4_sleep_bytes(ac_rt_flavor_t flavor);
double w4_alloc_bytes(void);
double w4_child(ac_rt_flavor_t flavor);
/* W6: flavor 0/1 = acrt server; 2 = the hand-written epoll server. */
double w6_echo_user_ns(int server);
extern double w6_last_rate; /* round trips per second of the last run */

#endif
