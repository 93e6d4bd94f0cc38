/*
 * test_io.c: the reactor and the I/O futures on pipes, socketpairs and
 * loopback TCP: waiting for readiness, errors as results, cancellation.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

/* block_on one I/O future; returns its result. */
static long run_io(ac_runtime_t *rt, ac_io_t io) {
  t_await_t a = {&ac_io_vtable, &io};
  long out[8] = {0};
  cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, out), 0);
  return out[0];
}

static void *write_later(void *arg) {
  usleep(20000);
  ssize_t n = write(*(int *)arg, "ping", 4);
  (void)n;
  return NULL;
}

Test(io, read_waits_for_data_from_another_thread) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_runtime_enter(rt);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    ac_fd_t *rd;
    cr_assert_eq(ac_fd_open(p[0], &rd), 0);
    pthread_t th;
    pthread_create(&th, NULL, write_later, &p[1]);
    char buf[16] = {0};
    cr_assert_eq(run_io(rt, ac_read(rd, buf, sizeof buf)), 4);
    cr_assert_str_eq(buf, "ping");
    pthread_join(th, NULL);
    close(p[1]);
    cr_assert_eq(run_io(rt, ac_read(rd, buf, sizeof buf)), 0, "EOF");
    cr_assert_eq(ac_fd_close(rd, 1), 0);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

Test(io, write_to_a_closed_peer_is_epipe_not_a_signal) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  int sv[2];
  cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  close(sv[1]);
  ac_fd_t *f;
  cr_assert_eq(ac_fd_open(sv[0], &f), 0);
  cr_assert_eq(run_io(rt, ac_write(f, "x", 1)), -EPIPE);
  cr_assert_eq(ac_fd_close(f, 1), 0);
  ac_runtime_exit();
  t_close_clean(rt);
}

/* Issue 13, item 6: a pipe has no MSG_NOSIGNAL; with SIGPIPE at its
 * default, the write used to kill the process (exit 141). */
Test(io, write_to_a_pipe_without_reader_is_epipe_not_a_signal) {
  signal(SIGPIPE, SIG_DFL);
  T_FLAVORS(fl) {
    ac_runtime_t *rt = ac_runtime_new(fl, 1);
    ac_runtime_enter(rt);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    close(p[0]);
    ac_fd_t *f;
    cr_assert_eq(ac_fd_open(p[1], &f), 0);
    cr_assert_eq(run_io(rt, ac_write(f, "x", 1)), -EPIPE);
    sigset_t pending;
    sigpending(&pending);
    cr_assert(!sigismember(&pending, SIGPIPE), "a SIGPIPE was left pending");
    cr_assert_eq(ac_fd_close(f, 1), 0);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

Test(io, dropped_read_takes_its_waker_back) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  int p[2];
  cr_assert_eq(pipe(p), 0);
  ac_fd_t *rd;
  cr_assert_eq(ac_fd_open(p[0], &rd), 0);
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  char buf[4];
  long r;
  ac_io_t io = ac_read(rd, buf, sizeof buf);
  cr_assert_eq(ac_io_poll(&io, &cx, &r), AC_POLL_PENDING);
  cr_assert_eq(wc.refs, 1);
  ac_io_drop(&io);
  cr_assert_eq(wc.refs, 0);
  ac_fd_close(rd, 1);
  close(p[1]);
  ac_runtime_exit();
  t_close_clean(rt);
}

static int listen_loopback(uint16_t *port) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(bind(l, (struct sockaddr *)&a, sizeof a), 0);
  cr_assert_eq(listen(l, 16), 0);
  socklen_t len = sizeof a;
  getsockname(l, (struct sockaddr *)&a, &len);
  *port = ntohs(a.sin_port);
  return l;
}

Test(io, tcp_accept_connect_and_echo_over_loopback) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_runtime_enter(rt);
    uint16_t port;
    ac_fd_t *l, *c, *s;
    cr_assert_eq(ac_fd_open(listen_loopback(&port), &l), 0);
    int cfd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(ac_fd_open(cfd, &c), 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(run_io(rt, ac_connect(c, &a, sizeof a)), 0);
    long sfd = run_io(rt, ac_accept(l));
    cr_assert_geq(sfd, 0);
    cr_assert_eq(ac_fd_open((int)sfd, &s), 0);
    char buf[64];
    for (int i = 0; i < 100; i++) {
      cr_assert_eq(run_io(rt, ac_write(c, "hello", 5)), 5);
      cr_assert_eq(run_io(rt, ac_read(s, buf, sizeof buf)), 5);
      cr_assert_eq(run_io(rt, ac_write(s, buf, 5)), 5);
      cr_assert_eq(run_io(rt, ac_read(c, buf, sizeof buf)), 5);
    }
    cr_assert_eq(memcmp(buf, "hello", 5), 0);
    ac_fd_close(c, 1);
    cr_assert_eq(run_io(rt, ac_read(s, buf, sizeof buf)), 0);
    ac_fd_close(s, 1);
    ac_fd_close(l, 1);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

Test(io, connect_refused_is_a_result) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  uint16_t port;
  int l = listen_loopback(&port);
  close(l); /* nobody listens there now */
  ac_fd_t *c;
  cr_assert_eq(ac_fd_open(socket(AF_INET, SOCK_STREAM, 0), &c), 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons(port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(run_io(rt, ac_connect(c, &a, sizeof a)), -ECONNREFUSED);
  ac_fd_close(c, 1);
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(io, accept_out_of_fds_is_emfile) {
  if (RUNNING_ON_VALGRIND)
    return; /* valgrind keeps fds of its own above the limit we would set */
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  uint16_t port;
  int lfd = listen_loopback(&port);
  ac_fd_t *l;
  cr_assert_eq(ac_fd_open(lfd, &l), 0);
  int cfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons(port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(connect(cfd, (struct sockaddr *)&a, sizeof a), 0);
  int top = dup(0); /* the lowest free fd: forbid it and all above */
  close(top);
  struct rlimit old, lim;
  getrlimit(RLIMIT_NOFILE, &old);
  lim = old;
  lim.rlim_cur = (rlim_t)top;
  setrlimit(RLIMIT_NOFILE, &lim);
  cr_assert_eq(run_io(rt, ac_accept(l)), -EMFILE);
  setrlimit(RLIMIT_NOFILE, &old);
  long s = run_io(rt, ac_accept(l));
  cr_assert_geq(s, 0);
  close((int)s);
  close(cfd);
  ac_fd_close(l, 1);
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(io, readiness_future_waits_for_readable) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  int p[2];
  cr_assert_eq(pipe(p), 0);
  ac_fd_t *rd;
  ac_fd_open(p[0], &rd);
  char buf[8];
  /* Drain the assumed readiness first: the read sees EAGAIN. */
  ac_waker_t w = ac_waker_noop();
  ac_context_t cx = {&w};
  long r;
  ac_io_t io = ac_read(rd, buf, sizeof buf);
  cr_assert_eq(ac_io_poll(&io, &cx, &r), AC_POLL_PENDING);
  ac_io_drop(&io);
  pthread_t th;
  pthread_create(&th, NULL, write_later, &p[1]);
  cr_assert_eq(run_io(rt, ac_readable(rd)), 0);
  cr_assert_eq(read(p[0], buf, sizeof buf), 4);
  pthread_join(th, NULL);
  ac_fd_close(rd, 1);
  close(p[1]);
  ac_runtime_exit();
  t_close_clean(rt);
}

/* A task blocked in a read, aborted: its frame drops the read, which takes
 * its waker back out of the fd, so the task's memory is freed before the
 * fd is closed. */
typedef struct reader {
  int state;
  ac_fd_t *f;
  ac_io_t io;
  char buf[8];
  int *drops;
} reader_t;
static ac_poll_t reader_poll(void *self, ac_context_t *cx, void *out) {
  reader_t *r = self;
  (void)out;
  if (r->state == 0) {
    r->io = ac_read(r->f, r->buf, sizeof r->buf);
    r->state = 1;
  }
  long n;
  if (ac_io_poll(&r->io, cx, &n) == AC_POLL_PENDING)
    return AC_POLL_PENDING;
  r->state = 2;
  return AC_POLL_READY;
}
static void reader_drop(void *self) {
  reader_t *r = self;
  if (r->state == 1)
    ac_io_drop(&r->io);
  t_inc(r->drops);
}
static const ac_future_vtable_t reader_vtable = {
    reader_poll, reader_drop, sizeof(reader_t), _Alignof(reader_t), 0,
    "reader"};

Test(io, aborted_reader_releases_the_fd_and_its_task) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_runtime_enter(rt);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    ac_fd_t *rd;
    cr_assert_eq(ac_fd_open(p[0], &rd), 0);
    int drops = 0;
    reader_t r = {.f = rd, .drops = &drops};
    ac_task_t *t = ac_runtime_spawn(rt, &reader_vtable, &r);
    t_sleeper_t wait = t_sleeper(20, 0, NULL);
    ac_runtime_block_on(rt, &t_sleeper_vtable, &wait, NULL);
    ac_task_abort(t);
    ac_task_detach(t);
    wait = t_sleeper(20, 0, NULL);
    ac_runtime_block_on(rt, &t_sleeper_vtable, &wait, NULL);
    cr_assert_eq(t_load(&drops), 1);
    /* A worker may still be finishing block_on's own task: give it time. */
    ac_runtime_stats_t st;
    for (int i = 0; i < 2000; i++) {
      ac_runtime_stats(rt, &st);
      if (st.allocated == 0)
        break;
      usleep(1000);
    }
    cr_assert_eq(st.allocated, 0, "the fd still holds the task's waker");
    cr_assert_eq(st.fds, 1);
    ac_fd_close(rd, 1);
    close(p[1]);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

/* Polls one read by hand, with a waker that only counts. */
static ac_poll_t poll_read_once(ac_fd_t *f, char *buf, size_t len, long *r) {
  ac_waker_t w = ac_waker_noop();
  ac_context_t cx = {&w};
  ac_io_t io = ac_read(f, buf, len);
  ac_poll_t p = ac_io_poll(&io, &cx, r);
  ac_io_drop(&io);
  return p;
}

/* A connected loopback TCP pair: *a and *b, plain fds. */
static void tcp_pair(int *a, int *b) {
  uint16_t port;
  int l = listen_loopback(&port);
  *a = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET,
                           .sin_port = htons(port),
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  cr_assert_eq(connect(*a, (struct sockaddr *)&sa, sizeof sa), 0);
  *b = accept(l, NULL, NULL);
  cr_assert_geq(*b, 0);
  close(l);
}

/* A read shorter than its buffer on a pipe or TCP drained the kernel
 * buffer, as EAGAIN would: the next read waits for the next edge without a
 * read() of its own.  Here the proof is data written after the short read
 * but before any driver turn: the next read does not see it until the
 * driver has dispatched its edge (and then it does: nothing is lost). */
Test(io, short_read_on_a_pipe_or_tcp_waits_for_the_next_edge) {
  for (int kind = 0; kind < 2; kind++) {
    ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
    ac_runtime_enter(rt);
    int rfd, wfd, p[2];
    if (kind == 0) {
      cr_assert_eq(pipe(p), 0);
      rfd = p[0], wfd = p[1];
    } else {
      tcp_pair(&wfd, &rfd);
    }
    ac_fd_t *f;
    cr_assert_eq(ac_fd_open(rfd, &f), 0);
    char buf[64];
    long r;
    cr_assert_eq(write(wfd, "hello", 5), 5);
    cr_assert_eq(poll_read_once(f, buf, sizeof buf, &r), AC_POLL_READY);
    cr_assert_eq(r, 5);
    cr_assert_eq(write(wfd, "again", 5), 5);
    cr_assert_eq(poll_read_once(f, buf, sizeof buf, &r), AC_POLL_PENDING,
                 "kind %d: read again after a short read", kind);
    memset(buf, 0, sizeof buf);
    cr_assert_eq(run_io(rt, ac_read(f, buf, sizeof buf)), 5);
    cr_assert_eq(memcmp(buf, "again", 5), 0);
    /* A full read proves nothing: the next read tries at once. */
    cr_assert_eq(write(wfd, "0123456789", 10), 10);
    cr_assert_eq(run_io(rt, ac_read(f, buf, 4)), 4);
    cr_assert_eq(poll_read_once(f, buf, 4, &r), AC_POLL_READY);
    cr_assert_eq(r, 4);
    /* End of file is no proof either: it is read again, never waited on. */
    cr_assert_eq(run_io(rt, ac_read(f, buf, sizeof buf)), 2);
    close(wfd);
    cr_assert_eq(run_io(rt, ac_read(f, buf, sizeof buf)), 0);
    cr_assert_eq(poll_read_once(f, buf, sizeof buf, &r), AC_POLL_READY);
    cr_assert_eq(r, 0);
    ac_fd_close(f, 1);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

/* The writer's last data and its close raise one edge; once that edge is
 * in, the short read of the data must not clear readiness, or the read of
 * end of file after it would wait for an edge that never comes. */
Test(io, short_read_after_the_hang_up_edge_still_sees_end_of_file) {
  for (int kind = 0; kind < 2; kind++) {
    ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
    ac_runtime_enter(rt);
    int rfd, wfd, p[2];
    if (kind == 0) {
      cr_assert_eq(pipe(p), 0);
      rfd = p[0], wfd = p[1];
    } else {
      tcp_pair(&wfd, &rfd);
    }
    ac_fd_t *f;
    cr_assert_eq(ac_fd_open(rfd, &f), 0);
    char buf[64];
    long r;
    cr_assert_eq(poll_read_once(f, buf, sizeof buf, &r), AC_POLL_PENDING);
    cr_assert_eq(write(wfd, "tail", 4), 4);
    close(wfd);
    cr_assert_eq(run_io(rt, ac_readable(f)), 0); /* the edge is in */
    cr_assert_eq(poll_read_once(f, buf, sizeof buf, &r), AC_POLL_READY);
    cr_assert_eq(r, 4);
    cr_assert_eq(poll_read_once(f, buf, sizeof buf, &r), AC_POLL_READY,
                 "kind %d: end of file waits for an edge", kind);
    cr_assert_eq(r, 0);
    ac_fd_close(f, 1);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

/* On a unix stream socket a read may stop early (at a message that carries
 * credentials or descriptors), so a short read proves nothing there and the
 * next read tries at once. */
Test(io, short_read_on_a_unix_socket_reads_on) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  int sv[2];
  cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ac_fd_t *f;
  cr_assert_eq(ac_fd_open(sv[0], &f), 0);
  char buf[64];
  long r;
  cr_assert_eq(write(sv[1], "hello", 5), 5);
  cr_assert_eq(poll_read_once(f, buf, sizeof buf, &r), AC_POLL_READY);
  cr_assert_eq(write(sv[1], "again", 5), 5);
  cr_assert_eq(poll_read_once(f, buf, sizeof buf, &r), AC_POLL_READY);
  cr_assert_eq(r, 5);
  ac_fd_close(f, 1);
  close(sv[1]);
  ac_runtime_exit();
  t_close_clean(rt);
}
