/*
 * driver.c: the one place a worker blocks.  A turn fires the due timers,
 * waits in the reactor until the next deadline (or an unpark, or I/O), and
 * fires the timers again.  Whoever owns the driver sets `parked` before
 * checking for work one last time, and wakers write the eventfd only when
 * it is set, so a busy runtime makes no unpark system calls.
 */
#include "internal.h"

#include <stdint.h>
#include <unistd.h>

int ac__driver_init(ac__driver_t *d) {
  d->parked = 0;
  d->wait_deadline = UINT64_MAX;
  d->nfds = 0;
  d->to_free = NULL;
  pthread_mutex_init(&d->free_lock, NULL);
  if (ac__timers_init(&d->timers) != 0)
    return -1;
  if (ac__reactor_init(d) != 0) {
    ac__timers_destroy(&d->timers);
    return -1;
  }
  return 0;
}

void ac__driver_destroy(ac__driver_t *d) {
  ac__reactor_free_closed(d);
  ac__reactor_destroy(d);
  ac__timers_destroy(&d->timers);
  pthread_mutex_destroy(&d->free_lock);
}

void ac__driver_turn(ac__driver_t *d, int timeout_ms) {
  ac__reactor_free_closed(d);
  int fired = 0;
  int64_t next = ac__timers_fire(&d->timers, &fired, AC__FIRE_TURN);
  /* What just fired queued tasks that the caller's look for work could not
   * see: do not block now (valgrind's slow clock found this hang). */
  int64_t wait = timeout_ms < 0 ? -1 : (int64_t)timeout_ms * 1000000;
  if (fired)
    wait = 0;
  if (wait != 0 && next >= 0 && (wait < 0 || next < wait))
    wait = next;
  if (wait != 0) {
    /* A paused clock only moves by advance(), which unparks us. */
    if (__atomic_load_n(&d->timers.paused, __ATOMIC_ACQUIRE) && next >= 0)
      wait = -1;
    uint64_t now = ac__timers_now(&d->timers);
    uint64_t until = wait < 0 || (uint64_t)wait > UINT64_MAX - now
                         ? UINT64_MAX
                         : now + (uint64_t)wait;
    __atomic_store_n(&d->wait_deadline, until, __ATOMIC_SEQ_CST);
  }
  ac__reactor_wait(d, wait);
  __atomic_store_n(&d->wait_deadline, UINT64_MAX, __ATOMIC_RELAXED);
  ac__timers_fire(&d->timers, NULL, AC__FIRE_TURN);
}

void ac__driver_unpark(ac__driver_t *d) {
  if (!__atomic_load_n(&d->parked, __ATOMIC_SEQ_CST))
    return;
  uint64_t one = 1;
  ssize_t rc = write(d->evfd, &one, sizeof one);
  (void)rc; /* EAGAIN: the counter is already nonzero, which is enough */
}

void ac__driver_timer_added(ac__driver_t *d, uint64_t deadline) {
  ac__fence();
  if (deadline < __atomic_load_n(&d->wait_deadline, __ATOMIC_SEQ_CST))
    ac__driver_unpark(d);
}
