/*
 * echo_acrt.c: the acrt side of W6, a task per connection, as acc would
 * generate it from:
 *
 *   async void conn(int fd) {
 *     while ((n = await ac_read(f, buf, sizeof buf)) > 0)
 *       for (off = 0; off < n; off += w)
 *         if ((w = await ac_write(f, buf + off, n - off)) < 0) goto out;
 *   out: ac_fd_close(f, 1);
 *   }
 *   async int main(void) { for (i < conns) h[i] = spawn(conn(await accept));
 *                          for (i < conns) await h[i]; }
 */
#include "bench.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>

void w6_serve_acrt(int listener, int conns, ac_rt_flavor_t flavor);

typedef struct conn_frame {
  int state, fd;
  long n, off, w;
  ac_fd_t *f;
  ac_io_t io;
  char buf[4096];
} conn_frame_t;

static ac_poll_t conn_poll(void *self, ac_context_t *cx, void *out) {
  conn_frame_t *c = self;
  (void)out;
  switch (c->state) {
  case 0:
    if (ac_fd_open(c->fd, &c->f) != 0)
      return AC_POLL_READY;
    for (;;) {
      c->io = ac_read(c->f, c->buf, sizeof c->buf);
      c->state = 1;
      /* fallthrough */
    case 1:
      if (ac_io_poll(&c->io, cx, &c->n) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_io_drop(&c->io);
      if (c->n <= 0)
        break;
      for (c->off = 0; c->off < c->n; c->off += c->w) {
        c->io = ac_write(c->f, c->buf + c->off, (size_t)(c->n - c->off));
        c->state = 2;
        /* fallthrough */
      case 2:
        if (ac_io_poll(&c->io, cx, &c->w) == AC_POLL_PENDING)
          return AC_POLL_PENDING;
        ac_io_drop(&c->io);
        if (c->w < 0)
          goto out;
      }
    }
  out:
    ac_fd_close(c->f, 1);
    c->state = 3;
  }
  return AC_POLL_READY;
}
static void conn_drop(void *self) {
  conn_frame_t *c = self;
  if (c->state == 1 || c->state == 2) {
    ac_io_drop(&c->io);
    ac_fd_close(c->f, 1);
  }
}
static const ac_future_vtable_t conn_vtable = {
    conn_poll, conn_drop, sizeof(conn_frame_t), _Alignof(conn_frame_t), 0,
    "conn"};

typedef struct server {
  int state, i, conns, listener;
  long fd;
  ac_fd_t *l;
  ac_task_t **h;
  union {
    ac_io_t accept;
    ac_join_t join;
  } c;
} server_t;

static ac_poll_t server_poll(void *self, ac_context_t *cx, void *out) {
  server_t *s = self;
  (void)out;
  switch (s->state) {
  case 0:
    bench_check(ac_fd_open(s->listener, &s->l) == 0, "open listener");
    for (s->i = 0; s->i < s->conns; s->i++) {
      s->c.accept = ac_accept(s->l);
      s->state = 1;
      /* fallthrough */
    case 1:
      if (ac_io_poll(&s->c.accept, cx, &s->fd) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_io_drop(&s->c.accept);
      bench_check(s->fd >= 0, "accept");
      int one = 1;
      setsockopt((int)s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      conn_frame_t c = {.fd = (int)s->fd};
      s->h[s->i] = ac_spawn_raw(&conn_vtable, &c);
    }
    for (s->i = 0; s->i < s->conns; s->i++) {
      s->c.join = ac_task_join(s->h[s->i]);
      s->state = 2;
      /* fallthrough */
    case 2:
      if (ac_join_poll(&s->c.join, cx, NULL) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
    }
    ac_fd_close(s->l, 1);
    s->state = 3;
  }
  return AC_POLL_READY;
}
static void server_drop(void *self) { (void)self; }
static const ac_future_vtable_t server_vtable = {
    server_poll, server_drop, sizeof(server_t), _Alignof(server_t), 0,
    "server"};

void w6_serve_acrt(int listener, int conns, ac_rt_flavor_t flavor) {
  ac_runtime_t *rt = bench_runtime(flavor);
  server_t s = {.conns = conns, .listener = listener,
                .h = calloc((size_t)conns, sizeof(ac_task_t *))};
  bench_check(ac_runtime_block_on(rt, &server_vtable, &s, NULL) == 0, "W6");
  free(s.h);
  bench_close(rt);
}
