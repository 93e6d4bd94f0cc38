/*
 * exec_current.c: the current-thread executor.  block_on's own thread is
 * the only worker: it polls the main join future when its waker fired, runs
 * queued tasks, and parks in the driver when there is nothing to run.
 */
#include "internal.h"

/* Parks in the driver unless work or a main wake-up is already there.
 * `parked` is raised before the last look, so a remote wake that pushed
 * after the look sees it and writes the eventfd (driver.c). */
void ac__current_park(ac__worker_t *w) {
  ac__sched_t *s = w->sched;
  ac__driver_t *d = s->driver;
  ac__slab_trim(s); /* idle: after a burst, its memory goes back */
  __atomic_store_n(&d->parked, 1, __ATOMIC_SEQ_CST);
  ac__fence();
  if (!ac__sched_has_work(s) &&
      __atomic_load_n(&s->rt->main_seq, __ATOMIC_SEQ_CST) == s->rt->main_seen)
    ac__driver_turn(d, -1);
  __atomic_store_n(&d->parked, 0, __ATOMIC_RELAXED);
}

void ac__current_block_on(ac_runtime_t *rt, ac_join_t *j, void *out,
                          const ac_waker_t *main_waker) {
  ac__worker_t *w = &rt->sched.workers[0];
  ac_context_t cx = {main_waker};
  ac__tls.worker = w;
  rt->main_seen = __atomic_load_n(&rt->main_seq, __ATOMIC_ACQUIRE);
  if (ac_join_poll(j, &cx, out) == AC_POLL_READY)
    goto done;
  for (;;) {
    uint32_t seq = __atomic_load_n(&rt->main_seq, __ATOMIC_ACQUIRE);
    if (seq != rt->main_seen) {
      rt->main_seen = seq;
      if (ac_join_poll(j, &cx, out) == AC_POLL_READY)
        break;
    }
    if (!ac__sched_run(w))
      ac__current_park(w);
  }
done:
  ac__tls.worker = NULL;
}
