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
#include <sys/syscall.h>
#include <unistd.h>

/* io->started: bit 0..1 the connect progress, WAITING a waker stored. */
#define WAITING AC__IO_WAITING

/* The direction an operation waits on: 0 (in) for read, accept and
 * readable, 1 (out) for write, connect and writable. */
_Static_assert((AC__IO_READ & 1) == 0 && (AC__IO_ACCEPT & 1) == 0 &&
                   (AC__IO_READABLE & 1) == 0 && (AC__IO_WRITE & 1) == 1 &&
                   (AC__IO_CONNECT & 1) == 1 && (AC__IO_WRITABLE & 1) == 1,
               "ac_io_op_t: the low bit is the direction");
static unsigned direction(const ac_io_t *io) { return io->op & 1; }

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

/* One attempt of the operations that are not a read or a socket's write:
 * the result, or -EAGAIN to wait. */
static __attribute__((noinline)) long attempt_other(ac_io_t *io,
                                                    ac_fd_t *f) {
  int fd = f->fd;
  long r;
  do {
    switch (io->op) {
    case AC__IO_WRITE:
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
    default: /* readiness: the edge itself is the answer */
      return 0;
    }
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

/* glibc's read() and send() are cancellation points: in a process with
 * more than one thread, each call raises and clears the thread's
 * asynchronous-cancel flag with two atomic read-modify-writes (four an
 * echo, on the multi-thread executor).  A non-blocking call has nothing
 * to wait in, so nothing to cancel: the two hot calls go to the kernel
 * directly, and come back as the result or -errno, what the poll wants.
 * Sanitized builds keep the wrappers, where ASan checks the buffer and
 * TSan sees the synchronization an fd carries between threads. */
#if defined(AC__TSAN) || defined(AC__ASAN)
static inline long sys_read(int fd, void *buf, size_t len) {
  ssize_t r = read(fd, buf, len);
  return r < 0 ? -errno : r;
}
static inline long sys_send(int fd, const void *buf, size_t len) {
  ssize_t r = send(fd, buf, len, MSG_NOSIGNAL);
  return r < 0 ? -errno : r;
}
#elif defined(__x86_64__)
static inline long sys_read(int fd, void *buf, size_t len) {
  long r;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"((long)SYS_read), "D"((long)fd), "S"(buf), "d"(len)
                   : "rcx", "r11", "memory");
  return r;
}
static inline long sys_send(int fd, const void *buf, size_t len) {
  long r;
  register long flags __asm__("r10") = MSG_NOSIGNAL;
  register long addr __asm__("r8") = 0;
  register long alen __asm__("r9") = 0;
  __asm__ volatile("syscall"
                   : "=a"(r)
                   : "a"((long)SYS_sendto), "D"((long)fd), "S"(buf), "d"(len),
                     "r"(flags), "r"(addr), "r"(alen)
                   : "rcx", "r11", "memory");
  return r;
}
#else
static inline long sys_read(int fd, void *buf, size_t len) {
  long r = syscall(SYS_read, fd, buf, len);
  return r < 0 ? -errno : r;
}
static inline long sys_send(int fd, const void *buf, size_t len) {
  long r = syscall(SYS_sendto, fd, buf, len, MSG_NOSIGNAL, NULL, 0);
  return r < 0 ? -errno : r;
}
#endif

/* The fd's waker slots are written under its lock and read without it
 * by the future that waits (wait_edge); relaxed atomics, plain moves. */
static bool slot_holds(const ac_waker_t *slot, const ac_waker_t *w) {
  return __atomic_load_n(&slot->vtable, __ATOMIC_RELAXED) == w->vtable &&
         __atomic_load_n(&slot->data, __ATOMIC_RELAXED) == w->data;
}
static void slot_put(ac_waker_t *slot, ac_waker_t w) {
  __atomic_store_n(&slot->vtable, w.vtable, __ATOMIC_RELAXED);
  __atomic_store_n(&slot->data, w.data, __ATOMIC_RELAXED);
}
ac_waker_t ac__fd_slot_take(ac_waker_t *slot) {
  ac_waker_t w = *slot;
  slot_put(slot, (ac_waker_t){NULL, NULL});
  return w;
}

/* The direction's mark: the tick at which it was found not ready.  It is
 * ready while the tick has moved past it, and at once after a hang-up. */
static inline bool dir_ready(const ac_fd_t *f, const ac__fd_dir_t *d,
                             unsigned dir, uint64_t tick) {
  return __atomic_load_n(&d->seen, __ATOMIC_RELAXED) != tick ||
         (__atomic_load_n(&f->closed, __ATOMIC_RELAXED) &
          (dir ? AC__WRITE_CLOSED : AC__READ_CLOSED));
}

/* The operation ended with r.  A short read or write on a stream socket or
 * a pipe (f->short_drains) proves the kernel buffer empty (full) at that
 * moment, as EAGAIN would: the direction is marked not ready at the tick
 * we looked at, and the next operation waits for the edge instead of
 * spending a system call on EAGAIN.  Data that arrives after the call
 * raises a new edge, and one dispatched since we looked moved the tick
 * past the mark.  Not once the other end hung up (or after 0, end of
 * file): no edge follows that, and the next read must see it at once. */
static inline ac_poll_t finish(ac_io_t *io, ac_fd_t *f, ac__fd_dir_t *d,
                               uint64_t tick, long r, long *out) {
  io->started &= ~WAITING; /* our waker may stay in the fd: see dispatch */
  if (r > 0 && (size_t)r < io->len && f->short_drains &&
      !(__atomic_load_n(&f->closed, __ATOMIC_RELAXED) &
        (direction(io) ? AC__WRITE_CLOSED : AC__READ_CLOSED)))
    __atomic_store_n(&d->seen, tick, __ATOMIC_RELAXED);
  if (out)
    *out = r;
  return AC_POLL_READY;
}

/* Not ready at `tick`, and the slot holds no waker of ours: under the
 * lock, if an event came since we looked, poll again from the start;
 * else mark the tick and store the waker, which every later event finds. */
static __attribute__((noinline)) ac_poll_t
wait_locked(ac_io_t *io, ac_fd_t *f, ac__fd_dir_t *d, ac_context_t *cx,
            uint64_t tick, long *out) {
  bool own = ac__fd_lock(f);
  if (__atomic_load_n(&d->tick, __ATOMIC_RELAXED) != tick) {
    ac__fd_unlock(f, own);
    return ac_io_poll(io, cx, out);
  }
  __atomic_store_n(&d->seen, tick, __ATOMIC_RELAXED);
  ac_waker_t old = d->waker;
  slot_put(&d->waker, ac_waker_clone(cx->waker));
  io->started |= WAITING;
  ac__fd_unlock(f, own);
  ac__waker_drop_opt(old); /* another task's, replaced */
  return AC_POLL_PENDING;
}

/* Not ready at `tick`: wait for the next edge.  The reactor wakes wakers
 * by reference and keeps them, so from a task's second wait on the same
 * direction its waker is in the slot; it was there all through this poll
 * (only the waiting future stores its own waker), so any event dispatched
 * after our look at the tick woke it, and the task is polled again: no
 * lock, and marking the tick is one plain store (a stale tick never
 * equals the new one). */
static inline ac_poll_t wait_edge(ac_io_t *io, ac_fd_t *f, ac__fd_dir_t *d,
                                  ac_context_t *cx, uint64_t tick,
                                  long *out) {
  if (AC_UNLIKELY(!slot_holds(&d->waker, cx->waker)))
    return wait_locked(io, f, d, cx, tick, out);
  __atomic_store_n(&d->seen, tick, __ATOMIC_RELAXED);
  io->started |= WAITING;
  return AC_POLL_PENDING;
}

static __attribute__((noinline, cold)) ac_poll_t poll_closed(ac_io_t *io,
                                                             long *out) {
  io->started &= ~WAITING;
  if (out)
    *out = ac__misuse(-EBADF, "I/O on an ac_fd that is not open (closed, "
                              "or its runtime was freed)");
  return AC_POLL_READY;
}

/* Accept, connect, readiness, and writes to what is not a socket. */
static __attribute__((noinline)) ac_poll_t
poll_other(ac_io_t *io, ac_fd_t *f, ac__fd_dir_t *d, ac_context_t *cx,
           uint64_t tick, long *out) {
  long r = attempt_other(io, f);
  if (r != -EAGAIN && r != -EWOULDBLOCK)
    return finish(io, f, d, tick, r, out);
  return wait_edge(io, f, d, cx, tick, out);
}

/* The common cases (a read or a socket's write that succeeds, a wait
 * whose waker is in the fd) take no lock and call nothing but the
 * kernel; the rest are tail calls, so the fast path keeps no frame.  The
 * tick is loaded with acquire, so the closed bits the reactor set before
 * bumping it are seen with it. */
ac_poll_t ac_io_poll(ac_io_t *io, ac_context_t *cx, long *out) {
  ac_fd_t *f = ac__obj_get(io->fd, AC__K_FD);
  if (AC_UNLIKELY(!f))
    return poll_closed(io, out);
  unsigned dir = direction(io);
  ac__fd_dir_t *d = &f->dir[dir];
  uint64_t tick = __atomic_load_n(&d->tick, __ATOMIC_ACQUIRE);
  if (dir_ready(f, d, dir, tick)) {
    long r;
    if (AC_LIKELY(io->op == AC__IO_READ)) {
      do
        r = sys_read(f->fd, io->buf, io->len);
      while (AC_UNLIKELY(r == -EINTR));
    } else if (AC_LIKELY(io->op == AC__IO_WRITE && f->is_socket)) {
      do
        r = sys_send(f->fd, io->buf, io->len);
      while (AC_UNLIKELY(r == -EINTR));
    } else {
      return poll_other(io, f, d, cx, tick, out);
    }
    if (AC_LIKELY(r != -EAGAIN && r != -EWOULDBLOCK))
      return finish(io, f, d, tick, r, out);
  }
  return wait_edge(io, f, d, cx, tick, out);
}

/* A future dropped while waiting (cancelled) takes its waker back, so the
 * fd does not keep its task alive (one reader, one writer per fd). */
void ac__io_drop_waiting(ac_io_t *io) {
  io->started &= ~WAITING;
  ac_fd_t *f = ac__obj_get(io->fd, AC__K_FD);
  if (!f) /* closed under it: close took the wakers */
    return;
  bool own = ac__fd_lock(f);
  ac_waker_t w = ac__fd_slot_take(&f->dir[direction(io)].waker);
  ac__fd_unlock(f, own);
  ac__waker_drop_opt(w);
}

static void io_drop(void *self) { ac_io_drop(self); }

const ac_future_vtable_t ac_io_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_io_poll,
    io_drop, sizeof(ac_io_t), _Alignof(ac_io_t),
    sizeof(long), "ac_io"};
