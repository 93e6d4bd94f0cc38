/*
 * echo_epoll.c: the hand-written limit for W6: one thread, one epoll,
 * edge-triggered, read until EAGAIN and write back what was read.  It does
 * what the acrt server does, minus the runtime.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

void w6_serve_epoll(int listener, int conns);

static void echo(int fd, int *closed) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      ssize_t off = 0;
      while (off < n) { /* loopback writes of 64 B do not block */
        ssize_t w = write(fd, buf + off, (size_t)(n - off));
        if (w < 0 && errno != EINTR && errno != EAGAIN)
          break;
        off += w > 0 ? w : 0;
      }
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      return;
    close(fd); /* EOF or error: closing also removes it from epoll */
    (*closed)++;
    return;
  }
}

void w6_serve_epoll(int listener, int conns) {
  int ep = epoll_create1(0), accepted = 0, closed = 0;
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  struct epoll_event evs[128];
  while (closed < conns) {
    int n = epoll_wait(ep, evs, 128, -1);
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd != listener) {
        echo(fd, &closed);
        continue;
      }
      int c;
      while (accepted < conns &&
             (c = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.fd = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
        accepted++;
      }
    }
  }
  close(ep);
}
