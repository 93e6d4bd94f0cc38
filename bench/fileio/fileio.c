/*
 * fileio.c: the measurement behind the choice of file I/O in libacrt
 * (docs/runtime.md §16): reads of a cached regular file through the
 * blocking pool (ac_spawn_blocking, as ac_file_read does) against io_uring
 * (liburing, the ring driven by hand: the cost of the kernel path alone,
 * before any runtime integration), with a plain pread loop as the floor.
 * Sequential (one read at a time, the latency a task sees) and 16 at once
 * (throughput).  Wall and process CPU per read; median of RUNS runs.
 *
 *   make bench-fileio        (or build/bench/fileio [RUNS])
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ac.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { FILE_MB = 64, DEPTH = 16 };

static double now_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

typedef struct job {
  int fd;
  size_t len;
  off_t off;
  char *buf;
} job_t;

static long do_pread(void *arg) {
  job_t *j = arg;
  return pread(j->fd, j->buf, j->len, j->off);
}

/* A task doing `n` reads of len bytes one after another through the pool,
 * shaped like a generated frame: a loop around an inline child future. */
typedef struct reader {
  job_t job;
  long n, i, bad;
  int started;
  ac_blocking_t child;
} reader_t;

static ac_poll_t reader_poll(void *self, ac_context_t *cx, void *out) {
  reader_t *r = self;
  (void)out;
  for (; r->i < r->n; r->i++) {
    if (!r->started) {
      r->job.off = (off_t)((r->i * 7919 % (FILE_MB * 1024 * 1024 / r->job.len)) *
                           r->job.len);
      r->child = ac_spawn_blocking(do_pread, &r->job);
      r->started = 1;
    }
    long got;
    if (ac_blocking_poll(&r->child, cx, &got) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    r->started = 0;
    r->bad += got != (long)r->job.len;
  }
  return AC_POLL_READY;
}
static void reader_drop(void *self) {
  reader_t *r = self;
  if (r->started)
    ac_blocking_drop(&r->child);
  free(r->job.buf);
}
static const ac_future_vtable_t reader_vtable = {
    reader_poll, reader_drop, sizeof(reader_t), _Alignof(reader_t), 0,
    "reader"};

/* `tasks` readers of n/tasks reads each on a current-thread runtime. */
static void run_pool(int fd, size_t len, long n, int tasks) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_task_set_t *set = ac_task_set_new();
  ac_runtime_enter(rt);
  for (int t = 0; t < tasks; t++) {
    reader_t r = {{fd, len, 0, malloc(len)}, n / tasks, 0, 0, 0, {0}};
    ac_task_set_spawn(set, &reader_vtable, &r);
  }
  ac_runtime_exit();
  for (;;) {
    ac_task_set_join_t j = ac_task_set_join_next(set, NULL);
    int rc = 0;
    ac_runtime_block_on(rt, &ac_task_set_join_vtable, &j, &rc);
    if (rc != 0)
      break;
  }
  ac_task_set_free(set);
  ac_runtime_free(rt);
}

static void run_uring(int fd, size_t len, long n, int depth) {
  struct io_uring ring;
  if (io_uring_queue_init(depth, &ring, 0) != 0) {
    fprintf(stderr, "io_uring_queue_init failed\n");
    exit(1);
  }
  char *buf = malloc(len * (size_t)depth);
  long blocks = FILE_MB * 1024L * 1024 / (long)len, done = 0, sent = 0;
  while (done < n) {
    while (sent < n && sent - done < depth) {
      struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
      io_uring_prep_read(sqe, fd, buf + (sent % depth) * len, (unsigned)len,
                         (off_t)((sent * 7919 % blocks) * (long)len));
      sent++;
    }
    io_uring_submit(&ring);
    struct io_uring_cqe *cqe;
    io_uring_wait_cqe(&ring, &cqe);
    if (cqe->res != (int)len)
      fprintf(stderr, "short read %d\n", cqe->res);
    io_uring_cqe_seen(&ring, cqe);
    done++;
  }
  free(buf);
  io_uring_queue_exit(&ring);
}

static void run_pread(int fd, size_t len, long n, int unused) {
  (void)unused;
  char *buf = malloc(len);
  long blocks = FILE_MB * 1024L * 1024 / (long)len;
  for (long i = 0; i < n; i++)
    if (pread(fd, buf, len, (off_t)((i * 7919 % blocks) * (long)len)) !=
        (ssize_t)len)
      fprintf(stderr, "short read\n");
  free(buf);
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef void run_fn(int fd, size_t len, long n, int par);

static void measure(const char *name, run_fn *fn, int fd, size_t len, long n,
                    int par, int runs) {
  double wall[16], cpu[16];
  for (int r = 0; r < runs; r++) {
    double w0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    fn(fd, len, n, par);
    wall[r] = (now_ns(CLOCK_MONOTONIC) - w0) / (double)n;
    cpu[r] = (now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / (double)n;
  }
  qsort(wall, (size_t)runs, sizeof *wall, cmp);
  qsort(cpu, (size_t)runs, sizeof *cpu, cmp);
  printf("%-28s %6zu KiB  x%-2d  %8.0f ns wall  %8.0f ns CPU  per read\n",
         name, len / 1024, par, wall[runs / 2], cpu[runs / 2]);
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 5;
  if (runs < 1 || runs > 16)
    runs = 5;
  char path[] = "/tmp/acc-fileio-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return 1;
  unlink(path);
  char *chunk = malloc(1 << 20);
  memset(chunk, 'x', 1 << 20);
  for (int i = 0; i < FILE_MB; i++)
    if (write(fd, chunk, 1 << 20) != 1 << 20)
      return 1;
  free(chunk);
  run_pread(fd, 1 << 20, FILE_MB, 0); /* warm the page cache */
  size_t sizes[2] = {4096, 65536};
  for (int s = 0; s < 2; s++) {
    long n = sizes[s] == 4096 ? 20000 : 5000;
    measure("pread on the caller", run_pread, fd, sizes[s], n, 1, runs);
    measure("blocking pool", run_pool, fd, sizes[s], n, 1, runs);
    measure("io_uring (by hand)", run_uring, fd, sizes[s], n, 1, runs);
    measure("blocking pool", run_pool, fd, sizes[s], n, DEPTH, runs);
    measure("io_uring (by hand)", run_uring, fd, sizes[s], n, DEPTH, runs);
  }
  close(fd);
  return 0;
}
