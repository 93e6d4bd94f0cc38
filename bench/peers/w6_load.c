/*
 * w6_load: the load of W6 (docs/benchmarks.md) against any echo server program:
 * 64 connections on 127.0.0.1, each sending a 64-byte message and waiting
 * for its echo before the next, until TRIPS round trips or 10 s
 * (W6_SECONDS in the environment changes the limit): a machine whose
 * loopback is slow stops sending at the limit and waits for the echoes in
 * flight; the per-trip figures hold for the trips made (at least
 * MIN_TRIPS, or W6_MIN_TRIPS), so the run still counts.
 *
 *   w6_load TRIPS SERVER [ARGS...]
 *
 * It listens on a port the kernel picks, then runs SERVER with ARGS, where
 * an argument "{fd}" becomes the listening socket's descriptor (inherited),
 * and "{conns}" the connection count.  When every connection is closed the
 * server must exit 0; its CPU time comes from wait4().  Prints one line:
 *   W6 trips=N user_ns=U sys_ns=S trips_per_s=R [cut=time ]check=ok|FAIL
 * user_ns and sys_ns are the server's CPU per round trip.  Every echo is
 * checked byte for byte (each message carries its connection and count).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { CONNS = 64, MSG = 64, SECONDS = 10, MIN_TRIPS = 10000 };

typedef struct conn {
  int fd, got;
  long sent;
  char out[MSG], in[MSG];
} conn_t;

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "w6_load: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void send_next(conn_t *c, int id) {
  memset(c->out, 'a' + id % 26, MSG);
  snprintf(c->out, MSG, "conn %d msg %ld", id, c->sent++);
  if (write(c->fd, c->out, MSG) != MSG)
    die("send");
}

/* Runs the load; returns the round trips done, or -1 on a wrong or
   missing echo.
   *cut is set when the time limit ended it before TRIPS. */
static long load(uint16_t port, long trips, double seconds, int *cut) {
  static conn_t c[CONNS];
  int ep = epoll_create1(0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  for (int i = 0; i < CONNS; i++) {
    c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c[i].fd < 0 || connect(c[i].fd, (struct sockaddr *)&a, sizeof a) != 0)
      die("connect");
    int one = 1;
    setsockopt(c[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
  }
  long done = 0, sent = 0;
  for (int i = 0; i < CONNS && sent < trips; i++, sent++)
    send_next(&c[i], i);
  /* Past the limit no message is sent and the ones in flight are waited
     for (a few more seconds at most), so every server sees a clean end of
     file rather than a reset. */
  double t_end = now_ns() + seconds * 1e9, t_drain = t_end + 5e9;
  struct epoll_event ev[CONNS];
  while (done < sent && now_ns() < t_drain) {
    if (sent < trips && now_ns() >= t_end) {
      trips = sent;
      *cut = 1;
    }
    int n = epoll_wait(ep, ev, CONNS, 1000);
    for (int i = 0; i < n; i++) {
      int id = (int)ev[i].data.u32;
      conn_t *k = &c[id];
      ssize_t r = read(k->fd, k->in + k->got, (size_t)(MSG - k->got));
      if (r <= 0)
        die("echo read");
      k->got += (int)r;
      if (k->got < MSG)
        continue;
      k->got = 0;
      if (memcmp(k->in, k->out, MSG) != 0)
        return -1;
      done++;
      if (sent < trips) {
        send_next(k, id);
        sent++;
      }
    }
  }
  for (int i = 0; i < CONNS; i++)
    close(c[i].fd);
  close(ep);
  return done == sent ? done : -1; /* an echo never came */
}

int main(int argc, char **argv) {
  if (argc < 3 || atol(argv[1]) <= 0) {
    fprintf(stderr, "usage: w6_load TRIPS SERVER [ARGS...]\n");
    return 2;
  }
  long trips = atol(argv[1]);
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 128) != 0)
    die("listen");
  socklen_t len = sizeof a;
  getsockname(l, (struct sockaddr *)&a, &len);
  char fdarg[16], connarg[16];
  snprintf(fdarg, sizeof fdarg, "%d", l);
  snprintf(connarg, sizeof connarg, "%d", CONNS);
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "{fd}"))
      argv[i] = fdarg;
    else if (!strcmp(argv[i], "{conns}"))
      argv[i] = connarg;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0)
    die("fork");
  if (pid == 0) {
    /* The server's own result line goes to stderr-free stdout of ours. */
    execvp(argv[2], argv + 2);
    fprintf(stderr, "w6_load: cannot run %s: %s\n", argv[2], strerror(errno));
    _exit(127);
  }
  close(l);
  const char *limit = getenv("W6_SECONDS");
  double seconds = limit && atof(limit) > 0 ? atof(limit) : SECONDS;
  double t0 = now_ns();
  int cut = 0;
  long done = load(ntohs(a.sin_port), trips, seconds, &cut);
  double dt = now_ns() - t0;
  int st;
  struct rusage ru;
  if (wait4(pid, &st, 0, &ru) != pid)
    die("wait4");
  const char *floor = getenv("W6_MIN_TRIPS");
  long min_trips = floor && atol(floor) > 0 ? atol(floor) : MIN_TRIPS;
  int ok = (cut ? done >= min_trips : done == trips) && WIFEXITED(st) &&
           WEXITSTATUS(st) == 0;
  double user = (double)ru.ru_utime.tv_sec * 1e9 + (double)ru.ru_utime.tv_usec * 1e3;
  double sys = (double)ru.ru_stime.tv_sec * 1e9 + (double)ru.ru_stime.tv_usec * 1e3;
  double n = done > 0 ? (double)done : 1;
  printf("W6 trips=%ld user_ns=%.1f sys_ns=%.1f trips_per_s=%.0f %scheck=%s\n",
         done, user / n, sys / n, done / (dt / 1e9), cut ? "cut=time " : "",
         ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
