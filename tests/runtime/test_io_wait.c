/*
 * test_io_wait.c: how an I/O future waits on its fd (io.c): the common
 * cases take no lock (an operation that succeeds, a short read that marks
 * the fd drained, a wait whose waker is already in the fd), a waker of
 * another task replaces the one in the fd, and an edge dispatched between
 * a future's look and its wait is not lost.  The fd's state is internal:
 * these tests hold its lock and run its reactor by hand (internal.h).
 */
#include "harness.h"
#include "internal.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static ac_fd_t *fd_obj(ac_fd_t *h) { return ac__handle_addr(h); }

/* Dispatches the events that are in, without waiting. */
static void dispatch_now(ac_fd_t *h) { ac__reactor_wait(fd_obj(h)->driver, 0); }

typedef struct steady {
  ac_fd_t *f;
  ac_io_t *io;     /* waiting, its waker in the fd */
  ac_waker_t waker;
  char *buf;       /* 64 bytes */
  int done;        /* atomic: 1 when both polls below came back */
  ac_poll_t first, second;
  long got;
} steady_t;

/* The steady state of a reader: the edge it waited for is in, so the read
 * gets the data (short: the fd is now drained), and the next read waits
 * for the next edge with the waker already in the fd. */
static void *read_then_wait(void *arg) {
  steady_t *s = arg;
  ac_context_t cx = {&s->waker};
  s->first = ac_io_poll(s->io, &cx, &s->got); /* again, after its wake */
  ac_io_drop(s->io);
  ac_io_t again = ac_read(s->f, s->buf, 64);
  s->second = ac_io_poll(&again, &cx, NULL);
  *s->io = again; /* waiting now: the caller drops it */
  t_inc(&s->done);
  return NULL;
}

static bool done_within(int *flag, int ms) {
  for (int i = 0; i < ms && !t_load(flag); i++)
    usleep(1000);
  return t_load(flag) != 0;
}

/* Held by the test, as the reactor holds it while it dispatches: the read
 * that completes short and the wait that follows it do not take the fd's
 * lock (before, each took it once: three lock holds per echo). */
Test(io_wait, a_short_read_and_the_next_wait_take_no_lock) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  int p[2];
  cr_assert_eq(pipe(p), 0);
  ac_fd_t *f;
  cr_assert_eq(ac_fd_open(p[0], &f), 0);
  t_wake_count_t wc = {0, 0};
  char buf[64];
  steady_t s = {.f = f, .waker = t_counting_waker(&wc), .buf = buf};
  ac_context_t cx = {&s.waker};
  ac_io_t io = ac_read(f, buf, sizeof buf);
  cr_assert_eq(ac_io_poll(&io, &cx, NULL), AC_POLL_PENDING);
  cr_assert_eq(t_load(&wc.refs), 1, "the first wait stores a clone");
  cr_assert_eq(write(p[1], "hello", 5), 5);
  dispatch_now(f);
  cr_assert_eq(t_load(&wc.wakes), 1);
  s.io = &io;
  ac__spin_lock(&fd_obj(f)->lock);
  pthread_t th;
  pthread_create(&th, NULL, read_then_wait, &s);
  bool unlocked_done = done_within(&s.done, 5000);
  ac__spin_unlock(&fd_obj(f)->lock);
  pthread_join(th, NULL);
  cr_assert(unlocked_done, "the read or the wait after it took the lock");
  cr_assert_eq(s.first, AC_POLL_READY);
  cr_assert_eq(s.got, 5);
  cr_assert_eq(s.second, AC_POLL_PENDING, "a short read drained the pipe");
  cr_assert_eq(t_load(&wc.refs), 1, "the waker in the fd was kept");
  /* The kept waker is woken by the next edge, and the wait completes. */
  cr_assert_eq(write(p[1], "again", 5), 5);
  dispatch_now(f);
  cr_assert_eq(t_load(&wc.wakes), 2);
  long r;
  cr_assert_eq(ac_io_poll(&io, &cx, &r), AC_POLL_READY);
  cr_assert_eq(r, 5);
  cr_assert_eq(memcmp(buf, "again", 5), 0);
  ac_io_drop(&io);
  cr_assert_eq(ac_fd_close(f, 1), 0);
  cr_assert_eq(t_load(&wc.refs), 0, "close dropped the kept waker");
  close(p[1]);
  ac_runtime_exit();
  t_close_clean(rt);
}

/* A wait with another task's waker replaces the one in the fd (dropping
 * it); the next edge wakes only the new one. */
Test(io_wait, another_tasks_waker_replaces_the_one_in_the_fd) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  int p[2];
  cr_assert_eq(pipe(p), 0);
  ac_fd_t *f;
  cr_assert_eq(ac_fd_open(p[0], &f), 0);
  t_wake_count_t a = {0, 0}, b = {0, 0};
  ac_waker_t wa = t_counting_waker(&a), wb = t_counting_waker(&b);
  ac_context_t ca = {&wa}, cb = {&wb};
  char buf[8];
  ac_io_t io = ac_read(f, buf, sizeof buf);
  cr_assert_eq(ac_io_poll(&io, &ca, NULL), AC_POLL_PENDING);
  cr_assert_eq(ac_io_poll(&io, &ca, NULL), AC_POLL_PENDING);
  cr_assert_eq(t_load(&a.refs), 1, "the same waker is stored once");
  cr_assert_eq(ac_io_poll(&io, &cb, NULL), AC_POLL_PENDING);
  cr_assert_eq(t_load(&a.refs), 0, "the replaced waker was dropped");
  cr_assert_eq(t_load(&b.refs), 1);
  cr_assert_eq(write(p[1], "x", 1), 1);
  dispatch_now(f);
  cr_assert_eq(t_load(&a.wakes), 0);
  cr_assert_eq(t_load(&b.wakes), 1);
  long r;
  cr_assert_eq(ac_io_poll(&io, &cb, &r), AC_POLL_READY);
  cr_assert_eq(r, 1);
  ac_io_drop(&io);
  cr_assert_eq(t_load(&b.refs), 1, "a finished future leaves its waker");
  cr_assert_eq(ac_fd_close(f, 1), 0);
  cr_assert_eq(t_load(&b.refs), 0);
  close(p[1]);
  ac_runtime_exit();
  t_close_clean(rt);
}

typedef struct racer {
  int wfd;
  int n, from; /* writes bytes from .. n - 1 */
} racer_t;

static void *write_bytes(void *arg) {
  racer_t *r = arg;
  for (int i = r->from; i < r->n; i++) {
    char c = (char)i;
    while (write(r->wfd, &c, 1) != 1)
      ;
    if (i % 7 == 0)
      sched_yield();
  }
  return NULL;
}

/* A task that reads until n bytes came, checking each (byte k is k).
 * The runtime moves the future into its task: the counts live outside. */
typedef struct reads_out {
  int got, bad, polls;
} reads_out_t;
typedef struct reads {
  ac_fd_t *f;
  int n;
  reads_out_t *o;
  bool reading;
  ac_io_t io;
  char buf[16];
} reads_t;
static ac_poll_t reads_poll(void *self, ac_context_t *cx, void *out) {
  reads_t *s = self;
  reads_out_t *o = s->o;
  (void)out;
  o->polls++;
  while (o->got < s->n) {
    if (!s->reading)
      s->io = ac_read(s->f, s->buf, sizeof s->buf);
    s->reading = true;
    long r;
    if (ac_io_poll(&s->io, cx, &r) == AC_POLL_PENDING)
      return AC_POLL_PENDING;
    ac_io_drop(&s->io);
    s->reading = false;
    if (r <= 0) {
      o->bad = 1;
      break;
    }
    for (long i = 0; i < r; i++, o->got++)
      o->bad |= s->buf[i] != (char)o->got;
  }
  return AC_POLL_READY;
}
static void reads_drop(void *self) {
  reads_t *s = self;
  if (s->reading)
    ac_io_drop(&s->io);
}
static const ac_future_vtable_t reads_vtable = {
    reads_poll, reads_drop, sizeof(reads_t), _Alignof(reads_t), 0, "reads"};

/* One byte at a time from another thread while one task reads them, on
 * both executors: the task waits with its waker already in the fd from
 * its second wait on, and every edge dispatched between a read's look and
 * its wait (on another worker, on the multi-thread one) wakes it, so
 * every byte arrives, in order, and the task never hangs. */
Test(io_wait, bytes_written_one_at_a_time_all_arrive) {
  T_FLAVORS(fl) {
    ac_runtime_t *rt = ac_runtime_new(fl, 2);
    ac_runtime_enter(rt);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    ac_fd_t *f;
    cr_assert_eq(ac_fd_open(p[0], &f), 0);
    racer_t r = {p[1], 3000, 0};
    pthread_t th;
    pthread_create(&th, NULL, write_bytes, &r);
    reads_out_t o = {0, 0, 0};
    reads_t s = {.f = f, .n = r.n, .o = &o};
    cr_assert_eq(ac_runtime_block_on(rt, &reads_vtable, &s, NULL), 0);
    pthread_join(th, NULL);
    cr_assert_eq(o.got, r.n);
    cr_assert_eq(o.bad, 0, "flavor %d: a byte lost or out of order", fl);
    cr_assert_gt(o.polls, 1, "the task never waited");
    cr_assert_eq(ac_fd_close(f, 1), 0);
    close(p[1]);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

/* Sanitized builds read through glibc's wrappers (io.c): not there. */
#if !defined(AC__TSAN) && !defined(AC__ASAN)
typedef struct cancel_probe {
  int rfd;
  int asked;  /* atomic: the cancel request is in */
  long got;   /* the read's result, or 0 if the thread never got back */
} cancel_probe_t;

static void *read_with_cancel_pending(void *arg) {
  cancel_probe_t *c = arg;
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  ac_fd_t *f;
  if (ac_fd_open(c->rfd, &f) != 0)
    return NULL;
  while (!t_load(&c->asked)) /* no cancellation point in this wait */
    sched_yield();
  char buf[8];
  ac_io_t io = ac_read(f, buf, sizeof buf);
  t_wake_count_t wc = {0, 0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  long r = 0;
  ac_io_poll(&io, &cx, &r); /* acted on the request if it were one */
  pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL); /* a clean end */
  c->got = r;
  ac_fd_close(f, 0);
  ac_runtime_exit();
  ac_runtime_free(rt);
  return NULL;
}

/* The read and the socket write of an I/O future are no cancellation
 * point (glibc's read() and send() are, and cost four atomic operations
 * an echo in a threaded process): a thread with a cancel request pending
 * gets through the poll.  Sanitized builds keep glibc's calls. */
Test(io_wait, an_io_poll_is_no_cancellation_point) {
  int p[2];
  cr_assert_eq(pipe(p), 0);
  cr_assert_eq(write(p[1], "abc", 3), 3);
  cancel_probe_t c = {p[0], 0, 0};
  pthread_t th;
  pthread_create(&th, NULL, read_with_cancel_pending, &c);
  pthread_cancel(th);
  t_inc(&c.asked);
  void *res;
  pthread_join(th, &res);
  cr_assert_eq(c.got, 3, "the poll was cancelled inside read()");
  close(p[0]);
  close(p[1]);
}
#endif

/* ---- the fd's biased lock (internal.h "bias.c") ----
 * Under TSan no object is biased: the checks of the bias itself are
 * skipped there (ac__bias_possible() is false), the rest still run. */

/* A future that waits once for a pipe's byte on the runtime's thread and
 * tells whether the fd's lock is biased to that thread afterwards. */
typedef struct bias_probe {
  ac_fd_t *f;
  bool reading, *mine;
  ac_io_t io;
  char buf[4];
} bias_probe_t;
static ac_poll_t bias_probe_poll(void *self, ac_context_t *cx, void *out) {
  bias_probe_t *b = self;
  (void)out;
  if (!b->reading)
    b->io = ac_read(b->f, b->buf, sizeof b->buf);
  b->reading = true;
  long r;
  if (ac_io_poll(&b->io, cx, &r) == AC_POLL_PENDING)
    return AC_POLL_PENDING;
  ac_io_drop(&b->io);
  *b->mine = ac__bias_mine(&fd_obj(b->f)->bias);
  return AC_POLL_READY;
}
static void bias_probe_drop(void *self) { (void)self; }
static const ac_future_vtable_t bias_probe_vtable = {
    bias_probe_poll, bias_probe_drop, sizeof(bias_probe_t),
    _Alignof(bias_probe_t), 0, "bias_probe"};

static void *write_one_later(void *arg) {
  usleep(20000);
  ssize_t n = write(*(int *)arg, "z", 1);
  (void)n;
  return NULL;
}

/* On a current-thread runtime the thread that waits on an fd and
 * dispatches its events takes its lock with plain stores; on a
 * multi-thread one the driver moves between workers, and the fd is never
 * biased. */
Test(io_wait, an_fd_is_biased_to_a_current_thread_runtime_only) {
  T_FLAVORS(fl) {
    ac_runtime_t *rt = ac_runtime_new(fl, 2);
    ac_runtime_enter(rt);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    ac_fd_t *f;
    cr_assert_eq(ac_fd_open(p[0], &f), 0);
    pthread_t th;
    pthread_create(&th, NULL, write_one_later, &p[1]);
    bool mine = false;
    bias_probe_t b = {.f = f, .mine = &mine};
    cr_assert_eq(ac_runtime_block_on(rt, &bias_probe_vtable, &b, NULL), 0);
    pthread_join(th, NULL);
    bool want = fl == AC_RT_CURRENT_THREAD && ac__bias_possible();
    cr_assert_eq(mine, want, "flavor %d: biased %d", fl, mine);
    cr_assert_eq(ac_fd_close(f, 1), 0);
    close(p[1]);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

typedef struct intruder {
  ac_fd_t *f;
  int rounds, stop; /* atomic */
} intruder_t;

/* Another thread that takes the fd's lock over and over: the drop of a
 * writable future that waits (its waker slot is empty: the pipe's read
 * end never waits to write, so the state is set by hand). */
static void *drop_waiting_writers(void *arg) {
  intruder_t *in = arg;
  while (!t_load(&in->stop)) {
    ac_io_t io = ac_writable(in->f);
    io.started |= AC__IO_WAITING;
    ac_io_drop(&io);
    t_inc(&in->rounds);
  }
  return NULL;
}

/* A thread that is not the owner takes the lock while the owner reads
 * and dispatches: it revokes the bias first, and no event or byte is
 * lost on the way. */
Test(io_wait, a_lock_taken_by_another_thread_revokes_the_bias) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  int p[2];
  cr_assert_eq(pipe(p), 0);
  ac_fd_t *f;
  cr_assert_eq(ac_fd_open(p[0], &f), 0);
  /* The first 100 bytes: the fd is biased to this thread. */
  racer_t r = {p[1], 100, 0};
  reads_out_t o = {0, 0, 0};
  reads_t s = {.f = f, .n = 100, .o = &o};
  pthread_t wr;
  pthread_create(&wr, NULL, write_bytes, &r);
  cr_assert_eq(ac_runtime_block_on(rt, &reads_vtable, &s, NULL), 0);
  pthread_join(wr, NULL);
  cr_assert_eq(ac__bias_mine(&fd_obj(f)->bias), ac__bias_possible());
  /* Another thread takes the lock: the bias is revoked. */
  intruder_t in = {f, 0, 0};
  pthread_t th;
  pthread_create(&th, NULL, drop_waiting_writers, &in);
  while (t_load(&in.rounds) == 0)
    sched_yield();
  cr_assert_not(ac__bias_mine(&fd_obj(f)->bias));
  /* The rest while it goes on taking the lock. */
  r = (racer_t){p[1], 3000, 100};
  s.n = r.n;
  pthread_create(&wr, NULL, write_bytes, &r);
  cr_assert_eq(ac_runtime_block_on(rt, &reads_vtable, &s, NULL), 0);
  pthread_join(wr, NULL);
  t_inc(&in.stop);
  pthread_join(th, NULL);
  cr_assert_eq(o.got, r.n);
  cr_assert_eq(o.bad, 0, "a byte lost or out of order");
  cr_assert_eq(ac_fd_close(f, 1), 0);
  close(p[1]);
  ac_runtime_exit();
  t_close_clean(rt);
}
