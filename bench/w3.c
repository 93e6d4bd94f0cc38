/*
 * w3.c: W3, ping-pong over two capacity-1 mpsc channels, 1M round trips.
 * main sends i on `a` and awaits the answer on `b`; a spawned echo task
 * receives on `a` and sends back on `b`.
 */
#include "bench.h"

enum { W3_TRIPS = 1000000 };

typedef struct pp {
  int state, i, n, v, r;
  ac_mpsc_t *tx, *rx;
  union { /* one await at a time: the children share storage */
    ac_mpsc_send_t send;
    ac_mpsc_recv_t recv;
  } c;
} pp_t;

/* async void ping(int n) { for (i < n) { await send(tx, i); await recv(rx); } } */
static ac_poll_t ping_poll(void *self, ac_context_t *cx, void *out) {
  pp_t *p = self;
  (void)out;
  switch (p->state) {
  case 0:
    for (p->i = 0; p->i < p->n; p->i++) {
      p->v = p->i;
      p->c.send = ac_mpsc_send(p->tx, &p->v);
      p->state = 1;
      /* fallthrough */
    case 1:
      if (ac_mpsc_send_poll(&p->c.send, cx, &p->r) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_send_drop(&p->c.send);
      p->c.recv = ac_mpsc_recv(p->rx, &p->v);
      p->state = 2;
      /* fallthrough */
    case 2:
      if (ac_mpsc_recv_poll(&p->c.recv, cx, &p->r) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_recv_drop(&p->c.recv);
    }
    ac_mpsc_sender_drop(p->tx);
    ac_mpsc_receiver_drop(p->rx);
    p->state = 3;
  }
  return AC_POLL_READY;
}

/* async void pong(void) { while (await recv(rx, &v) == 0) await send(tx, v); } */
static ac_poll_t pong_poll(void *self, ac_context_t *cx, void *out) {
  pp_t *p = self;
  (void)out;
  switch (p->state) {
  case 0:
    for (;;) {
      p->c.recv = ac_mpsc_recv(p->rx, &p->v);
      p->state = 1;
      /* fallthrough */
    case 1:
      if (ac_mpsc_recv_poll(&p->c.recv, cx, &p->r) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_recv_drop(&p->c.recv);
      if (p->r != 0)
        break;
      p->c.send = ac_mpsc_send(p->tx, &p->v);
      p->state = 2;
      /* fallthrough */
    case 2:
      if (ac_mpsc_send_poll(&p->c.send, cx, &p->r) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_mpsc_send_drop(&p->c.send);
    }
    ac_mpsc_sender_drop(p->tx);
    ac_mpsc_receiver_drop(p->rx);
    p->state = 3;
  }
  return AC_POLL_READY;
}
static void pp_drop(void *self) { (void)self; }
static const ac_future_vtable_t ping_vtable = {
    ping_poll, pp_drop, sizeof(pp_t), _Alignof(pp_t), 0, "ping"};
static const ac_future_vtable_t pong_vtable = {
    pong_poll, pp_drop, sizeof(pp_t), _Alignof(pp_t), 0, "pong"};

double w3_ping_pong(ac_rt_flavor_t flavor) {
  ac_runtime_t *rt = bench_runtime(flavor);
  ac_mpsc_t *a = ac_mpsc_new(sizeof(int), 1), *b = ac_mpsc_new(sizeof(int), 1);
  pp_t pong = {.tx = b, .rx = a}, ping = {.n = W3_TRIPS, .tx = a, .rx = b};
  ac_task_detach(ac_runtime_spawn(rt, &pong_vtable, &pong));
  double t0 = bench_cpu_ns(), w0 = bench_now_ns();
  bench_check(ac_runtime_block_on(rt, &ping_vtable, &ping, NULL) == 0, "W3");
  double dt = bench_cpu_ns() - t0, dw = bench_now_ns() - w0;
  bench_close(rt);
  bench_last_wall = dw / W3_TRIPS;
  return dt / W3_TRIPS;
}
