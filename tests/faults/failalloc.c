/*
 * failalloc.c: allocation failure on demand, for `make check-faults`.
 *
 * Linked into a test program together with libacrt.a and
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc,
 * --wrap=posix_memalign,--wrap=pthread_create: every one of those calls
 * made by the runtime or the program (not by libc itself) comes here, is
 * counted, and fails when the environment says so:
 *
 *   FAULT_AT=N      the Nth call fails (1-based; 0 or unset: none)
 *   FAULT_COUNT=K   K calls fail from the Nth on (default 1; -1: all)
 *   FAULT_LOG=FILE  at exit, the number of calls made is written there
 *
 * A program can also switch failure on and off around a piece of its own
 * (fault_fail_all), to reach one path on purpose.  Failure is malloc's:
 * NULL with errno ENOMEM (pthread_create: EAGAIN).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "failalloc.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *a,
                          void *(*fn)(void *), void *arg);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a,
                          void *(*fn)(void *), void *arg);

static long calls;     /* atomic */
static long fail_at = -1, fail_count = 1;
static int all;        /* atomic: fault_fail_all */
static int configured; /* atomic */
static const char *log_path;

static void write_log(void) {
  if (!log_path)
    return;
  FILE *f = fopen(log_path, "w");
  if (f) {
    fprintf(f, "%ld\n", __atomic_load_n(&calls, __ATOMIC_RELAXED));
    fclose(f);
  }
}

/* The environment is read at the first call (a constructor may run after
 * another library's first allocation). */
static void configure(void) {
  if (__atomic_load_n(&configured, __ATOMIC_ACQUIRE))
    return;
  const char *at = getenv("FAULT_AT"), *count = getenv("FAULT_COUNT");
  fail_at = at && *at ? strtol(at, NULL, 10) : 0;
  if (fail_at <= 0)
    fail_at = -1;
  fail_count = count && *count ? strtol(count, NULL, 10) : 1;
  log_path = getenv("FAULT_LOG");
  if (log_path)
    atexit(write_log);
  __atomic_store_n(&configured, 1, __ATOMIC_RELEASE);
}

/* Counts a call; true if it must fail. */
static int fails(void) {
  configure();
  long n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
  if (__atomic_load_n(&all, __ATOMIC_RELAXED))
    return 1;
  if (fail_at < 0 || n < fail_at)
    return 0;
  return fail_count < 0 || n < fail_at + fail_count;
}

void fault_fail_all(int on) { __atomic_store_n(&all, on, __ATOMIC_RELAXED); }

long fault_calls(void) { return __atomic_load_n(&calls, __ATOMIC_RELAXED); }

void *__wrap_malloc(size_t n) {
  if (fails()) {
    errno = ENOMEM;
    return NULL;
  }
  return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size) {
  if (fails()) {
    errno = ENOMEM;
    return NULL;
  }
  return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n) {
  if (fails()) {
    errno = ENOMEM;
    return NULL;
  }
  return __real_realloc(p, n);
}

void *__wrap_aligned_alloc(size_t align, size_t n) {
  if (fails()) {
    errno = ENOMEM;
    return NULL;
  }
  return __real_aligned_alloc(align, n);
}

int __wrap_posix_memalign(void **p, size_t align, size_t n) {
  if (fails())
    return ENOMEM;
  return __real_posix_memalign(p, align, n);
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a,
                          void *(*fn)(void *), void *arg) {
  if (fails())
    return EAGAIN;
  return __real_pthread_create(t, a, fn, arg);
}
