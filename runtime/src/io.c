/*
 * io.c: read, write, accept, connect and readiness futures on registered
 * non-blocking fds.  Every operation is tried first; on EAGAIN it waits for
 * the readiness edge (reactor_epoll.c), on EINTR it retries at once, and any
 * other error is its result as -errno.
 */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

/* io->started: bit 0..1 the connect progress, WAITING a waker stored. */
#define WAITING 4u

static ac_io_t mk(ac_fd_t *f, ac_io_op_t op, void *buf, size_t len) {
  return (ac_io_t){f, buf, len, NULL, 0, op, 0};
}

ac_io_t ac_read(ac_fd_t *f, void *buf, size_t len) {
  return mk(f, AC__IO_READ, buf, len);
}
ac_io_t ac_write(ac_fd_t *f, const void *buf, size_t len) {
  return mk(f, AC__IO_WRITE, (void *)buf, len);
}
ac_io_t ac_accept(ac_fd_t *l) { return mk(l, AC__IO_ACCEPT, NULL, 0); }
ac_io_t ac_connect(ac_fd_t *f, const void *addr, uint32_t addrlen) {
  ac_io_t io = mk(f, AC__IO_CONNECT, NULL, 0);
  io.addr = addr;
  io.addrlen = addrlen;
  return io;
}
ac_io_t ac_readable(ac_fd_t *f) { return mk(f, AC__IO_READABLE, NULL, 0); }
ac_io_t ac_writable(ac_fd_t *f) { return mk(f, AC__IO_WRITABLE, NULL, 0); }

static uint32_t interest(const ac_io_t *io) {
  switch (io->op) {
  case AC__IO_READ:
  case AC__IO_ACCEPT:
  case AC__IO_READABLE:
    return AC__READABLE;
  default:
    return AC__WRITABLE;
  }
}

/* write() to a pipe whose reader is gone raises SIGPIPE, which kills a
 * process that did not ignore it (sockets have MSG_NOSIGNAL).  The write
 * runs with SIGPIPE blocked in this thread, and a SIGPIPE it raised is
 * taken back before the mask is restored (one that was already pending
 * is left for its owner). */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t len) {
  sigset_t pipe_set, old, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  ssize_t r = write(fd, buf, len);
  int err = errno;
  if (r < 0 && err == EPIPE && !was_pending) {
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
      ;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  errno = err;
  return r;
}

/* One attempt: the result, or -EAGAIN to wait. */
static long attempt(ac_io_t *io, ac_fd_t *f) {
  int fd = f->fd;
  long r;
  do {
    switch (io->op) {
    case AC__IO_READ:
      r = read(fd, io->buf, io->len);
      break;
    case AC__IO_WRITE:
      if (f->is_socket)
        r = send(fd, io->buf, io->len, MSG_NOSIGNAL);
      else
        r = write_nosigpipe(fd, io->buf, io->len);
      break;
    case AC__IO_ACCEPT:
      r = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      break;
    case AC__IO_CONNECT:
      if (!(io->started & 3)) {
        io->started |= 1;
        r = connect(fd, io->addr, io->addrlen);
        if (r < 0 && errno == EINPROGRESS)
          errno = EAGAIN;
      } else {
        int err = 0;
        socklen_t len = sizeof err;
        r = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (r == 0 && err)
          return -err;
        if (r == 0)
          return 0;
      }
      break;
    default: /* readiness: the bit itself is the answer */
      return 0;
    }
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

/* A short read or write on a stream socket or a pipe (f->short_drains)
 * proves the kernel buffer empty (full) at that moment, as EAGAIN would:
 * readiness is cleared now, so the next operation waits for the edge
 * instead of spending a system call on EAGAIN.  Data that arrives after the
 * call raises a new edge; one dispatched since we looked moved the tick,
 * and then the bit stays.  Not once the other end hung up (or after 0, end
 * of file): no edge follows that, and the next read must see it at once. */
static void drained(ac_fd_t *f, uint32_t want, uint32_t tick) {
  uint32_t closed = want == AC__READABLE ? AC__READ_CLOSED : AC__WRITE_CLOSED;
  ac__spin_lock(&f->lock);
  if (f->tick == tick && !(f->ready & closed))
    __atomic_store_n(&f->ready, f->ready & ~want, __ATOMIC_RELAXED);
  ac__spin_unlock(&f->lock);
}

/* ready and tick are written under the fd lock (tick last, with release)
 * and read here without it: the common case, an operation that succeeds,
 * takes no lock.  If an event lands after our look, tick has moved when
 * we lock to wait, and we try again instead of losing it. */
ac_poll_t ac_io_poll(ac_io_t *io, ac_context_t *cx, long *out) {
  ac_fd_t *f = ac__obj_get(io->fd, AC__K_FD);
  if (AC_UNLIKELY(!f)) {
    io->started &= ~WAITING;
    if (out)
      *out = ac__misuse(-EBADF, "I/O on an ac_fd that is not open (closed, "
                                "or its runtime was freed)");
    return AC_POLL_READY;
  }
  uint32_t want = interest(io);
  ac_waker_t *slot = want == AC__READABLE ? &f->reader : &f->writer;
  uint32_t tick = __atomic_load_n(&f->tick, __ATOMIC_ACQUIRE);
  uint32_t ready = __atomic_load_n(&f->ready, __ATOMIC_ACQUIRE);
  for (;;) {
    if (ready & want) {
      long r = attempt(io, f);
      if (r != -EAGAIN && r != -EWOULDBLOCK) {
        io->started &= ~WAITING; /* our waker may stay in the fd: see dispatch */
        if (r > 0 && (size_t)r < io->len && f->short_drains)
          drained(f, want, tick);
        if (out)
          *out = r;
        return AC_POLL_READY;
      }
    }
    ac__spin_lock(&f->lock);
    if (f->tick != tick) { /* an event came since we looked: retry */
      tick = f->tick;
      ready = f->ready;
      ac__spin_unlock(&f->lock);
      continue;
    }
    __atomic_store_n(&f->ready, f->ready & ~want, __ATOMIC_RELAXED);
    ac__waker_store(slot, cx);
    io->started |= WAITING;
    ac__spin_unlock(&f->lock);
    return AC_POLL_PENDING;
  }
}

/* A future dropped while waiting (cancelled) takes its waker back, so the
 * fd does not keep its task alive (one reader, one writer per fd). */
void ac_io_drop(ac_io_t *io) {
  if (!(io->started & WAITING))
    return;
  io->started &= ~WAITING;
  ac_fd_t *f = ac__obj_get(io->fd, AC__K_FD);
  if (!f) /* closed under it: close took the wakers */
    return;
  ac_waker_t *slot = interest(io) == AC__READABLE ? &f->reader : &f->writer;
  ac__spin_lock(&f->lock);
  ac_waker_t w = ac__waker_take(slot);
  ac__spin_unlock(&f->lock);
  if (w.vtable)
    ac_waker_drop(w);
}

const ac_future_vtable_t ac_io_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_io_poll,
    (void (*)(void *))ac_io_drop, sizeof(ac_io_t), _Alignof(ac_io_t),
    sizeof(long), "ac_io"};
