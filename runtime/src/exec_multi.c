/*
 * exec_multi.c: the multi-thread executor: worker threads, parking, and the
 * driver shared among them.
 *
 * An idle worker first tries to become the driver owner and blocks in
 * epoll_wait; the others sleep on a condition variable.  A push that may
 * have found everyone idle (nidle > 0 after a full fence) wakes one: a
 * condvar sleeper if there is one, else the driver owner via the eventfd.
 * Both sides do "announce, fence, look" (Dekker), so a push never slips
 * between an idle worker's last look and its sleep.
 *
 * One wake in flight is enough: the woken worker looks at every queue once
 * it is back (and wakes the next one if it leaves work queued behind it,
 * sched.c), so until then further notifies do nothing (`waking`, as
 * tokio's searching workers).  A spawn loop with an idle worker made a
 * futex call or an eventfd write per spawn without it (W1 multi-thread:
 * twice the time).
 */
#include "internal.h"

#include <errno.h>
#include <time.h>

/* Back from a sleep (or not asleep after all): later pushes must notify
 * again.  Before this worker's next look at the queues (seq_cst). */
static void woken(ac__sched_t *s) {
  if (__atomic_load_n(&s->waking, __ATOMIC_RELAXED))
    __atomic_store_n(&s->waking, 0, __ATOMIC_SEQ_CST);
}

static void park(ac__worker_t *w) {
  ac__sched_t *s = w->sched;
  ac__driver_t *d = s->driver;
  ac__slab_trim(s); /* idle: after a burst, its memory goes back */
  int timeout = ac__slab_recheck(s) ? AC__SLAB_RECHECK_MS : -1;
  pthread_mutex_lock(&s->idle_lock);
  __atomic_fetch_add(&s->nidle, 1, __ATOMIC_SEQ_CST);
  ac__fence();
  if (ac__sched_has_work(s) || __atomic_load_n(&s->shutdown, __ATOMIC_SEQ_CST)) {
    __atomic_fetch_sub(&s->nidle, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&s->idle_lock);
    return;
  }
  if (!s->driver_owned) {
    s->driver_owned = true;
    s->driver_parked = true;
    pthread_mutex_unlock(&s->idle_lock);
    __atomic_store_n(&d->parked, 1, __ATOMIC_SEQ_CST);
    ac__fence();
    if (!ac__sched_has_work(s) &&
        !__atomic_load_n(&s->shutdown, __ATOMIC_SEQ_CST))
      ac__driver_turn(d, timeout);
    __atomic_store_n(&d->parked, 0, __ATOMIC_SEQ_CST);
    ac__sched_flush_notify(s);
    pthread_mutex_lock(&s->idle_lock);
    s->driver_owned = false;
    s->driver_parked = false;
  } else {
    s->ncond++;
    if (timeout < 0) {
      pthread_cond_wait(&s->idle_cond, &s->idle_lock);
    } else {
      struct timespec until;
      clock_gettime(CLOCK_MONOTONIC, &until);
      until.tv_nsec += (long)timeout * 1000000;
      until.tv_sec += until.tv_nsec / 1000000000;
      until.tv_nsec %= 1000000000;
      pthread_cond_timedwait(&s->idle_cond, &s->idle_lock, &until);
    }
    s->ncond--;
  }
  __atomic_fetch_sub(&s->nidle, 1, __ATOMIC_SEQ_CST);
  pthread_mutex_unlock(&s->idle_lock);
  woken(s);
}

void ac__multi_notify(ac__sched_t *s) {
  if (__atomic_load_n(&s->nidle, __ATOMIC_SEQ_CST) == 0 ||
      __atomic_load_n(&s->waking, __ATOMIC_SEQ_CST) ||
      __atomic_exchange_n(&s->waking, 1, __ATOMIC_SEQ_CST))
    return;
  pthread_mutex_lock(&s->idle_lock);
  /* waking stays set only if a worker is certain to pass through woken()
   * after this: one on the condvar, or the driver owner parked in its
   * turn (the eventfd write brings it back).  nidle was read without the
   * lock, so the idle worker may be back by now, or was only passing
   * through park; the driver may be held by a running worker's maintain
   * turn; or its owner has not reached its turn yet (parked 0: it looks
   * at the queues after setting parked, so it sees this push, but if
   * another worker takes the task first it sleeps in the turn, and a
   * waking left set would keep every later notify from waking anyone). */
  bool sent = true;
  if (s->ncond)
    pthread_cond_signal(&s->idle_cond);
  else if (s->driver_parked &&
           __atomic_load_n(&s->driver->parked, __ATOMIC_SEQ_CST))
    ac__driver_unpark(s->driver);
  else
    sent = false;
  if (!sent)
    __atomic_store_n(&s->waking, 0, __ATOMIC_SEQ_CST);
  pthread_mutex_unlock(&s->idle_lock);
}

/* Every 61 polls: timers always, and a non-blocking driver turn when fds
 * are registered and nobody else holds the driver. */
void ac__multi_maintain(ac__worker_t *w) {
  ac__sched_t *s = w->sched;
  ac__driver_t *d = s->driver;
  if (!__atomic_load_n(&d->nfds, __ATOMIC_RELAXED)) {
    if (ac__timers_count(&d->timers))
      ac__timers_fire(&d->timers, NULL, AC__FIRE_BUSY);
    return;
  }
  pthread_mutex_lock(&s->idle_lock);
  bool mine = !s->driver_owned;
  s->driver_owned = true;
  pthread_mutex_unlock(&s->idle_lock);
  if (!mine)
    return;
  ac__driver_turn(d, 0);
  pthread_mutex_lock(&s->idle_lock);
  s->driver_owned = false;
  pthread_mutex_unlock(&s->idle_lock);
}

static void *worker_main(void *arg) {
  ac__worker_t *w = arg;
  ac__sched_t *s = w->sched;
  ac__tls.sched = s;
  ac__tls.worker = w;
  while (!__atomic_load_n(&s->shutdown, __ATOMIC_ACQUIRE))
    if (!ac__sched_run(w))
      park(w);
  ac__tls.sched = NULL;
  ac__tls.worker = NULL;
  return NULL;
}

int ac__multi_start(ac__sched_t *s) {
  for (uint32_t i = 0; i < s->nworkers; i++) {
    int rc = pthread_create(&s->workers[i].thread, NULL, worker_main,
                            &s->workers[i]);
    if (rc != 0) {
      s->nworkers_started = i;
      ac__multi_stop(s);
      return -rc;
    }
  }
  s->nworkers_started = s->nworkers;
  return 0;
}

void ac__multi_stop(ac__sched_t *s) {
  __atomic_store_n(&s->shutdown, 1, __ATOMIC_SEQ_CST);
  pthread_mutex_lock(&s->idle_lock);
  pthread_cond_broadcast(&s->idle_cond);
  pthread_mutex_unlock(&s->idle_lock);
  __atomic_store_n(&s->driver->parked, 1, __ATOMIC_SEQ_CST);
  ac__driver_unpark(s->driver);
  for (uint32_t i = 0; i < s->nworkers_started; i++)
    pthread_join(s->workers[i].thread, NULL);
  s->nworkers_started = 0;
}

void ac__multi_block_on(ac_runtime_t *rt, ac_join_t *j, void *out,
                        const ac_waker_t *main_waker) {
  ac_context_t cx = {main_waker};
  for (;;) {
    uint32_t seen = __atomic_load_n(&rt->main_seq, __ATOMIC_ACQUIRE);
    if (ac_join_poll(j, &cx, out) == AC_POLL_READY)
      return;
    pthread_mutex_lock(&rt->main_lock);
    while (__atomic_load_n(&rt->main_seq, __ATOMIC_ACQUIRE) == seen)
      pthread_cond_wait(&rt->main_cond, &rt->main_lock);
    pthread_mutex_unlock(&rt->main_lock);
  }
}
