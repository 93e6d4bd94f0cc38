/*
 * signal.c: Unix signals as a stream of futures.
 *
 * Opening a stream installs a handler for its signal.  The handler counts
 * the delivery in a process-wide table and rings a doorbell, an eventfd
 * that is never closed: both are async-signal-safe, and neither depends on
 * which thread the kernel picked or on any thread's signal mask.  Each
 * stream listens to the doorbell through a dup of it registered with its
 * own runtime's reactor (every epoll registration of the eventfd is told
 * of a write), and reports each delivery counted since it last looked.
 *
 * Why not signalfd: a signalfd sees a signal only while every thread of
 * the process blocks it, and a library cannot make threads it did not
 * create (the program's, other libraries') block anything.  Working around
 * that from a handler (block the signal in the interrupted thread's saved
 * mask, send it again) held on Linux but spun forever under valgrind,
 * which does not honour a handler's change to the saved mask.  docs/
 * runtime.md §17 has the story.
 *
 * As with tokio, the handler stays installed once a signal has been
 * listened to: with no stream open, a delivery is only counted.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct ac_signal {
  int signo;
  ac_fd_t *rfd;   /* a dup of the doorbell, on this runtime's reactor */
  uint64_t seen;  /* deliveries of signo reported so far */
};

static struct {
  pthread_mutex_t lock;
  int doorbell;                         /* eventfd, never closed; -1 before */
  uint64_t count[_NSIG];                /* atomic: deliveries per signal */
  uint32_t handled[(_NSIG + 31) / 32];  /* handler installed (under lock) */
} hub = {PTHREAD_MUTEX_INITIALIZER, -1, {0}, {0}};

static void on_signal(int signo) {
  int saved = errno;
  __atomic_fetch_add(&hub.count[signo], 1, __ATOMIC_RELEASE);
  uint64_t one = 1;
  ssize_t rc = write(__atomic_load_n(&hub.doorbell, __ATOMIC_ACQUIRE), &one,
                     sizeof one);
  (void)rc; /* EAGAIN: the counter is full of rings, which is enough */
  errno = saved;
}

/* Under hub.lock: the doorbell and the handler, once each. */
static int install(int signo) {
  if (hub.doorbell < 0) {
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0)
      return -errno;
    __atomic_store_n(&hub.doorbell, fd, __ATOMIC_RELEASE);
  }
  uint32_t bit = 1u << (signo % 32);
  if (hub.handled[signo / 32] & bit)
    return 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigfillset(&sa.sa_mask); /* one handler at a time per thread */
  if (sigaction(signo, &sa, NULL) != 0)
    return -errno;
  hub.handled[signo / 32] |= bit;
  return 0;
}

int ac_signal_open(int signo, ac_signal_t **out) {
  if (signo <= 0 || signo >= _NSIG || signo == SIGKILL || signo == SIGSTOP)
    return -EINVAL;
  ac_signal_t *s = calloc(1, sizeof *s);
  if (!s)
    return -ENOMEM;
  s->signo = signo;
  pthread_mutex_lock(&hub.lock);
  int rc = install(signo), fd = -1;
  if (rc == 0) {
    fd = fcntl(hub.doorbell, F_DUPFD_CLOEXEC, 0);
    rc = fd < 0 ? -errno : ac_fd_open(fd, &s->rfd);
  }
  pthread_mutex_unlock(&hub.lock);
  if (rc != 0) {
    if (fd >= 0)
      close(fd);
    free(s);
    return rc;
  }
  s->seen = __atomic_load_n(&hub.count[signo], __ATOMIC_ACQUIRE);
  *out = s;
  return 0;
}

void ac_signal_close(ac_signal_t *s) {
  ac_fd_close(s->rfd, 1);
  free(s);
}

ac_signal_recv_t ac_signal_recv(ac_signal_t *s) {
  ac_signal_recv_t r;
  memset(&r, 0, sizeof r);
  r.s = s;
  return r;
}

/* The count is looked at before each wait on the doorbell, and the
 * handler counts before it rings, so a delivery between the look and the
 * wait leaves the doorbell rung: the wait completes and we look again.
 * Streams share the doorbell's counter; one that drains it does not hide
 * a ring from the others, whose registrations were each told of it. */
ac_poll_t ac_signal_recv_poll(ac_signal_recv_t *r, ac_context_t *cx,
                              int *out) {
  ac_signal_t *s = r->s;
  for (;;) {
    uint64_t c = __atomic_load_n(&hub.count[s->signo], __ATOMIC_ACQUIRE);
    if (c != s->seen) {
      s->seen++;
      if (r->reading)
        ac_io_drop(&r->io);
      r->reading = 0;
      if (out)
        *out = s->signo;
      return AC_POLL_READY;
    }
    if (!r->reading) {
      r->io = ac_read(s->rfd, r->si, sizeof(uint64_t));
      r->reading = 1;
    }
    long n;
    if (ac_io_poll(&r->io, cx, &n) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    r->reading = 0;
    if (n < 0 && n != -EAGAIN) {
      if (out)
        *out = (int)n;
      return AC_POLL_READY;
    }
  }
}

void ac_signal_recv_drop(ac_signal_recv_t *r) {
  if (r->reading)
    ac_io_drop(&r->io);
  r->reading = 0;
}

const ac_future_vtable_t ac_signal_recv_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_signal_recv_poll,
    (void (*)(void *))ac_signal_recv_drop, sizeof(ac_signal_recv_t),
    _Alignof(ac_signal_recv_t), sizeof(int), "ac_signal_recv"};
