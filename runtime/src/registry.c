/*
 * registry.c: every live task of a runtime, so that shutdown can drop the
 * futures of tasks that never finish (a sleeping task, a task waiting on a
 * channel whose sender is another sleeping task).  Their wakers sit in
 * timers and channels that their own frames own, a cycle no reference
 * count can break.
 *
 * One shard per worker keeps spawns on different workers off each other's
 * lock.  A slot is freed in place and its index pushed on a free stack, so
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

int ac__registry_add(ac__sched_t *s, ac_task_t *t) {
  ac__worker_t *w = ac__tls.worker;
  uint32_t shard = w && w->sched == s ? w->index : 0;
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
