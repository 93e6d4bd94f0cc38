/*
 * http_epoll.c: the peer for samples/http.ac under wrk (bench/http/run.sh):
 * a plain single-threaded epoll HTTP/1.1 server, edge-triggered, that
 * answers every request with the same bytes http.ac sends for GET /.  It
 * parses only what wrk sends (a head ending in a blank line, with an
 * optional Content-Length), so it is the floor, not a full server.
 *
 *   http_epoll        prints "listening on 127.0.0.1:PORT", runs until killed
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char RESPONSE[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                               "Content-Length: 6\r\n\r\nhello\n";

typedef struct conn {
  int fd;
  size_t in_len, out_len, out_off;
  char in[8192];
  char out[65536];
} conn_t;

static void drop(int ep, conn_t *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c);
}

/* Answers every complete request in c->in. */
static void parse(conn_t *c) {
  size_t off = 0;
  for (;;) {
    char *end = memmem(c->in + off, c->in_len - off, "\r\n\r\n", 4);
    if (!end)
      break;
    size_t head = (size_t)(end - (c->in + off)) + 4;
    long body = 0;
    char *cl = memmem(c->in + off, head, "Content-Length:", 15);
    if (cl)
      body = strtol(cl + 15, NULL, 10);
    if (off + head + (size_t)body > c->in_len)
      break;
    if (c->out_len + sizeof RESPONSE - 1 > sizeof c->out)
      break;
    memcpy(c->out + c->out_len, RESPONSE, sizeof RESPONSE - 1);
    c->out_len += sizeof RESPONSE - 1;
    off += head + (size_t)body;
  }
  memmove(c->in, c->in + off, c->in_len - off);
  c->in_len -= off;
}

/* Writes what is queued: 0, or -1 to drop the connection. */
static int flush(conn_t *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                     MSG_NOSIGNAL);
    if (n < 0)
      return errno == EAGAIN ? 0 : -1;
    c->out_off += (size_t)n;
  }
  c->out_off = c->out_len = 0;
  return 0;
}

static int handle(conn_t *c) {
  for (;;) {
    ssize_t n = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
    if (n == 0)
      return -1;
    if (n < 0) {
      if (errno == EAGAIN)
        break;
      return -1;
    }
    c->in_len += (size_t)n;
    parse(c);
    if (c->in_len == sizeof c->in)
      return -1; /* a head larger than the buffer */
  }
  return flush(c);
}

int main(void) {
  int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof a;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 512) ||
      getsockname(l, (struct sockaddr *)&a, &alen)) {
    perror("http_epoll");
    return 1;
  }
  printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
  fflush(stdout);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
  struct epoll_event evs[256];
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1);
    for (int i = 0; i < n; i++) {
      conn_t *c = evs[i].data.ptr;
      if (!c) {
        int fd;
        while ((fd = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          c = calloc(1, sizeof *c);
          c->fd = fd;
          struct epoll_event cev = {.events = EPOLLIN | EPOLLOUT | EPOLLET,
                                    .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
        }
        continue;
      }
      if (handle(c) != 0)
        drop(ep, c);
    }
  }
}
