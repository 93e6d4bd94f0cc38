/*
 * entry.c: building a runtime, block_on, shutdown, and the entry a
 * generated `async int main` calls.
 *
 * block_on spawns the main future as an ordinary task and awaits its join
 * handle with a waker of its own: in the current-thread flavor the calling
 * thread is the one worker; in the multi-thread flavor it sleeps on a
 * condition variable while the workers run everything.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t default_workers(void) {
  const char *env = getenv("AC_WORKERS");
  if (env && *env) {
    long n = strtol(env, NULL, 10);
    if (n > 0 && n <= 1024)
      return (uint32_t)n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (uint32_t)n : 1;
}

ac_runtime_t *ac_runtime_new(ac_rt_flavor_t flavor, int workers) {
  uint32_t n = flavor == AC_RT_CURRENT_THREAD ? 1
               : workers > 0                  ? (uint32_t)workers
                                              : default_workers();
  ac__hooks_init();
  ac__bias_setup(); /* before the workers start: bias.c */
  ac_runtime_t *rt = calloc(1, sizeof *rt);
  if (!rt)
    return NULL;
  if (ac__sched_init(&rt->sched, flavor, n) != 0) {
    free(rt);
    errno = ENOMEM;
    return NULL;
  }
  if (ac__driver_init(&rt->driver) != 0) {
    ac__sched_destroy(&rt->sched);
    free(rt);
    errno = EMFILE;
    return NULL;
  }
  rt->sched.driver = &rt->driver;
  rt->sched.rt = rt;
  pthread_mutex_init(&rt->main_lock, NULL);
  pthread_cond_init(&rt->main_cond, NULL);
  if (flavor == AC_RT_MULTI_THREAD) {
    int rc = ac__multi_start(&rt->sched);
    if (rc != 0) {
      rt->is_shutdown = true;
      ac_runtime_free(rt);
      errno = -rc;
      return NULL;
    }
  }
  ac__debug_runtime_added(rt);
  return rt;
}

/* The waker of block_on: it does not count references (the runtime
 * outlives every task).  It bumps main_seq and wakes every blocked caller;
 * each one polls its own join again when the sequence moved, so several
 * threads may block_on one multi-thread runtime at once without stealing
 * each other's wake-ups. */
static ac_waker_t main_clone(void *data);
static void main_wake(void *data) {
  ac_runtime_t *rt = data;
  __atomic_fetch_add(&rt->main_seq, 1, __ATOMIC_SEQ_CST);
  if (rt->sched.flavor == AC_RT_CURRENT_THREAD) {
    ac__driver_unpark(&rt->driver);
  } else {
    pthread_mutex_lock(&rt->main_lock);
    pthread_cond_broadcast(&rt->main_cond);
    pthread_mutex_unlock(&rt->main_lock);
  }
}
static void main_drop(void *data) { (void)data; }
static const ac_waker_vtable_t main_waker_vtable = {main_clone, main_wake,
                                                    main_wake, main_drop};
static ac_waker_t main_clone(void *data) {
  return (ac_waker_t){&main_waker_vtable, data};
}

int ac_runtime_block_on(ac_runtime_t *rt, const ac_future_vtable_t *vt,
                        const void *fut, void *out) {
  if (ac__tls.running || rt->is_shutdown)
    return -EDEADLK; /* from inside a task, or too late */
  bool current = rt->sched.flavor == AC_RT_CURRENT_THREAD;
  if (current && __atomic_exchange_n(&rt->blocking, 1, __ATOMIC_ACQUIRE))
    return -EBUSY; /* the one worker is already some thread's */
  ac__tls_t saved = ac__tls;
  ac__tls.sched = &rt->sched;
  ac__tls.worker = NULL;
  ac_task_t *t = ac__task_new(&rt->sched, vt, fut);
  if (!t) {
    ac__tls = saved;
    if (current)
      __atomic_store_n(&rt->blocking, 0, __ATOMIC_RELEASE);
    return -ENOMEM;
  }
  ac_join_t j = ac_task_join(ac__task_handle(t));
  ac_waker_t w = {&main_waker_vtable, rt};
  if (current) {
    ac__current_block_on(rt, &j, out, &w);
    __atomic_store_n(&rt->blocking, 0, __ATOMIC_RELEASE);
  } else {
    ac__multi_block_on(rt, &j, out, &w);
  }
  ac__tls = saved;
  return ac_join_status(&j);
}

void ac_runtime_shutdown(ac_runtime_t *rt) {
  if (rt->is_shutdown)
    return;
  __atomic_store_n(&rt->is_shutdown, true, __ATOMIC_RELEASE);
  ac__sched_t *s = &rt->sched;
  if (s->flavor == AC_RT_MULTI_THREAD)
    ac__multi_stop(s);
  ac__tls_t saved = ac__tls;
  ac__tls = (ac__tls_t){.sched = s};
  ac__sched_drain(s);
  ac__sched_shutdown_tasks(s);
  ac__sched_drain(s);
  ac__spin_lock(&s->inject.lock);
  __atomic_store_n(&s->closed, 1, __ATOMIC_RELEASE);
  ac__spin_unlock(&s->inject.lock);
  ac__sched_drain(s);
  ac__blocking_shutdown(rt); /* after the tasks: their jobs left the queue */
  ac__reactor_free_closed(&rt->driver);
  ac__tls = saved;
}

void ac_runtime_stats(ac_runtime_t *rt, ac_runtime_stats_t *st) {
  st->tasks = ac__sched_live_tasks(&rt->sched);
  st->allocated = ac__slab_live(&rt->sched);
  st->timers = ac__timers_count(&rt->driver.timers);
  st->fds = __atomic_load_n(&rt->driver.nfds, __ATOMIC_RELAXED);
  st->workers = (int)rt->sched.nworkers;
  st->memory = ac__slab_bytes(&rt->sched);
}

int ac_runtime_free(ac_runtime_t *rt) {
  ac__debug_runtime_removed(rt);
  ac_runtime_shutdown(rt);
  ac_runtime_stats_t st;
  ac_runtime_stats(rt, &st);
  int rc = st.tasks || st.allocated || st.timers || st.fds ? -EBUSY : 0;
  if (AC_UNLIKELY(ac__hooks))
    ac__hook_runtime_freed(&st);
  /* Handles never joined or detached, and fds never closed, are reported
   * above; from here on they are stale (handle.c), not dangling. */
  if (st.allocated)
    ac__sched_orphan_handles(&rt->sched);
  if (ac__tls.sched == &rt->sched)
    ac__tls = (ac__tls_t){0};
  ac__driver_destroy(&rt->driver);
  ac__sched_destroy(&rt->sched);
  pthread_mutex_destroy(&rt->main_lock);
  pthread_cond_destroy(&rt->main_cond);
  free(rt);
  return rc;
}

int ac_runtime_main(ac_rt_flavor_t flavor, const ac_future_vtable_t *vt,
                    const void *fut, void *out) {
  ac_runtime_t *rt = ac_runtime_new(flavor, 0);
  if (!rt)
    return -errno;
  int rc = ac_runtime_block_on(rt, vt, fut, out);
  ac_runtime_free(rt);
  return rc;
}

int ac_block_on(const ac_future_vtable_t *vt, const void *fut, void *out) {
  return ac_runtime_main(AC_RT_CURRENT_THREAD, vt, fut, out);
}

ac_runtime_t *ac_runtime_current(void) {
  return ac__tls.sched ? ac__tls.sched->rt : NULL;
}

void ac_runtime_enter(ac_runtime_t *rt) { ac__tls.sched = &rt->sched; }

void ac_runtime_exit(void) { ac__tls.sched = NULL; }

uint64_t ac_runtime_now_ms(ac_runtime_t *rt) {
  return ac__timers_now(&rt->driver.timers) / 1000000u;
}

void ac_runtime_clock_pause(ac_runtime_t *rt) {
  ac__timers_pause(&rt->driver.timers);
}

void ac_runtime_clock_advance(ac_runtime_t *rt, uint64_t ms) {
  ac__timers_advance(&rt->driver.timers, ms);
  ac__driver_unpark(&rt->driver);
}
