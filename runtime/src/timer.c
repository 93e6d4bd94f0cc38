/*
 * timer.c: the runtime clock, the timer heap and the sleep future.
 *
 * The entry of a sleep is the sleep itself (ac_sleep_t, inline in the
 * frame that awaits it); the heap holds pointers to entries, and each entry
 * keeps its heap slot, so insert and cancel are O(log n) and a sleep in a
 * task costs no allocation (24 bytes: the deadline, the slot, a word for
 * its state and waker, its heap's id; see below).  Users speak ms; inside, deadlines are ns of the
 * monotonic clock, so a sleep is never early: it fires once the clock has
 * passed start + the whole duration (a ms clock that rounds down fired
 * 40% of sleeps up to 1 ms early).  Arithmetic on deadlines saturates: a
 * sleep of UINT64_MAX ms never fires instead of wrapping into the past.  A
 * test can pause the clock and move it by hand.  One mutex guards the heap
 * and every registered entry's word; its state bits are also read without
 * it, to let a fired sleep complete without taking the lock.  Due entries
 * fire a batch at a time (ac__timers_fire's bound), so a burst does not
 * queue every woken task at once.
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

static uint32_t reg_add(ac__timers_t *t);
static void reg_remove(uint32_t id);

int ac__timers_init(ac__timers_t *t) {
  t->heap = NULL;
  t->len = t->cap = 0;
  t->paused = 0;
  t->paused_now = 0;
  t->start_ns = mono_ns();
  if (pthread_mutex_init(&t->lock, NULL))
    return -ENOMEM;
  if (!(t->id = reg_add(t))) {
    pthread_mutex_destroy(&t->lock);
    return -ENOMEM;
  }
  return 0;
}

void ac__timers_destroy(ac__timers_t *t) {
  reg_remove(t->id);
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
  ac__timers_fire(t, NULL, 0);
}

size_t ac__timers_count(ac__timers_t *t) {
  return __atomic_load_n(&t->len, __ATOMIC_RELAXED) +
         __atomic_load_n(&t->nspare, __ATOMIC_RELAXED);
}

/* ==== a registered sleep's heap: the registry ====
 *
 * A sleep names its runtime's heap by a 32-bit id instead of a pointer
 * (with its state and waker in one word, below, that keeps ac_sleep_t at
 * 24 bytes: W4's sleeping task, header and frame, fits 64).  Ids are
 * handed out at ac__timers_init and taken back at destroy, when no sleep
 * is registered any more; the table grows in blocks that stay, so a
 * lookup takes no lock.
 */
#define REG_BLOCK 256u
#define REG_BLOCKS 256u /* ids 1 .. 65,535: runtimes alive at once */
static struct {
  ac__spin_t lock;
  ac__timers_t **block[REG_BLOCKS]; /* atomic: published once */
  uint32_t next;                    /* ids below were handed out */
  uint32_t hint;                    /* no id below it is free */
} reg = {{0}, {NULL}, 1, 1};

static ac__timers_t **reg_slot(uint32_t id) {
  ac__timers_t **b =
      __atomic_load_n(&reg.block[id / REG_BLOCK], __ATOMIC_ACQUIRE);
  return &b[id % REG_BLOCK];
}

static ac__timers_t *timers_by_id(uint32_t id) {
  return __atomic_load_n(reg_slot(id), __ATOMIC_ACQUIRE);
}

/* An id for t, or 0 if none is left (or no memory for a block). */
static uint32_t reg_add(ac__timers_t *t) {
  ac__spin_lock(&reg.lock);
  uint32_t id = reg.hint;
  while (id < reg.next && timers_by_id(id))
    id++;
  if (id == reg.next) {
    if (id == REG_BLOCK * REG_BLOCKS) {
      ac__spin_unlock(&reg.lock);
      return 0;
    }
    if (!reg.block[id / REG_BLOCK]) {
      ac__timers_t **b = calloc(REG_BLOCK, sizeof *b);
      if (!b) {
        ac__spin_unlock(&reg.lock);
        return 0;
      }
      __atomic_store_n(&reg.block[id / REG_BLOCK], b, __ATOMIC_RELEASE);
    }
    reg.next++;
  }
  __atomic_store_n(reg_slot(id), t, __ATOMIC_RELEASE);
  reg.hint = id + 1;
  ac__spin_unlock(&reg.lock);
  return id;
}

static void reg_remove(uint32_t id) {
  ac__spin_lock(&reg.lock);
  __atomic_store_n(reg_slot(id), NULL, __ATOMIC_RELEASE);
  if (id < reg.hint)
    reg.hint = id;
  ac__spin_unlock(&reg.lock);
}

/* ==== a sleep's state and waker: one word ====
 *
 * Bits 1-3 hold the state (SLEEP_*), read without the lock; the rest is
 * the waker.  A task waker's clone is the task (its data, 16-aligned
 * unless the task is in the 24-byte class, which holds no sleep): the
 * word is that pointer.  Any other waker (a hand-made context, a
 * combinator's own) is boxed on the heap, bit 0 set: nearly every sleep
 * is polled by its task, and only the others pay a malloc.  While the
 * sleep is registered the word changes only under its heap's lock;
 * before, only its owner writes it.
 */
#define BOXED ((uintptr_t)1)
#define ST_SHIFT 1
#define ST_MASK ((uintptr_t)0xe)
#define PTR_MASK (~(uintptr_t)0xf)

static uint32_t state_of(uintptr_t w) {
  return (uint32_t)((w & ST_MASK) >> ST_SHIFT);
}
static uint32_t sleep_state(const ac_sleep_t *s) {
  return state_of(__atomic_load_n(&s->word, __ATOMIC_ACQUIRE));
}
static void word_set(ac_sleep_t *s, uintptr_t w) {
  __atomic_store_n(&s->word, w, __ATOMIC_RELEASE);
}
static uintptr_t st_bits(uint32_t st) { return (uintptr_t)st << ST_SHIFT; }

/* A clone of cx's waker as a word (no state bits); 0 without memory. */
static uintptr_t waker_word(const ac_context_t *cx) {
  const ac_waker_t *w = cx->waker;
  if (w->vtable == &ac__task_waker_vtable &&
      !((uintptr_t)w->data & ~PTR_MASK))
    return (uintptr_t)ac_waker_clone(w).data;
  ac_waker_t *b = malloc(sizeof *b);
  if (!b)
    return 0;
  *b = ac_waker_clone(w);
  return (uintptr_t)b | BOXED;
}

static bool word_wakes(uintptr_t word, const ac_waker_t *w) {
  if (word & BOXED)
    return ac_waker_will_wake((ac_waker_t *)(word & PTR_MASK), w);
  return w->vtable == &ac__task_waker_vtable &&
         w->data == (void *)(word & PTR_MASK);
}

/* The waker a word holds ({NULL} if none), its box freed. */
static ac_waker_t word_waker(uintptr_t word) {
  void *p = (void *)(word & PTR_MASK);
  if (!p)
    return (ac_waker_t){NULL, NULL};
  if (!(word & BOXED))
    return (ac_waker_t){&ac__task_waker_vtable, p};
  ac_waker_t w = *(ac_waker_t *)p;
  free(p);
  return w;
}

/* Under the heap's lock: the sleep is DONE, and its waker (a reference
 * the caller now owns) comes out. */
static ac_waker_t take_done(ac_sleep_t *s) {
  uintptr_t w = s->word;
  word_set(s, st_bits(SLEEP_DONE));
  return word_waker(w);
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
      wake[(*n)++] = take_done(e);
      continue;
    }
    if (e->deadline < next)
      next = e->deadline;
    i++;
  }
  return next;
}

/* Fires due entries, waking outside the lock in batches of BATCH, at
 * least `max` of them if that many are due (0: all); *fired (may be NULL)
 * counts them.  Returns the ns until the next deadline, 0 if more may be
 * due now, or -1.  The bound keeps a burst of due timers from queueing
 * every woken task at once: a million sleepers waking together put a
 * million entries on the run queue while the heap still held theirs (W4's
 * peak), where now the run loop runs each batch before the next fires. */
int64_t ac__timers_fire(ac__timers_t *t, int *fired, int max) {
  enum { BATCH = 64 };
  ac_waker_t wake[BATCH];
  /* No timers: no lock, no clock read.  A timer added meanwhile unparks
   * the driver (ac__driver_timer_added). */
  if (!ac__timers_count(t))
    return -1;
  for (int total = 0;;) {
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
      wake[n++] = take_done(e);
    }
    pthread_mutex_unlock(&t->lock);
    for (int i = 0; i < n; i++)
      ac_waker_wake(wake[i]);
    if (fired)
      *fired += n;
    total += n;
    if (n == BATCH && max > 0 && total >= max)
      return 0;
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

_Static_assert(sizeof(ac_sleep_t) == 24, "a sleep is 24 bytes (W4)");

ac_sleep_t ac_sleep_ms(uint64_t ms) {
  return (ac_sleep_t){ms, st_bits(SLEEP_NEW), 0, 0};
}

ac_sleep_t ac_sleep_until(uint64_t deadline_ms) {
  return (ac_sleep_t){deadline_ms, st_bits(SLEEP_NEW_ABS), 0, 0};
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

/* Out of memory (a heap slot, a spare slot, a waker's box): try again in a
 * while, without spinning a core (the deadline stays where it was). */
static ac_poll_t retry_later(ac_context_t *cx) {
  struct timespec pause = {0, 1000000};
  nanosleep(&pause, NULL);
  ac_waker_wake_by_ref(cx->waker);
  return AC_POLL_PENDING;
}

static ac_poll_t sleep_register(ac_sleep_t *s, ac_context_t *cx,
                                uint32_t st) {
  ac__sched_t *sched = ac__tls.sched;
  if (!sched) /* no runtime to wait in: behave as an expired sleep */
    return AC_POLL_READY;
  ac__driver_t *d = sched->driver;
  ac__timers_t *t = &d->timers;
  pthread_mutex_lock(&t->lock);
  uint64_t now = ac__timers_now(t);
  /* Absolute and in ns before anything can fail: a retry must not add
   * the duration again. */
  if (st == SLEEP_NEW)
    s->deadline = sat_add(now, ms_to_ns(s->deadline));
  else if (st == SLEEP_NEW_ABS)
    s->deadline = ms_to_ns(s->deadline);
  word_set(s, st_bits(SLEEP_UNQUEUED));
  if (due(s->deadline, now)) {
    pthread_mutex_unlock(&t->lock);
    word_set(s, st_bits(SLEEP_DONE));
    return AC_POLL_READY;
  }
  uintptr_t w = waker_word(cx);
  if (AC_UNLIKELY(!w)) {
    pthread_mutex_unlock(&t->lock);
    return retry_later(cx);
  }
  s->timers_id = t->id;
  st = SLEEP_REGISTERED;
  if (AC_UNLIKELY(heap_push(t, s) != 0)) {
    st = SLEEP_SPARE;
    if (!spare_push(t, s)) {
      pthread_mutex_unlock(&t->lock);
      ac_waker_drop(word_waker(w));
      return retry_later(cx);
    }
  }
  word_set(s, w | st_bits(st));
  bool first = st == SLEEP_SPARE || t->heap[0] == s;
  uint64_t deadline = s->deadline;
  pthread_mutex_unlock(&t->lock);
  if (first)
    ac__driver_timer_added(d, deadline);
  return AC_POLL_PENDING;
}

ac_poll_t ac_sleep_poll(ac_sleep_t *s, ac_context_t *cx, void *out) {
  (void)out;
  uint32_t st = sleep_state(s);
  if (st == SLEEP_DONE)
    return AC_POLL_READY;
  if (st != SLEEP_REGISTERED && st != SLEEP_SPARE)
    return sleep_register(s, cx, st);
  /* Registered: its heap's runtime is alive (a runtime drops every task,
   * and so every sleep, before its heap goes). */
  ac__timers_t *t = timers_by_id(s->timers_id);
  pthread_mutex_lock(&t->lock);
  uintptr_t w = s->word;
  if (state_of(w) == SLEEP_DONE) {
    pthread_mutex_unlock(&t->lock);
    return AC_POLL_READY;
  }
  if (word_wakes(w, cx->waker)) {
    pthread_mutex_unlock(&t->lock);
    return AC_POLL_PENDING;
  }
  /* Polled with another waker now: a clone of it replaces the old. */
  uintptr_t nw = waker_word(cx);
  if (AC_UNLIKELY(!nw)) {
    pthread_mutex_unlock(&t->lock);
    return retry_later(cx);
  }
  word_set(s, nw | (w & ST_MASK));
  pthread_mutex_unlock(&t->lock);
  ac_waker_drop(word_waker(w));
  return AC_POLL_PENDING;
}

void ac_sleep_drop(ac_sleep_t *s) {
  uint32_t st = sleep_state(s);
  if (st != SLEEP_REGISTERED && st != SLEEP_SPARE)
    return;
  ac__timers_t *t = timers_by_id(s->timers_id);
  ac_waker_t w = {NULL, NULL};
  pthread_mutex_lock(&t->lock);
  st = state_of(s->word);
  if (st == SLEEP_REGISTERED || st == SLEEP_SPARE) {
    if (st == SLEEP_REGISTERED)
      heap_remove(t, s);
    else
      spare_remove(t, s);
    w = take_done(s);
  }
  pthread_mutex_unlock(&t->lock);
  if (w.vtable)
    ac_waker_drop(w);
}

const ac_future_vtable_t ac_sleep_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_sleep_poll,
    (void (*)(void *))ac_sleep_drop, sizeof(ac_sleep_t), _Alignof(ac_sleep_t),
    0, "ac_sleep"};
