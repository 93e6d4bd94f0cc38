/*
 * timer.c: the runtime clock, the timer heap and the sleep future.
 *
 * The entry of a sleep is the sleep itself (ac_sleep_t, inline in the
 * frame that awaits it); the heap holds pointers to entries, and each entry
 * keeps its heap slot, so insert and cancel are O(log n) and a sleep costs
 * no allocation.  Users speak ms; inside, deadlines are ns of the
 * monotonic clock, so a sleep is never early: it fires once the clock has
 * passed start + the whole duration (a ms clock that rounds down fired
 * 40% of sleeps up to 1 ms early).  Arithmetic on deadlines saturates: a
 * sleep of UINT64_MAX ms never fires instead of wrapping into the past.  A
 * test can pause the clock and move it by hand.  One mutex guards the heap
 * and every registered entry's waker; `state` is also read without it, to
 * let a fired sleep complete without taking the lock.
 *
 * The heap is an array that grows; when it cannot, the entry goes to a
 * few spare slots kept in ac__timers_t (fired by the same code), and only
 * if those are full too does the sleep poll again, after a pause of its
 * thread: no drift (the deadline was made absolute first), no busy loop.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

enum {
  SLEEP_NEW = 0,        /* deadline holds a duration in ms */
  SLEEP_NEW_ABS = 1,    /* deadline holds an absolute time in ms */
  SLEEP_REGISTERED = 2, /* in the heap, waker stored; deadline in ns */
  SLEEP_DONE = 3,       /* fired, or dropped: not in the heap */
  SLEEP_UNQUEUED = 4,   /* deadline in ns, not registered: no memory */
  SLEEP_SPARE = 5,      /* in a spare slot, waker stored */
};

#define NS_PER_MS 1000000u

static uint64_t sat_add(uint64_t a, uint64_t b) {
  uint64_t r;
  return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* UINT64_MAX is "never": a saturated deadline stays in the future even
 * for a paused clock advanced past the end of time. */
static bool due(uint64_t deadline, uint64_t now) {
  return deadline <= now && deadline != UINT64_MAX;
}

static uint64_t ms_to_ns(uint64_t ms) {
  uint64_t r;
  return __builtin_mul_overflow(ms, NS_PER_MS, &r) ? UINT64_MAX : r;
}

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int ac__timers_init(ac__timers_t *t) {
  t->heap = NULL;
  t->len = t->cap = 0;
  t->paused = 0;
  t->paused_now = 0;
  t->start_ns = mono_ns();
  return pthread_mutex_init(&t->lock, NULL) ? -ENOMEM : 0;
}

void ac__timers_destroy(ac__timers_t *t) {
  ac__big_free(t->heap, t->cap * sizeof *t->heap);
  pthread_mutex_destroy(&t->lock);
}

uint64_t ac__timers_now(ac__timers_t *t) {
  if (__atomic_load_n(&t->paused, __ATOMIC_ACQUIRE))
    return __atomic_load_n(&t->paused_now, __ATOMIC_ACQUIRE);
  return mono_ns() - t->start_ns;
}

void ac__timers_pause(ac__timers_t *t) {
  __atomic_store_n(&t->paused_now, ac__timers_now(t), __ATOMIC_RELEASE);
  __atomic_store_n(&t->paused, 1, __ATOMIC_RELEASE);
}

void ac__timers_advance(ac__timers_t *t, uint64_t ms) {
  uint64_t now = __atomic_load_n(&t->paused_now, __ATOMIC_ACQUIRE);
  while (!__atomic_compare_exchange_n(&t->paused_now, &now,
                                      sat_add(now, ms_to_ns(ms)), true,
                                      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    ;
  ac__timers_fire(t, NULL);
}

size_t ac__timers_count(ac__timers_t *t) {
  return __atomic_load_n(&t->len, __ATOMIC_RELAXED) +
         __atomic_load_n(&t->nspare, __ATOMIC_RELAXED);
}

/* ==== the heap (1-based slots in heap_idx, 0-based array) ==== */

static void place(ac__timers_t *t, uint32_t i, ac_sleep_t *e) {
  t->heap[i] = e;
  e->heap_idx = i + 1;
}

static void sift_up(ac__timers_t *t, uint32_t i) {
  ac_sleep_t *e = t->heap[i];
  while (i > 0) {
    uint32_t p = (i - 1) / 2;
    if (t->heap[p]->deadline <= e->deadline)
      break;
    place(t, i, t->heap[p]);
    i = p;
  }
  place(t, i, e);
}

static void sift_down(ac__timers_t *t, uint32_t i) {
  ac_sleep_t *e = t->heap[i];
  for (;;) {
    uint32_t c = 2 * i + 1;
    if (c >= t->len)
      break;
    if (c + 1 < t->len && t->heap[c + 1]->deadline < t->heap[c]->deadline)
      c++;
    if (e->deadline <= t->heap[c]->deadline)
      break;
    place(t, i, t->heap[c]);
    i = c;
  }
  place(t, i, e);
}

static int heap_push(ac__timers_t *t, ac_sleep_t *e) {
  if (t->len == t->cap) {
    if (t->cap > UINT32_MAX / 2)
      return -ENOMEM;
    uint32_t cap = t->cap ? 2 * t->cap : 64;
    ac_sleep_t **nh = ac__big_realloc(t->heap, t->cap * sizeof *nh,
                                      cap * sizeof *nh);
    if (!nh)
      return -ENOMEM;
    t->heap = nh;
    t->cap = cap;
  }
  t->heap[t->len] = e;
  __atomic_store_n(&t->len, t->len + 1, __ATOMIC_RELAXED);
  sift_up(t, t->len - 1);
  return 0;
}

/* A heap that held a burst of timers gives most of its array back once
 * a quarter of it is in use (a million sleepers left 8 MB behind). */
#define SHRINK_MIN 1024u
static void heap_shrink(ac__timers_t *t) {
  uint32_t cap = t->cap / 2;
  ac_sleep_t **nh = ac__big_realloc(t->heap, t->cap * sizeof *nh,
                                    cap * sizeof *nh);
  if (nh) { /* else keep the larger array: nothing is lost */
    t->heap = nh;
    t->cap = cap;
  }
}

static void heap_remove(ac__timers_t *t, ac_sleep_t *e) {
  uint32_t i = e->heap_idx - 1;
  ac_sleep_t *last = t->heap[t->len - 1];
  __atomic_store_n(&t->len, t->len - 1, __ATOMIC_RELAXED);
  e->heap_idx = 0;
  if (last != e) {
    place(t, i, last);
    sift_down(t, i);
    sift_up(t, last->heap_idx - 1);
  }
  if (AC_UNLIKELY(t->cap > SHRINK_MIN && t->len < t->cap / 4))
    heap_shrink(t);
}

/* ==== spare slots (the heap could not grow) ==== */

static void spare_remove(ac__timers_t *t, ac_sleep_t *e) {
  for (uint32_t i = 0; i < t->nspare; i++)
    if (t->spare[i] == e) {
      t->spare[i] = t->spare[t->nspare - 1];
      __atomic_store_n(&t->nspare, t->nspare - 1, __ATOMIC_RELAXED);
      return;
    }
}

/* Under lock: moves spare entries into the heap while it has room, takes
 * the due ones out (into wake[]), and returns the earliest deadline left
 * among them (UINT64_MAX if none). */
static uint64_t spare_fire(ac__timers_t *t, uint64_t now, ac_waker_t *wake,
                           int *n, int max) {
  uint64_t next = UINT64_MAX;
  for (uint32_t i = 0; i < t->nspare && *n < max;) {
    ac_sleep_t *e = t->spare[i];
    if (due(e->deadline, now)) {
      spare_remove(t, e);
      wake[(*n)++] = ac__waker_take(&e->waker);
      __atomic_store_n(&e->state, SLEEP_DONE, __ATOMIC_RELEASE);
      continue;
    }
    if (e->deadline < next)
      next = e->deadline;
    i++;
  }
  return next;
}

/* Fires every due entry, waking outside the lock in batches; *fired (may
 * be NULL) counts them.  Returns the ns until the next deadline, or -1. */
int64_t ac__timers_fire(ac__timers_t *t, int *fired) {
  enum { BATCH = 64 };
  ac_waker_t wake[BATCH];
  /* No timers: no lock, no clock read.  A timer added meanwhile unparks
   * the driver (ac__driver_timer_added). */
  if (!ac__timers_count(t))
    return -1;
  for (;;) {
    int n = 0;
    uint64_t next = UINT64_MAX;
    pthread_mutex_lock(&t->lock);
    uint64_t now = ac__timers_now(t);
    if (AC_UNLIKELY(t->nspare))
      next = spare_fire(t, now, wake, &n, BATCH);
    while (t->len && n < BATCH) {
      ac_sleep_t *e = t->heap[0];
      if (!due(e->deadline, now)) {
        if (e->deadline < next)
          next = e->deadline;
        break;
      }
      heap_remove(t, e);
      wake[n++] = ac__waker_take(&e->waker);
      __atomic_store_n(&e->state, SLEEP_DONE, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&t->lock);
    for (int i = 0; i < n; i++)
      ac_waker_wake(wake[i]);
    if (fired)
      *fired += n;
    if (n < BATCH) {
      /* UINT64_MAX: a sleep that never fires waits like no timer */
      if (next == UINT64_MAX)
        return -1;
      uint64_t left = next > now ? next - now : 0;
      return left > INT64_MAX ? INT64_MAX : (int64_t)left;
    }
  }
}

/* ==== the sleep future ==== */

ac_sleep_t ac_sleep_ms(uint64_t ms) {
  return (ac_sleep_t){ms, NULL, {NULL, NULL}, 0, SLEEP_NEW};
}

ac_sleep_t ac_sleep_until(uint64_t deadline_ms) {
  return (ac_sleep_t){deadline_ms, NULL, {NULL, NULL}, 0, SLEEP_NEW_ABS};
}

/* Under lock: the entry could not join the heap.  A spare slot, or
 * false (the caller pauses and polls again). */
static bool spare_push(ac__timers_t *t, ac_sleep_t *s) {
  if (t->nspare == AC__TIMER_SPARE)
    return false;
  t->spare[t->nspare] = s;
  __atomic_store_n(&t->nspare, t->nspare + 1, __ATOMIC_RELAXED);
  return true;
}

static ac_poll_t sleep_register(ac_sleep_t *s, ac_context_t *cx) {
  ac__sched_t *sched = ac__tls.sched;
  if (!sched) /* no runtime to wait in: behave as an expired sleep */
    return AC_POLL_READY;
  ac__driver_t *d = sched->driver;
  ac__timers_t *t = &d->timers;
  pthread_mutex_lock(&t->lock);
  uint64_t now = ac__timers_now(t);
  /* Absolute and in ns before anything can fail: a retry must not add
   * the duration again. */
  if (s->state == SLEEP_NEW)
    s->deadline = sat_add(now, ms_to_ns(s->deadline));
  else if (s->state == SLEEP_NEW_ABS)
    s->deadline = ms_to_ns(s->deadline);
  s->state = SLEEP_UNQUEUED;
  if (due(s->deadline, now)) {
    pthread_mutex_unlock(&t->lock);
    s->state = SLEEP_DONE;
    return AC_POLL_READY;
  }
  s->timers = t;
  s->waker = ac_waker_clone(cx->waker);
  uint32_t st = SLEEP_REGISTERED;
  if (AC_UNLIKELY(heap_push(t, s) != 0)) {
    st = SLEEP_SPARE;
    if (!spare_push(t, s)) {
      ac_waker_drop(ac__waker_take(&s->waker));
      pthread_mutex_unlock(&t->lock);
      /* Out of memory and of spare slots: try again in a while, without
       * spinning a core (the deadline stays where it was). */
      struct timespec pause = {0, 1000000};
      nanosleep(&pause, NULL);
      ac_waker_wake_by_ref(cx->waker);
      return AC_POLL_PENDING;
    }
  }
  __atomic_store_n(&s->state, st, __ATOMIC_RELEASE);
  bool first = st == SLEEP_SPARE || t->heap[0] == s;
  uint64_t deadline = s->deadline;
  pthread_mutex_unlock(&t->lock);
  if (first)
    ac__driver_timer_added(d, deadline);
  return AC_POLL_PENDING;
}

ac_poll_t ac_sleep_poll(ac_sleep_t *s, ac_context_t *cx, void *out) {
  (void)out;
  uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
  if (st == SLEEP_DONE)
    return AC_POLL_READY;
  if (st != SLEEP_REGISTERED && st != SLEEP_SPARE)
    return sleep_register(s, cx);
  pthread_mutex_lock(&s->timers->lock);
  bool done = s->state == SLEEP_DONE;
  if (!done)
    ac__waker_store(&s->waker, cx);
  pthread_mutex_unlock(&s->timers->lock);
  return done ? AC_POLL_READY : AC_POLL_PENDING;
}

void ac_sleep_drop(ac_sleep_t *s) {
  uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
  if (st != SLEEP_REGISTERED && st != SLEEP_SPARE)
    return;
  ac_waker_t w = {NULL, NULL};
  pthread_mutex_lock(&s->timers->lock);
  if (s->state == SLEEP_REGISTERED || s->state == SLEEP_SPARE) {
    if (s->state == SLEEP_REGISTERED)
      heap_remove(s->timers, s);
    else
      spare_remove(s->timers, s);
    w = ac__waker_take(&s->waker);
    __atomic_store_n(&s->state, SLEEP_DONE, __ATOMIC_RELAXED);
  }
  pthread_mutex_unlock(&s->timers->lock);
  if (w.vtable)
    ac_waker_drop(w);
}

const ac_future_vtable_t ac_sleep_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_sleep_poll,
    (void (*)(void *))ac_sleep_drop, sizeof(ac_sleep_t), _Alignof(ac_sleep_t),
    0, "ac_sleep"};
