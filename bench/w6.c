/*
 * w6.c: W6, TCP echo on loopback: 64 connections each sending 64-byte
 * messages and waiting for the echo, W6_TRIPS round trips in all (or 10 s).
 * The server runs in a child process, so its user CPU comes from wait4():
 * an acrt server (a task per connection) or a hand-written epoll server
 * (echo_epoll.c), the limit we compare against.  The load generator is
 * this process, non-blocking on its own epoll, on 127.0.0.1 only.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { W6_CONNS = 64, W6_MSG = 64, W6_TRIPS = 400000, W6_SECONDS = 10 };

double w6_last_rate;

void w6_serve_epoll(int listener, int conns);
void w6_serve_acrt(int listener, int conns, ac_rt_flavor_t flavor);

typedef struct conn {
  int fd, got;
  char buf[W6_MSG];
} conn_t;

static int connect_loopback(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons(port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bench_check(connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/* Drives every connection until `trips` round trips are done. */
static long load(uint16_t port, long trips) {
  static conn_t c[W6_CONNS];
  int ep = epoll_create1(0);
  char msg[W6_MSG];
  memset(msg, 'x', sizeof msg);
  for (int i = 0; i < W6_CONNS; i++) {
    c[i].fd = connect_loopback(port);
    c[i].got = 0;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &c[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
    bench_check(write(c[i].fd, msg, sizeof msg) == sizeof msg, "send");
  }
  long done = 0, sent = W6_CONNS;
  double t_end = bench_now_ns() + W6_SECONDS * 1e9;
  struct epoll_event ev[W6_CONNS];
  while (done < trips && bench_now_ns() < t_end) {
    int n = epoll_wait(ep, ev, W6_CONNS, 1000);
    for (int i = 0; i < n; i++) {
      conn_t *k = ev[i].data.ptr;
      ssize_t r = read(k->fd, k->buf + k->got, W6_MSG - k->got);
      bench_check(r > 0, "echo read");
      k->got += (int)r;
      if (k->got < W6_MSG)
        continue;
      k->got = 0;
      done++;
      if (sent < trips) {
        bench_check(write(k->fd, msg, sizeof msg) == sizeof msg, "send");
        sent++;
      }
    }
  }
  for (int i = 0; i < W6_CONNS; i++)
    close(c[i].fd);
  close(ep);
  return done;
}

/* server: 0/1 acrt current/multi, 2 epoll.  Returns user ns per trip. */
double w6_echo_user_ns(int server) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bench_check(bind(l, (struct sockaddr *)&a, sizeof a) == 0, "bind");
  bench_check(listen(l, 128) == 0, "listen");
  socklen_t len = sizeof a;
  getsockname(l, (struct sockaddr *)&a, &len);
  pid_t pid = fork();
  if (pid == 0) {
    if (server == 2)
      w6_serve_epoll(l, W6_CONNS);
    else
      w6_serve_acrt(l, W6_CONNS, (ac_rt_flavor_t)server);
    _exit(0);
  }
  close(l);
  double t0 = bench_now_ns();
  long trips = load(ntohs(a.sin_port), W6_TRIPS);
  double dt = bench_now_ns() - t0;
  int st;
  struct rusage ru;
  bench_check(wait4(pid, &st, 0, &ru) == pid && WIFEXITED(st) &&
                  WEXITSTATUS(st) == 0,
              "W6 server");
  w6_last_rate = trips / (dt / 1e9);
  double user_ns = ru.ru_utime.tv_sec * 1e9 + ru.ru_utime.tv_usec * 1e3;
  return user_ns / (double)trips;
}
