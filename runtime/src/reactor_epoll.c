/*
 * reactor_epoll.c: the only user of epoll.  Each registered fd is added once,
 * edge-triggered for read and write, with its ac_fd as the event data.
 * Readiness is remembered in ac_fd.ready and cleared only by io.c after an
 * EAGAIN seen at the same `tick`, so an edge that arrives between a failed
 * read and the waker being stored is never lost.
 *
 * A closed ac_fd may still sit in the batch epoll_wait returned, so close
 * only queues it; the driver frees queued ones at the start of its next
 * turn, when no batch is outstanding.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

void ac__reactor_destroy(ac__driver_t *d) {
  close(d->evfd);
  close(d->epfd);
}

static void dispatch(ac_fd_t *f, uint32_t events) {
  uint32_t bits = 0;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
    bits |= AC__READABLE;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
    bits |= AC__WRITABLE;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
    bits |= AC__READ_CLOSED;
  if (events & (EPOLLHUP | EPOLLERR))
    bits |= AC__WRITE_CLOSED;
  /* The wakers stay in the fd (woken by reference, under the lock so they
   * cannot be dropped meanwhile): the next wait of the same task finds its
   * waker there and clones nothing.  A waker is given back when its future
   * is dropped while waiting, replaced by another task's, or at close. */
  ac__spin_lock(&f->lock);
  __atomic_store_n(&f->ready, f->ready | bits, __ATOMIC_RELAXED);
  __atomic_store_n(&f->tick, f->tick + 1, __ATOMIC_RELEASE);
  if ((bits & AC__READABLE) && f->reader.vtable)
    ac_waker_wake_by_ref(&f->reader);
  if ((bits & AC__WRITABLE) && f->writer.vtable)
    ac_waker_wake_by_ref(&f->writer);
  ac__spin_unlock(&f->lock);
}

void ac__reactor_wait(ac__driver_t *d, int timeout_ms) {
  struct epoll_event ev[MAX_EVENTS];
  int n = epoll_wait(d->epfd, ev, MAX_EVENTS, timeout_ms);
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
    free(f);
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
  ac_fd_t *f = calloc(1, sizeof *f);
  if (!f)
    return -ENOMEM;
  f->fd = fd;
  f->short_drains = short_io_drains(fd);
  f->ready = AC__READABLE | AC__WRITABLE; /* try first, wait on EAGAIN */
  f->driver = s->driver;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP |
                                     EPOLLET,
                           .data.ptr = f};
  if (epoll_ctl(s->driver->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int err = -errno;
    free(f);
    return err;
  }
  __atomic_fetch_add(&s->driver->nfds, 1, __ATOMIC_RELAXED);
  *out = f;
  return 0;
}

int ac_fd_close(ac_fd_t *f, int close_fd) {
  ac__driver_t *d = f->driver;
  int rc = epoll_ctl(d->epfd, EPOLL_CTL_DEL, f->fd, NULL) ? -errno : 0;
  if (close_fd && close(f->fd) != 0 && rc == 0)
    rc = -errno;
  ac__spin_lock(&f->lock);
  ac_waker_t r = ac__waker_take(&f->reader), w = ac__waker_take(&f->writer);
  ac__spin_unlock(&f->lock);
  if (r.vtable)
    ac_waker_drop(r);
  if (w.vtable)
    ac_waker_drop(w);
  __atomic_fetch_sub(&d->nfds, 1, __ATOMIC_RELAXED);
  pthread_mutex_lock(&d->free_lock);
  f->next_free = d->to_free;
  __atomic_store_n(&d->to_free, f, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&d->free_lock);
  return rc;
}

int ac_fd_get(const ac_fd_t *f) { return f->fd; }
