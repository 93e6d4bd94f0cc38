/*
 * blocking.c: ac_spawn_blocking, a bounded pool of plain threads for calls
 * that block (a read of a regular file, getaddrinfo, a C library that
 * sleeps), so that they never hold up a worker.
 *
 * Each runtime gets its pool at the first ac_spawn_blocking.  A job is a
 * small heap object shared by the future that awaits it and the thread that
 * runs it; one mutex (the pool's) guards the queue and every job's state,
 * which costs nothing next to the thread handoff a job is anyway.  Threads
 * start when a job finds no idle one (up to `max`) and leave after
 * KEEPALIVE_MS without work.  They block every signal, so process-directed
 * signals are handled on the program's own threads.
 *
 * A running call cannot be stopped: a future dropped while its job runs
 * marks the job abandoned, and the thread discards the result (and calls
 * the job's release on its argument) when the call returns.  A job dropped
 * before it started leaves the queue and never runs.
 *
 * Shutdown (ac_runtime_shutdown) wakes the idle threads and waits for them
 * to leave; a thread still inside a call is not waited for: it finishes
 * the call, finds the pool closed and exits, and the last one out frees
 * the pool.  Nothing it touches belongs to the runtime.
 */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#define KEEPALIVE_MS 10000
#define DEFAULT_MAX 64

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct ac__job {
  ac_list_node_t node;  /* in the pool's queue while JOB_QUEUED */
  ac_blocking_fn_t *fn;
  void *arg;
  void (*release)(void *arg);
  long result;
  uint32_t state;
  bool abandoned;       /* the future is gone: the thread frees the job */
  ac_waker_t waker;     /* the awaiting task, under the pool lock */
};

struct ac__pool {
  pthread_mutex_t lock;
  pthread_cond_t work;  /* a job was queued, or the pool closed */
  pthread_cond_t gone;  /* an idle thread left (shutdown waits on it) */
  ac_list_node_t queue;
  uint32_t threads;     /* alive */
  uint32_t idle;        /* waiting for work */
  uint32_t wakeups;     /* signals sent to idle threads not yet taken */
  uint32_t max;
  uint32_t refs;        /* threads + 1 for the runtime; the last frees */
  bool closed;
};

static uint32_t pool_max(void) {
  const char *env = getenv("AC_BLOCKING_THREADS");
  long n = env && *env ? strtol(env, NULL, 10) : 0;
  return n > 0 && n <= 4096 ? (uint32_t)n : DEFAULT_MAX;
}

static struct ac__pool *pool_new(void) {
  struct ac__pool *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->work, &ca);
  pthread_cond_init(&p->gone, NULL);
  pthread_condattr_destroy(&ca);
  ac__list_init(&p->queue);
  p->max = pool_max();
  p->refs = 1;
  return p;
}

static void pool_free(struct ac__pool *p) {
  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->work);
  pthread_cond_destroy(&p->gone);
  free(p);
}

/* The runtime's pool, made on first use (two racing makers: one wins). */
static struct ac__pool *pool_of(ac_runtime_t *rt) {
  struct ac__pool *p = __atomic_load_n(&rt->pool, __ATOMIC_ACQUIRE);
  if (p || __atomic_load_n(&rt->is_shutdown, __ATOMIC_ACQUIRE))
    return p;
  struct ac__pool *fresh = pool_new();
  if (!fresh)
    return NULL;
  if (__atomic_compare_exchange_n(&rt->pool, &p, fresh, false,
                                  __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    return fresh;
  pool_free(fresh);
  return p;
}

/* Runs fn, then hands the result to the future or, if the future is gone,
 * discards it.  Called with the lock held; returns with it held. */
static void run_job(struct ac__pool *p, struct ac__job *j) {
  j->state = JOB_RUNNING;
  pthread_mutex_unlock(&p->lock);
  long r = j->fn(j->arg);
  pthread_mutex_lock(&p->lock);
  j->result = r;
  j->state = JOB_DONE;
  if (j->abandoned) {
    pthread_mutex_unlock(&p->lock);
    if (j->release)
      j->release(j->arg);
    free(j);
    pthread_mutex_lock(&p->lock);
  } else {
    /* Woken under the lock: a drop of the future (which takes the lock)
     * then cannot return, and the runtime be freed, before the wake is
     * over. */
    ac_waker_t w = ac__waker_take(&j->waker);
    if (w.vtable)
      ac_waker_wake(w);
  }
}

static void *thread_main(void *arg) {
  struct ac__pool *p = arg;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    if (!ac__list_empty(&p->queue)) {
      struct ac__job *j = ac__container_of(p->queue.next, struct ac__job, node);
      ac__list_remove(&j->node);
      run_job(p, j);
      continue;
    }
    if (p->closed)
      break;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += KEEPALIVE_MS / 1000;
    p->idle++;
    int rc = pthread_cond_timedwait(&p->work, &p->lock, &until);
    p->idle--;
    if (p->wakeups)
      p->wakeups--;
    else if (rc == ETIMEDOUT && ac__list_empty(&p->queue))
      break; /* idle too long */
  }
  p->threads--;
  bool last = --p->refs == 0;
  pthread_cond_broadcast(&p->gone);
  pthread_mutex_unlock(&p->lock);
  if (last)
    pool_free(p);
  return NULL;
}

/* Under lock: wakes an idle thread or starts one.  A job that finds the
 * pool at its bound waits in the queue for a thread to come free. */
static int dispatch(struct ac__pool *p) {
  if (p->idle > p->wakeups) {
    p->wakeups++;
    pthread_cond_signal(&p->work);
    return 0;
  }
  if (p->threads >= p->max)
    return 0;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old); /* the thread inherits it */
  pthread_t th;
  int rc = pthread_create(&th, &attr, thread_main, p);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (rc != 0)
    return p->threads ? 0 : -rc; /* a running thread will take it later */
  p->threads++;
  p->refs++;
  return 0;
}

void ac__blocking_shutdown(ac_runtime_t *rt) {
  struct ac__pool *p = __atomic_exchange_n(&rt->pool, NULL, __ATOMIC_ACQ_REL);
  if (!p)
    return;
  pthread_mutex_lock(&p->lock);
  p->closed = true;
  /* Tasks were dropped before this, and with them every queued job. */
  pthread_cond_broadcast(&p->work);
  while (p->idle)
    pthread_cond_wait(&p->gone, &p->lock);
  bool last = --p->refs == 0;
  pthread_mutex_unlock(&p->lock);
  if (last)
    pool_free(p);
}

ac_blocking_t ac_spawn_blocking(ac_blocking_fn_t *fn, void *arg) {
  return (ac_blocking_t){fn, arg, NULL, NULL, NULL};
}

ac_blocking_t ac_spawn_blocking_owned(ac_blocking_fn_t *fn, void *arg,
                                      void (*release)(void *arg)) {
  return (ac_blocking_t){fn, arg, release, NULL, NULL};
}

/* First poll: queue the job.  0, or -errno (the call will not run). */
static int submit(ac_blocking_t *b, ac_context_t *cx) {
  ac_runtime_t *rt = ac_runtime_current();
  struct ac__pool *p = rt ? pool_of(rt) : NULL;
  if (!p)
    return !rt ? -EINVAL
           : __atomic_load_n(&rt->is_shutdown, __ATOMIC_ACQUIRE) ? -ECANCELED
                                                                  : -ENOMEM;
  struct ac__job *j = calloc(1, sizeof *j);
  if (!j)
    return -ENOMEM;
  j->fn = b->fn;
  j->arg = b->arg;
  j->release = b->release;
  j->waker = ac_waker_clone(cx->waker);
  pthread_mutex_lock(&p->lock);
  int rc = p->closed ? -ECANCELED : dispatch(p);
  if (rc == 0)
    ac__list_push_back(&p->queue, &j->node);
  pthread_mutex_unlock(&p->lock);
  if (rc != 0) {
    ac_waker_drop(j->waker);
    free(j);
    return rc;
  }
  b->job = j;
  b->pool = p;
  return 0;
}

ac_poll_t ac_blocking_poll(ac_blocking_t *b, ac_context_t *cx, long *out) {
  if (!b->job) {
    int rc = submit(b, cx);
    if (rc != 0) {
      b->release = NULL; /* completed: arg is the caller's again */
      if (out)
        *out = rc;
      return AC_POLL_READY;
    }
    return AC_POLL_PENDING; /* the job wakes us, even if it is done already */
  }
  struct ac__job *j = b->job;
  struct ac__pool *p = b->pool;
  pthread_mutex_lock(&p->lock);
  if (j->state != JOB_DONE) {
    ac__waker_store(&j->waker, cx);
    pthread_mutex_unlock(&p->lock);
    return AC_POLL_PENDING;
  }
  ac_waker_t w = ac__waker_take(&j->waker);
  pthread_mutex_unlock(&p->lock);
  ac__waker_drop_opt(w);
  if (out)
    *out = j->result;
  free(j);
  b->job = NULL;
  b->release = NULL; /* the argument is the caller's again */
  b->fn = NULL;
  return AC_POLL_READY;
}

void ac_blocking_drop(ac_blocking_t *b) {
  struct ac__job *j = b->job;
  if (!j)
    return;
  b->job = NULL;
  struct ac__pool *p = b->pool;
  pthread_mutex_lock(&p->lock);
  ac_waker_t w = ac__waker_take(&j->waker);
  bool free_now = j->state != JOB_RUNNING;
  if (j->state == JOB_QUEUED)
    ac__list_remove(&j->node);
  else if (j->state == JOB_RUNNING)
    j->abandoned = true; /* the thread releases it when the call returns */
  pthread_mutex_unlock(&p->lock);
  ac__waker_drop_opt(w);
  if (free_now) {
    if (j->release)
      j->release(j->arg);
    free(j);
  }
}

const ac_future_vtable_t ac_blocking_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_blocking_poll,
    (void (*)(void *))ac_blocking_drop, sizeof(ac_blocking_t),
    _Alignof(ac_blocking_t), sizeof(long), "ac_blocking"};
