/*
 * file.c: ac_file_t, an fd of any kind that tasks can read and write
 * without blocking a worker.  Sockets, pipes, FIFOs, ttys and the like
 * go through the epoll reactor (made non-blocking, as ac_fd_open does).
 * Regular files and block devices cannot wait in epoll (they are always
 * "ready", and a read may still sleep on the disk), and the process's
 * stdin, stdout and stderr are shared with other processes, whose fds
 * must not turn non-blocking under them: those go through the blocking
 * pool (blocking.c).  docs/runtime.md §16 gives the measurement behind
 * choosing the pool over io_uring.
 *
 * A pool operation works on a buffer of its own (the job's), copied from
 * or to the caller's at the first poll or at completion: a future dropped
 * while its call runs leaves the call writing into memory nobody else
 * uses, which the job frees when the call returns.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One pool call moves at most this much (a short read or write). */
#define POOL_MAX (1u << 20)

struct ac_file {
  int fd;
  bool own;        /* close fd at ac_file_close */
  ac_fd_t *rfd;    /* reactor mode; NULL in pool mode */
};

/* Shared fds are never made non-blocking. */
static bool use_pool(int fd) {
  struct stat st;
  if (fd <= STDERR_FILENO)
    return true;
  if (fstat(fd, &st) != 0)
    return true;
  return S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode);
}

int ac_file_wrap(int fd, int own, ac_file_t **out) {
  if (fd < 0)
    return -EBADF;
  ac_file_t *f = calloc(1, sizeof *f);
  if (!f)
    return -ENOMEM;
  f->fd = fd;
  f->own = own != 0;
  if (!use_pool(fd)) {
    int rc = ac_fd_open(fd, &f->rfd);
    if (rc != 0) {
      free(f);
      return rc;
    }
  }
  *out = f;
  return 0;
}

int ac_file_close(ac_file_t *f) {
  int rc = 0;
  if (f->rfd)
    rc = ac_fd_close(f->rfd, f->own);
  else if (f->own && close(f->fd) != 0)
    rc = -errno;
  free(f);
  return rc;
}

int ac_file_fd(const ac_file_t *f) { return f->fd; }

ac_fd_t *ac_file_reactor_fd(const ac_file_t *f) { return f->rfd; }

/* ==== read and write ==== */

typedef struct job {
  int fd;
  int op;       /* AC__FILE_READ or AC__FILE_WRITE */
  size_t len;
  char data[];  /* the bounce buffer */
} job_t;

enum { AC__FILE_READ, AC__FILE_WRITE };

static long run_job(void *arg) {
  job_t *j = arg;
  ssize_t r;
  do {
    r = j->op == AC__FILE_READ ? read(j->fd, j->data, j->len)
                               : write(j->fd, j->data, j->len);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

static ac_file_io_t mk(ac_file_t *f, int op, void *buf, size_t len) {
  ac_file_io_t io;
  memset(&io, 0, sizeof io);
  io.f = f;
  io.buf = buf;
  io.len = len;
  io.op = op;
  return io;
}

ac_file_io_t ac_file_read(ac_file_t *f, void *buf, size_t len) {
  return mk(f, AC__FILE_READ, buf, len);
}

ac_file_io_t ac_file_write(ac_file_t *f, const void *buf, size_t len) {
  return mk(f, AC__FILE_WRITE, (void *)buf, len);
}

/* First poll: the child future, on the reactor or on the pool. */
static int start(ac_file_io_t *io) {
  ac_file_t *f = io->f;
  if (f->rfd) {
    io->u.io = io->op == AC__FILE_READ ? ac_read(f->rfd, io->buf, io->len)
                                       : ac_write(f->rfd, io->buf, io->len);
    return 0;
  }
  size_t len = io->len < POOL_MAX ? io->len : POOL_MAX;
  job_t *j = malloc(sizeof *j + len);
  if (!j)
    return -ENOMEM;
  j->fd = f->fd;
  j->op = io->op;
  j->len = len;
  if (io->op == AC__FILE_WRITE)
    memcpy(j->data, io->buf, len);
  io->job = j;
  io->u.job = ac_spawn_blocking_owned(run_job, j, free);
  return 0;
}

ac_poll_t ac_file_io_poll(ac_file_io_t *io, ac_context_t *cx, long *out) {
  long r;
  if (!io->started) {
    int rc = start(io);
    if (rc != 0) {
      if (out)
        *out = rc;
      return AC_POLL_READY;
    }
    io->started = 1;
  }
  if (io->f->rfd) {
    if (ac_io_poll(&io->u.io, cx, &r) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
  } else {
    if (ac_blocking_poll(&io->u.job, cx, &r) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    job_t *j = io->job;
    if (j->op == AC__FILE_READ && r > 0)
      memcpy(io->buf, j->data, (size_t)r);
    free(j); /* completed: the job is ours again */
    io->job = NULL;
  }
  io->started = 2;
  if (out)
    *out = r;
  return AC_POLL_READY;
}

void ac_file_io_drop(ac_file_io_t *io) {
  if (io->started != 1)
    return;
  io->started = 2;
  if (io->f->rfd)
    ac_io_drop(&io->u.io);
  else
    ac_blocking_drop(&io->u.job); /* frees the job, now or when it returns */
}

const ac_future_vtable_t ac_file_io_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_file_io_poll,
    (void (*)(void *))ac_file_io_drop, sizeof(ac_file_io_t),
    _Alignof(ac_file_io_t), sizeof(long), "ac_file_io"};

/* ==== open ==== */

typedef struct open_job {
  int flags, mode;
  int fd;        /* the result, closed by release if nobody takes it */
  char path[];
} open_job_t;

static long run_open(void *arg) {
  open_job_t *j = arg;
  j->fd = open(j->path, j->flags | O_CLOEXEC, j->mode);
  return j->fd < 0 ? -errno : 0;
}

static void release_open(void *arg) {
  open_job_t *j = arg;
  if (j->fd >= 0)
    close(j->fd);
  free(j);
}

ac_file_open_t ac_file_open(const char *path, int flags, int mode,
                            ac_file_t **out) {
  ac_file_open_t o;
  memset(&o, 0, sizeof o);
  o.path = path;
  o.flags = flags;
  o.mode = mode;
  o.out = out;
  return o;
}

ac_poll_t ac_file_open_poll(ac_file_open_t *o, ac_context_t *cx, int *out) {
  if (!o->job) {
    size_t n = strlen(o->path) + 1;
    open_job_t *j = malloc(sizeof *j + n);
    if (!j) {
      if (out)
        *out = -ENOMEM;
      return AC_POLL_READY;
    }
    memcpy(j->path, o->path, n);
    j->flags = o->flags;
    j->mode = o->mode;
    j->fd = -1;
    o->job = j;
    o->call = ac_spawn_blocking_owned(run_open, j, release_open);
  }
  long r;
  if (ac_blocking_poll(&o->call, cx, &r) == AC_POLL_PENDING)
    return AC_POLL_PENDING;
  open_job_t *j = o->job;
  o->job = NULL;
  if (r == 0) {
    r = ac_file_wrap(j->fd, 1, o->out);
    if (r != 0)
      close(j->fd);
  }
  free(j);
  o->done = 1;
  if (out)
    *out = (int)r;
  return AC_POLL_READY;
}

void ac_file_open_drop(ac_file_open_t *o) {
  if (o->job && !o->done)
    ac_blocking_drop(&o->call); /* closes a file opened meanwhile */
  o->job = NULL;
}

const ac_future_vtable_t ac_file_open_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_file_open_poll,
    (void (*)(void *))ac_file_open_drop, sizeof(ac_file_open_t),
    _Alignof(ac_file_open_t), sizeof(int), "ac_file_open"};
