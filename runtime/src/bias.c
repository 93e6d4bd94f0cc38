/*
 * bias.c: the slow side of a biased lock (internal.h says the protocol):
 * taking the lock, claiming a fresh object for this thread, revoking
 * another thread's bias.
 */
#include "internal.h"

#include <linux/membarrier.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

__thread uint64_t ac__tid;

static uint64_t next_tid = 1; /* atomic */

/* membarrier: 0 not asked yet, 1 registered, 2 unavailable. */
static uint32_t mb_state; /* atomic */
/* Biases handed out and revoked, process-wide (rare events: atomic). */
static uint64_t nclaimed, nrevoked;

/* TSan cannot see the barrier the protocol rests on: no biases there. */
#ifdef AC__TSAN
static const bool under_tsan = true;
#else
static const bool under_tsan = false;
#endif

/* Below this many revocations the ratio is not looked at. */
#define REVOKE_FREE 64

__attribute__((noreturn, cold)) static void abort_no_barrier(void) {
  static const char msg[] = "acrt: membarrier failed after objects were "
                            "biased: a revocation cannot be made safe\n";
  ssize_t rc = write(2, msg, sizeof msg - 1);
  (void)rc;
  abort();
}

static bool membarrier_ready(void) {
  uint32_t st = __atomic_load_n(&mb_state, __ATOMIC_ACQUIRE);
  if (AC_LIKELY(st != 0))
    return st == 1;
  /* Registration is process-wide and idempotent: two threads racing here
   * both register, which is harmless. */
  long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  bool ok = q >= 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
            syscall(SYS_membarrier,
                    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  __atomic_store_n(&mb_state, ok ? 1 : 2, __ATOMIC_RELEASE);
  return ok;
}

/* A full barrier on every running thread of the process.  Registration
 * was done before any bias was handed out; should the kernel refuse the
 * barrier anyway (a child of fork whose registration did not follow),
 * register again and retry: the revocation must not go on without it. */
static void barrier_all(void) {
  while (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0,
                0) != 0)
      abort_no_barrier();
}

/* May this thread own an object it is the first to lock?  Workers only:
 * tasks are what uses an object over and over from one thread. */
static bool may_claim(void) {
  if (under_tsan || !ac__tls.worker)
    return false;
  uint64_t r = __atomic_load_n(&nrevoked, __ATOMIC_RELAXED);
  if (r >= REVOKE_FREE && r * 4 > __atomic_load_n(&nclaimed, __ATOMIC_RELAXED))
    return false;
  if (!membarrier_ready())
    return false;
  if (!ac__tid)
    ac__tid = __atomic_add_fetch(&next_tid, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&nclaimed, 1, __ATOMIC_RELAXED);
  return true;
}

/* Lock holds in a row that bias an unbiased object to their thread; each
 * revocation doubles the count for that object, up to the cap, so an
 * object that keeps changing threads pays its system calls ever more
 * rarely: the k-th after 256 * 2^k operations of one thread in a row. */
#define REBIAS_MIN 256u
#define REBIAS_MAX (1u << 24)

bool ac__bias_possible(void) { return !under_tsan && membarrier_ready(); }

/* Registration is cheap in a process of one thread (well under a
 * microsecond here) and slow in one of several: the kernel waits for every
 * CPU to pass a scheduling point (15 ms on a loaded 2-core machine).  Made
 * lazily, it came at the first bias, under the object's spinlock, while the
 * other workers spun on that lock: W3 multi-thread spent 4-5 ms of CPU and
 * 10-15 ms of its first 25 round trips there.  So a runtime registers when
 * it is made, before its workers start. */
void ac__bias_setup(void) { (void)membarrier_ready(); }

bool ac__bias_settled(void) {
  return __atomic_load_n(&mb_state, __ATOMIC_ACQUIRE) != 0;
}

void ac__bias_init(ac__bias_t *b) {
  __atomic_store_n(&b->owner, AC__BIAS_FRESH, __ATOMIC_RELAXED);
  __atomic_store_n(&b->busy, 0, __ATOMIC_RELAXED);
  b->streak = 0;
  b->need = REBIAS_MIN;
  b->last = 0;
}

/* Under the lock, unbiased: this thread's run of lock holds is long
 * enough.  Nobody works without the lock, so no barrier is needed. */
void ac__bias_rebias(ac__bias_t *b) {
  b->streak = 0;
  if (may_claim())
    __atomic_store_n(&b->owner, ac__tid, __ATOMIC_RELAXED);
}

/* Under the lock: the owner is another thread.  After the barrier the
 * owner's next look sees AC__BIAS_NONE and takes the lock (which we
 * hold), and an operation it is in the middle of shows in busy. */
__attribute__((noinline, cold)) static void revoke_bias(ac__bias_t *b) {
  __atomic_store_n(&b->owner, AC__BIAS_NONE, __ATOMIC_RELAXED);
  __atomic_add_fetch(&nrevoked, 1, __ATOMIC_RELAXED);
  b->streak = 0;
  b->last = 0;
  if (b->need < REBIAS_MAX)
    b->need *= 2;
  barrier_all();
  unsigned spins = 0;
  while (__atomic_load_n(&b->busy, __ATOMIC_ACQUIRE)) {
    if (spins < 128) { /* the owner may be preempted mid-operation */
      spins++;
      __builtin_ia32_pause();
    } else {
      sched_yield();
    }
  }
}

void ac__bias_lock_slow(ac__bias_t *b, ac__spin_t *l) {
  ac__spin_lock(l);
  ac__bias_locked(b);
}

void ac__bias_locked(ac__bias_t *b) {
  uint64_t o = __atomic_load_n(&b->owner, __ATOMIC_RELAXED);
  if (AC_LIKELY(o == AC__BIAS_NONE))
    return;
  if (o == AC__BIAS_FRESH) {
    /* Nobody works on it without the lock yet: no barrier needed. */
    __atomic_store_n(&b->owner, may_claim() ? ac__tid : AC__BIAS_NONE,
                     __ATOMIC_RELAXED);
    return;
  }
  if (o != ac__tid) /* the owner's thread never gets here but under lock */
    revoke_bias(b);
}
