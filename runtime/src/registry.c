/*
 * registry.c: every live task of a runtime, so that shutdown can drop the
 * futures of tasks that never finish (a sleeping task, a task waiting on a
 * channel whose sender is another sleeping task).  Their wakers sit in
 * timers and channels that their own frames own, a cycle no reference
 * count can break.
 *
 * One shard per worker keeps spawns on different workers off each other's
 * lock, and one more takes spawns from other threads.  In the current-
 * thread flavor the worker's shard is touched by that one thread only
 * (spawns from a task, completions, shutdown after block_on), so it takes
 * no lock at all: two atomic operations less per task in W1.  A slot is freed in place and its index pushed on a free stack, so
 * removal never touches another task's header (swapping the last task into
 * the hole did: one more cache miss per completed task).
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

#define REG_SHARD_SHIFT 24
#define REG_INDEX_MASK ((1u << REG_SHARD_SHIFT) - 1)

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

static bool lockless(const ac__sched_t *s, uint32_t shard) {
  return s->flavor == AC_RT_CURRENT_THREAD && shard == 0;
}

static void lock(ac__sched_t *s, uint32_t shard) {
  if (!lockless(s, shard))
    ac__spin_lock(&s->shards[shard].lock);
}

static void unlock(ac__sched_t *s, uint32_t shard) {
  if (!lockless(s, shard))
    ac__spin_unlock(&s->shards[shard].lock);
}

/* len and nfree are also read by ac__registry_count from any thread. */
static void set(uint32_t *field, uint32_t v) {
  __atomic_store_n(field, v, __ATOMIC_RELAXED);
}

int ac__registry_add(ac__sched_t *s, ac_task_t *t) {
  ac__worker_t *w = ac__tls.worker;
  uint32_t shard = w && w->sched == s ? w->index : s->nworkers;
  ac__shard_t *sh = &s->shards[shard];
  int rc = 0;
  lock(s, shard);
  uint32_t i;
  if (sh->nfree) {
    i = sh->free[sh->nfree - 1];
    set(&sh->nfree, sh->nfree - 1);
  } else if (sh->len < sh->cap || (rc = shard_grow(sh)) == 0) {
    i = sh->len;
    set(&sh->len, sh->len + 1);
  }
  if (rc == 0) {
    sh->tasks[i] = t;
    t->reg = shard << REG_SHARD_SHIFT | i;
  }
  unlock(s, shard);
  return rc;
}

void ac__registry_remove(ac__sched_t *s, ac_task_t *t) {
  uint32_t shard = t->reg >> REG_SHARD_SHIFT;
  ac__shard_t *sh = &s->shards[shard];
  uint32_t i = t->reg & REG_INDEX_MASK;
  lock(s, shard);
  sh->tasks[i] = NULL;
  sh->free[sh->nfree] = i;
  set(&sh->nfree, sh->nfree + 1);
  unlock(s, shard);
}

size_t ac__registry_count(ac__sched_t *s) {
  size_t n = 0;
  for (uint32_t i = 0; i <= s->nworkers; i++) {
    ac__shard_t *sh = &s->shards[i];
    n += __atomic_load_n(&sh->len, __ATOMIC_RELAXED) -
         __atomic_load_n(&sh->nfree, __ATOMIC_RELAXED);
  }
  return n;
}

/* Drops every task still registered (workers stopped).  A drop may wake or
 * free other tasks, so take one at a time and re-read the shard. */
void ac__sched_shutdown_tasks(ac__sched_t *s) {
  for (uint32_t i = 0; i <= s->nworkers; i++) {
    ac__shard_t *sh = &s->shards[i];
    for (uint32_t k = 0;; k++) {
      lock(s, i);
      ac_task_t *t = k < sh->len ? sh->tasks[k] : NULL;
      bool end = k >= sh->len;
      unlock(s, i);
      if (end)
        break;
      if (t)
        ac__task_shutdown(t);
    }
  }
}
