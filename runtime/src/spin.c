/*
 * spin.c: the contended path of the runtime's spinlock (internal.h).
 *
 * Spinning pays while the holder runs: the runtime's critical sections
 * end within a few hundred ns.  When the holder has been preempted (more
 * runnable threads than cores: a loaded machine, a program's own threads
 * beside the workers), spinning only keeps it off the core until the
 * scheduler's tick; multi-thread tests crawled on a shared 2-core
 * machine.  So a waiter spins SPINS times, then gives its core away with
 * sched_yield between looks.
 */
#include "internal.h"

#include <sched.h>

/* ~2-10 us of pause instructions, depending on the CPU's pause latency:
 * well past any critical section of a running holder. */
#define SPINS 128

void ac__spin_lock_slow(ac__spin_t *l) {
  unsigned spins = 0;
  do {
    while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
      if (spins < SPINS) {
        spins++;
        __builtin_ia32_pause();
      } else {
        sched_yield();
      }
    }
  } while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE));
}
