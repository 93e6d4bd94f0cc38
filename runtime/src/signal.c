/*
 * signal.c: Unix signals as a stream of futures, read from a signalfd on
 * the reactor.
 *
 * A signalfd only sees a signal that is blocked in every thread (else the
 * kernel delivers it to a thread that does not block it).  The runtime
 * cannot reach into threads it did not make, so opening a stream installs
 * a handler that, in whichever thread it runs, blocks the signal in that
 * thread (through the mask it will return to) and sends it to the process
 * again; once every thread blocks it, it stays pending and the signalfd
 * reads it.  Pool threads (blocking.c) block every signal from the start.
 * The handler stays installed after the last stream is closed, as tokio's
 * does: a signal that arrives while no stream is open stays pending and
 * goes to the next stream opened for it.
 *
 * Several streams may listen to one signal.  A pending signal is read by
 * whichever signalfd reads first, so each delivery is counted in a
 * process-wide table and every stream of that signal is woken; a stream
 * reports each delivery counted since it last looked.
 */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct ac_signal {
  int signo;
  int sfd;
  ac_fd_t *rfd;
  uint64_t seen;          /* deliveries of signo reported so far */
  ac_waker_t waker;       /* woken when another stream reads one, under hub */
  ac_list_node_t node;    /* in the hub's list */
};

static struct {
  pthread_mutex_t lock;
  uint64_t count[_NSIG];  /* deliveries read, per signal */
  uint32_t handled[(_NSIG + 31) / 32]; /* handler installed */
  ac_list_node_t streams;
  bool init;
} hub = {PTHREAD_MUTEX_INITIALIZER, {0}, {0}, {NULL, NULL}, false};

static void redirect(int signo, siginfo_t *info, void *uctx) {
  (void)info;
  ucontext_t *uc = uctx;
  sigaddset(&uc->uc_sigmask, signo); /* blocked here from now on */
  int saved = errno;
  kill(getpid(), signo);             /* pending for the process again */
  errno = saved;
}

/* Under hub.lock: installs the redirecting handler once per signal. */
static int install(int signo) {
  uint32_t bit = 1u << (signo % 32);
  if (hub.handled[signo / 32] & bit)
    return 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = redirect;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
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
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signo);
  pthread_mutex_lock(&hub.lock);
  if (!hub.init) {
    ac__list_init(&hub.streams);
    hub.init = true;
  }
  int rc = install(signo);
  if (rc == 0) {
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    s->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    rc = s->sfd < 0 ? -errno : ac_fd_open(s->sfd, &s->rfd);
    if (rc != 0 && s->sfd >= 0)
      close(s->sfd);
  }
  if (rc == 0) {
    s->seen = hub.count[signo];
    ac__list_push_back(&hub.streams, &s->node);
  }
  pthread_mutex_unlock(&hub.lock);
  if (rc != 0) {
    free(s);
    return rc;
  }
  *out = s;
  return 0;
}

void ac_signal_close(ac_signal_t *s) {
  pthread_mutex_lock(&hub.lock);
  ac__list_remove(&s->node);
  ac_waker_t w = ac__waker_take(&s->waker);
  pthread_mutex_unlock(&hub.lock);
  ac__waker_drop_opt(w);
  ac_fd_close(s->rfd, 1);
  free(s);
}

/* Counts one delivery read from a signalfd and wakes the other streams of
 * that signal.  Under hub.lock. */
static void count(ac_signal_t *s, uint32_t signo) {
  if (signo >= _NSIG)
    return;
  hub.count[signo]++;
  for (ac_list_node_t *p = hub.streams.next; p != &hub.streams; p = p->next) {
    ac_signal_t *o = ac__container_of(p, ac_signal_t, node);
    if (o != s && o->signo == (int)signo && o->waker.vtable)
      ac_waker_wake(ac__waker_take(&o->waker));
  }
}

ac_signal_recv_t ac_signal_recv(ac_signal_t *s) {
  ac_signal_recv_t r;
  memset(&r, 0, sizeof r);
  r.s = s;
  return r;
}

/* A delivery counted and not yet reported: takes it.  Else stores the
 * waker for the other streams' wakes.  Under hub.lock. */
static bool take_news(ac_signal_t *s, ac_context_t *cx) {
  if (hub.count[s->signo] != s->seen) {
    s->seen++;
    return true;
  }
  ac__waker_store(&s->waker, cx);
  return false;
}

ac_poll_t ac_signal_recv_poll(ac_signal_recv_t *r, ac_context_t *cx,
                              int *out) {
  ac_signal_t *s = r->s;
  struct signalfd_siginfo *si = (struct signalfd_siginfo *)(void *)r->si;
  _Static_assert(sizeof r->si >= sizeof *si, "siginfo room");
  for (;;) {
    pthread_mutex_lock(&hub.lock);
    bool news = take_news(s, cx);
    pthread_mutex_unlock(&hub.lock);
    if (news) {
      if (r->reading)
        ac_io_drop(&r->io);
      r->reading = 0;
      if (out)
        *out = s->signo;
      return AC_POLL_READY;
    }
    if (!r->reading) {
      r->io = ac_read(s->rfd, si, sizeof *si);
      r->reading = 1;
    }
    long n;
    if (ac_io_poll(&r->io, cx, &n) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    r->reading = 0;
    if (n < 0) {
      if (out)
        *out = (int)n;
      return AC_POLL_READY;
    }
    if (n == (long)sizeof *si) {
      pthread_mutex_lock(&hub.lock);
      count(s, si->ssi_signo);
      pthread_mutex_unlock(&hub.lock);
    }
  }
}

void ac_signal_recv_drop(ac_signal_recv_t *r) {
  ac_signal_t *s = r->s;
  if (r->reading)
    ac_io_drop(&r->io);
  r->reading = 0;
  pthread_mutex_lock(&hub.lock);
  ac_waker_t w = ac__waker_take(&s->waker);
  pthread_mutex_unlock(&hub.lock);
  ac__waker_drop_opt(w);
}

const ac_future_vtable_t ac_signal_recv_vtable = {
    (ac_poll_t(*)(void *, ac_context_t *, void *))ac_signal_recv_poll,
    (void (*)(void *))ac_signal_recv_drop, sizeof(ac_signal_recv_t),
    _Alignof(ac_signal_recv_t), sizeof(int), "ac_signal_recv"};
