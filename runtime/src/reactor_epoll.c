/*
 * reactor_epoll.c: the only user of epoll.  Each registered fd is added once,
 * edge-triggered for read and write, with its ac_fd as the event data.
 * Each direction of an fd counts its readiness events in a `tick`; io.c
 * marks the tick at which it found the direction not ready, so an edge
 * that arrives between a failed read and the waker being stored moves the
 * tick past the mark and is never lost.
 *
 * A closed ac_fd may still sit in the batch epoll_wait returned, so close
 * only queues it; the driver frees queued ones at the start of its next
 * turn, when no batch is outstanding.
 *
 * An ac_fd_t * is a checked handle (handle.c): close marks the object
 * dead first (one CAS, so of two closes one reports the misuse), and I/O
 * or a close through a handle of a closed fd reports it.  The runtime's
 * free releases the fds still open (it reports them: -EBUSY), so their
 * handles go stale too instead of dangling.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256

int ac__reactor_init(ac__driver_t *d) {
  d->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (d->epfd < 0)
    return -errno;
  d->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (d->evfd < 0 || epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->evfd, &ev) != 0) {
    int err = -errno;
    if (d->evfd >= 0)
      close(d->evfd);
    close(d->epfd);
    return err;
  }
  return 0;
}

/* Takes f off the open list; it is the closer's from now on. */
static void unlist(ac__driver_t *d, ac_fd_t *f) {
  if (f->reg_prev)
    f->reg_prev->reg_next = f->reg_next;
  else
    d->open_fds = f->reg_next;
  if (f->reg_next)
    f->reg_next->reg_prev = f->reg_prev;
}

static void drop_wakers(ac_fd_t *f) {
  bool own = ac__fd_lock(f);
  ac_waker_t r = ac__fd_slot_take(&f->dir[0].waker);
  ac_waker_t w = ac__fd_slot_take(&f->dir[1].waker);
  ac__fd_unlock(f, own);
  ac__waker_drop_opt(r);
  ac__waker_drop_opt(w);
}

/* The fds nobody closed (a leak ac_runtime_free reports): released, so
 * their handles are stale rather than dangling.  The fds stay open. */
void ac__reactor_destroy(ac__driver_t *d) {
  for (;;) {
    pthread_mutex_lock(&d->free_lock);
    ac_fd_t *f = d->open_fds;
    if (f)
      unlist(d, f);
    pthread_mutex_unlock(&d->free_lock);
    if (!f)
      break;
    __atomic_store_n(&f->hdr.kind, AC__K_DEAD, __ATOMIC_RELEASE);
    drop_wakers(f);
    __atomic_fetch_sub(&d->nfds, 1, __ATOMIC_RELAXED);
    ac__obj_free(f);
  }
  close(d->evfd);
  close(d->epfd);
}

/* A direction's event: the tick moves (release, after the closed bits),
 * and its waker, if any, is woken by reference and kept. */
static void dispatch_dir(ac__fd_dir_t *d) {
  __atomic_store_n(&d->tick, d->tick + 1, __ATOMIC_RELEASE);
  if (d->waker.vtable)
    ac_waker_wake_by_ref(&d->waker);
}

static void dispatch(ac_fd_t *f, uint32_t events) {
  uint32_t closed = 0;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
    closed |= AC__READ_CLOSED;
  if (events & (EPOLLHUP | EPOLLERR))
    closed |= AC__WRITE_CLOSED;
  /* The wakers stay in the fd (woken by reference, under the lock so they
   * cannot be dropped meanwhile): the next wait of the same task finds its
   * waker there, clones nothing and takes no lock.  A waker is given back
   * when its future is dropped while waiting, replaced by another task's,
   * or at close. */
  bool own = ac__fd_lock(f);
  if (AC_UNLIKELY(closed))
    __atomic_store_n(&f->closed, f->closed | closed, __ATOMIC_RELAXED);
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
    dispatch_dir(&f->dir[0]);
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
    dispatch_dir(&f->dir[1]);
  ac__fd_unlock(f, own);
}

/* epoll_pwait2 takes the timeout in ns, so a timer is neither early nor a
 * ms late; kernels before 5.11 lack it, and get epoll_wait with the
 * timeout rounded up to whole ms (late, never early). */
static int wait_events(ac__driver_t *d, struct epoll_event *ev,
                       int64_t timeout_ns) {
  /* TSan intercepts epoll_wait (where epoll_ctl's data pointer is
   * published to the waiter) but not epoll_pwait2: under TSan, the ms. */
#ifdef AC__TSAN
  static int no_pwait2 = 1;
#else
  static int no_pwait2; /* atomic: ENOSYS seen */
#endif
  if (!__atomic_load_n(&no_pwait2, __ATOMIC_RELAXED)) {
    struct timespec ts = {timeout_ns / 1000000000, timeout_ns % 1000000000};
    int n = epoll_pwait2(d->epfd, ev, MAX_EVENTS, timeout_ns < 0 ? NULL : &ts,
                         NULL);
    if (n >= 0 || errno != ENOSYS)
      return n;
    __atomic_store_n(&no_pwait2, 1, __ATOMIC_RELAXED);
  }
  int ms = timeout_ns < 0 ? -1
           : timeout_ns >= (int64_t)INT32_MAX * 1000000
               ? INT32_MAX
               : (int)((timeout_ns + 999999) / 1000000);
  return epoll_wait(d->epfd, ev, MAX_EVENTS, ms);
}

void ac__reactor_wait(ac__driver_t *d, int64_t timeout_ns) {
  struct epoll_event ev[MAX_EVENTS];
  int n = wait_events(d, ev, timeout_ns);
  for (int i = 0; i < n; i++) {
    if (ev[i].data.ptr == NULL) {
      uint64_t v;
      ssize_t rc = read(d->evfd, &v, sizeof v);
      (void)rc;
    } else {
      dispatch(ev[i].data.ptr, ev[i].events);
    }
  }
}

void ac__reactor_free_closed(ac__driver_t *d) {
  if (!__atomic_load_n(&d->to_free, __ATOMIC_RELAXED))
    return;
  pthread_mutex_lock(&d->free_lock);
  ac_fd_t *f = d->to_free;
  d->to_free = NULL;
  pthread_mutex_unlock(&d->free_lock);
  while (f) {
    ac_fd_t *next = f->next_free;
    ac__obj_free(f);
    f = next;
  }
}

/* Whether a short read proves the buffer drained (io.c): true for pipes
 * and TCP; a unix stream socket's read may stop early at a message that
 * carries credentials or descriptors, and a datagram, a tty line or an
 * eventfd is one unit of many, so those read on until EAGAIN. */
static bool short_io_drains(int fd) {
  struct stat sb;
  if (fstat(fd, &sb) != 0)
    return false;
  if (S_ISFIFO(sb.st_mode))
    return true;
  if (!S_ISSOCK(sb.st_mode))
    return false;
  int domain = 0, proto = 0;
  socklen_t len = sizeof domain;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 ||
      (domain != AF_INET && domain != AF_INET6))
    return false;
  len = sizeof proto;
  return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 &&
         proto == IPPROTO_TCP;
}

int ac_fd_open(int fd, ac_fd_t **out) {
  ac__sched_t *s = ac__tls.sched;
  if (!s)
    return -EINVAL;
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return -errno;
  ac_fd_t *f = ac__obj_new(sizeof *f, AC__K_FD);
  if (!f)
    return -ENOMEM;
  f->fd = fd;
  struct stat sb;
  f->is_socket = fstat(fd, &sb) == 0 && S_ISSOCK(sb.st_mode);
  f->short_drains = short_io_drains(fd);
  /* Both directions ready (tick != seen): try first, wait on EAGAIN. */
  f->dir[0].tick = f->dir[1].tick = 1;
  /* On a current-thread runtime one thread dispatches the fd's events and
   * polls its futures: the first of them to take the lock owns it.  On a
   * multi-thread one the driver moves between workers, and each move
   * would cost a revocation (a membarrier): the lock alone there. */
  ac__bias_init(&f->bias);
  f->one_thread = s->flavor == AC_RT_CURRENT_THREAD;
  f->driver = s->driver;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP |
                                     EPOLLET,
                           .data.ptr = f};
  ac__driver_t *d = s->driver;
  pthread_mutex_lock(&d->free_lock);
  if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int err = -errno;
    pthread_mutex_unlock(&d->free_lock);
    ac__obj_free(f);
    return err;
  }
  f->reg_next = d->open_fds;
  if (d->open_fds)
    d->open_fds->reg_prev = f;
  d->open_fds = f;
  pthread_mutex_unlock(&d->free_lock);
  __atomic_fetch_add(&d->nfds, 1, __ATOMIC_RELAXED);
  *out = ac__handle_make(f);
  return 0;
}

int ac_fd_close(ac_fd_t *h, int close_fd) {
  ac_fd_t *f = ac__handle_addr(h);
  uint64_t want = (uint64_t)ac__handle_gen(h) << 32 | AC__K_FD;
  uint64_t dead = (uint64_t)ac__handle_gen(h) << 32 | AC__K_DEAD;
  /* The close claims the object: of two closes, one sees it dead. */
  if (!f || !__atomic_compare_exchange_n(&f->hdr.word, &want, dead, false,
                                         __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
    return ac__misuse(-EBADF, "ac_fd_close: not an open ac_fd (closed "
                              "already, or its runtime was freed)");
  ac__driver_t *d = f->driver;
  int rc = epoll_ctl(d->epfd, EPOLL_CTL_DEL, f->fd, NULL) ? -errno : 0;
  if (close_fd && close(f->fd) != 0 && rc == 0)
    rc = -errno;
  drop_wakers(f);
  __atomic_fetch_sub(&d->nfds, 1, __ATOMIC_RELAXED);
  pthread_mutex_lock(&d->free_lock);
  unlist(d, f);
  f->next_free = d->to_free;
  __atomic_store_n(&d->to_free, f, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&d->free_lock);
  return rc;
}

int ac_fd_get(const ac_fd_t *h) {
  ac_fd_t *f = ac__obj_get(h, AC__K_FD);
  if (!f)
    return ac__misuse(-EBADF, "ac_fd_get: not an open ac_fd");
  return f->fd;
}
