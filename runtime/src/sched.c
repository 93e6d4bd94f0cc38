/*
 * sched.c: what both executors share: where a woken task goes, how a worker
 * picks the next one, and the registry of live tasks.
 *
 * A wake on a worker of the task's runtime pushes onto that worker's queue
 * (no lock in the current-thread flavor, whose queue nobody else touches);
 * any other wake goes through the locked inject queue and unparks someone.
 * A worker takes from its own queue, then the inject queue, then steals
 * half of another worker's queue.  Every 61 polls it looks at the inject
 * queue first and gives the driver a non-blocking turn, so neither remote
 * tasks nor I/O starve behind a busy local queue (tokio's interval).
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_INTERVAL 61
#define REG_SHARD_SHIFT 24
#define REG_INDEX_MASK ((1u << REG_SHARD_SHIFT) - 1)

__thread ac__tls_t ac__tls;

int ac__sched_init(ac__sched_t *s, ac_rt_flavor_t flavor, uint32_t n) {
  memset(s, 0, sizeof *s);
  s->flavor = flavor;
  s->nworkers = n;
  s->locked_queues = n > 1;
  s->workers = calloc(n, sizeof *s->workers);
  s->shards = calloc(n, sizeof *s->shards);
  if (!s->workers || !s->shards || ac__runq_init(&s->inject) != 0)
    goto fail;
  for (uint32_t i = 0; i < n; i++) {
    ac__worker_t *w = &s->workers[i];
    w->sched = s;
    w->index = i;
    w->rng = 0x9e3779b9u * (i + 1);
    if (ac__runq_init(&w->q) != 0)
      goto fail;
  }
  pthread_mutex_init(&s->idle_lock, NULL);
  pthread_cond_init(&s->idle_cond, NULL);
  return 0;
fail:
  ac__sched_destroy(s);
  return -ENOMEM;
}

void ac__sched_destroy(ac__sched_t *s) {
  for (uint32_t i = 0; s->workers && i < s->nworkers; i++)
    ac__runq_free(&s->workers[i].q);
  for (uint32_t i = 0; s->shards && i < s->nworkers; i++) {
    free(s->shards[i].tasks);
    free(s->shards[i].free);
  }
  ac__runq_free(&s->inject);
  free(s->workers);
  free(s->shards);
  s->workers = NULL;
  s->shards = NULL;
}

static ac__worker_t *local_worker(ac__sched_t *s) {
  ac__worker_t *w = ac__tls.worker;
  return w && w->sched == s ? w : NULL;
}

static void push_local(ac__worker_t *w, uintptr_t e) {
  ac__sched_t *s = w->sched;
  if (s->locked_queues)
    ac__spin_lock(&w->q.lock);
  int rc = ac__runq_push(&w->q, e);
  if (s->locked_queues)
    ac__spin_unlock(&w->q.lock);
  if (rc != 0)
    abort(); /* out of memory with a runnable task in hand */
}

static void push_inject(ac__sched_t *s, uintptr_t e) {
  ac__spin_lock(&s->inject.lock);
  if (__atomic_load_n(&s->closed, __ATOMIC_ACQUIRE)) {
    ac__spin_unlock(&s->inject.lock);
    ac__task_unref((ac_task_t *)(e & ~(uintptr_t)1));
    return;
  }
  int rc = ac__runq_push(&s->inject, e);
  ac__spin_unlock(&s->inject.lock);
  if (rc != 0)
    abort();
  ac__fence();
  if (s->flavor == AC_RT_CURRENT_THREAD)
    ac__driver_unpark(s->driver);
  else
    ac__multi_notify(s);
}

void ac__sched_schedule(ac__sched_t *s, ac_task_t *t) {
  ac__worker_t *w = local_worker(s);
  if (!w) {
    push_inject(s, (uintptr_t)t);
    return;
  }
  /* A task woken into an empty queue runs next here anyway: waking an
   * idle worker to steal it would only bounce it between threads (the
   * ping-pong of W3 went from ~0.7 us to ~8 us a trip that way).  Only
   * work beyond the next task is worth a notify. */
  uint32_t before = ac__runq_len(&w->q);
  push_local(w, (uintptr_t)t);
  if (s->locked_queues && before > 0) {
    ac__fence();
    ac__multi_notify(s);
  }
}

static uintptr_t pop_locked(ac__runq_t *q) {
  if (ac__runq_len(q) == 0)
    return 0;
  ac__spin_lock(&q->lock);
  uintptr_t e = ac__runq_pop(q);
  ac__spin_unlock(&q->lock);
  return e;
}

static uintptr_t pop_local(ac__worker_t *w) {
  return w->sched->locked_queues ? pop_locked(&w->q) : ac__runq_pop(&w->q);
}

static uintptr_t steal(ac__worker_t *w) {
  ac__sched_t *s = w->sched;
  w->rng = w->rng * 1103515245u + 12345u;
  uint32_t start = (w->rng >> 16) % s->nworkers;
  for (uint32_t i = 0; i < s->nworkers; i++) {
    ac__worker_t *v = &s->workers[(start + i) % s->nworkers];
    if (v == w)
      continue;
    uintptr_t e = ac__runq_steal(&w->q, &v->q);
    if (e)
      return e;
  }
  return 0;
}

static void maintain(ac__worker_t *w) {
  ac__sched_t *s = w->sched;
  if (s->flavor == AC_RT_CURRENT_THREAD) {
    ac__driver_t *d = s->driver;
    /* Without fds, only timers need a look: skip the system call. */
    if (__atomic_load_n(&d->nfds, __ATOMIC_RELAXED))
      ac__driver_turn(d, 0);
    else if (ac__timers_count(&d->timers))
      ac__timers_fire(&d->timers, NULL);
  } else {
    ac__multi_maintain(w);
  }
}

/* Runs one task; false if none could be found anywhere. */
bool ac__sched_run_one(ac__worker_t *w) {
  ac__sched_t *s = w->sched;
  uintptr_t e = 0;
  if (AC_UNLIKELY(++w->tick % CHECK_INTERVAL == 0)) {
    maintain(w);
    e = pop_locked(&s->inject);
  }
  if (!e)
    e = pop_local(w);
  if (!e)
    e = pop_locked(&s->inject);
  if (!e && s->nworkers > 1)
    e = steal(w);
  if (!e)
    return false;
  ac_task_t *t = (ac_task_t *)(e & ~(uintptr_t)1);
  if (ac__task_run(t, e & 1))
    push_local(w, (uintptr_t)t | 1); /* still RUNNING: tag the entry */
  return true;
}

/* A task that woke itself may be polled again at once if nothing else is
 * runnable here; the tick still paces the inject and driver checks. */
bool ac__sched_may_repoll(ac_task_t *t) {
  ac__worker_t *w = ac__tls.worker;
  if (!w || w->sched != t->sched)
    return false;
  return !ac__runq_len(&w->q) && !ac__runq_len(&t->sched->inject) &&
         AC_LIKELY(++w->tick % CHECK_INTERVAL != 0);
}

bool ac__sched_has_work(ac__sched_t *s) {
  if (ac__runq_len(&s->inject))
    return true;
  for (uint32_t i = 0; i < s->nworkers; i++)
    if (ac__runq_len(&s->workers[i].q))
      return true;
  return false;
}

static void drain_queue(ac__runq_t *q) {
  for (;;) {
    ac__spin_lock(&q->lock);
    uintptr_t e = ac__runq_pop(q);
    ac__spin_unlock(&q->lock);
    if (!e)
      return;
    ac__task_unref((ac_task_t *)(e & ~(uintptr_t)1));
  }
}

/* Shutdown: releases the references held by queued entries. */
void ac__sched_drain(ac__sched_t *s) {
  for (uint32_t i = 0; i < s->nworkers; i++)
    drain_queue(&s->workers[i].q);
  drain_queue(&s->inject);
}

/* ==== registry ==== */

static int shard_grow(ac__shard_t *sh) {
  uint32_t cap = sh->cap ? 2 * sh->cap : 64;
  if (cap > REG_INDEX_MASK + 1u)
    return -ENOMEM;
  ac_task_t **nt = realloc(sh->tasks, cap * sizeof *nt);
  if (!nt)
    return -ENOMEM;
  sh->tasks = nt;
  uint32_t *nf = realloc(sh->free, cap * sizeof *nf);
  if (!nf)
    return -ENOMEM;
  sh->free = nf;
  sh->cap = cap;
  return 0;
}

int ac__registry_add(ac__sched_t *s, ac_task_t *t) {
  ac__worker_t *w = local_worker(s);
  uint32_t shard = w ? w->index : 0;
  ac__shard_t *sh = &s->shards[shard];
  int rc = 0;
  ac__spin_lock(&sh->lock);
  uint32_t i;
  if (sh->nfree) {
    i = sh->free[--sh->nfree];
  } else if (sh->len < sh->cap || (rc = shard_grow(sh)) == 0) {
    i = sh->len++;
  }
  if (rc == 0) {
    sh->tasks[i] = t;
    t->reg = shard << REG_SHARD_SHIFT | i;
  }
  ac__spin_unlock(&sh->lock);
  return rc;
}

void ac__registry_remove(ac__sched_t *s, ac_task_t *t) {
  ac__shard_t *sh = &s->shards[t->reg >> REG_SHARD_SHIFT];
  uint32_t i = t->reg & REG_INDEX_MASK;
  ac__spin_lock(&sh->lock);
  sh->tasks[i] = NULL;
  sh->free[sh->nfree++] = i;
  ac__spin_unlock(&sh->lock);
}

size_t ac__registry_count(ac__sched_t *s) {
  size_t n = 0;
  for (uint32_t i = 0; i < s->nworkers; i++) {
    ac__spin_lock(&s->shards[i].lock);
    n += s->shards[i].len - s->shards[i].nfree;
    ac__spin_unlock(&s->shards[i].lock);
  }
  return n;
}

/* Drops every task still registered (workers stopped).  A drop may wake or
 * free other tasks, so take one at a time and re-read the shard. */
void ac__sched_shutdown_tasks(ac__sched_t *s) {
  for (uint32_t i = 0; i < s->nworkers; i++) {
    ac__shard_t *sh = &s->shards[i];
    for (uint32_t k = 0;; k++) {
      ac__spin_lock(&sh->lock);
      ac_task_t *t = k < sh->len ? sh->tasks[k] : NULL;
      bool end = k >= sh->len;
      ac__spin_unlock(&sh->lock);
      if (end)
        break;
      if (t)
        ac__task_shutdown(t);
    }
  }
}
