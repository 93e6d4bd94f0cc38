/*
 * test_net_signal.c: ac_tcp_listen / ac_tcp_connect by name on loopback
 * (the name resolved on the pool), a refused port and an unknown name as
 * -errno; signals through ac_signal_recv on both executors, two streams
 * of one signal both seeing a delivery.
 */
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static long run(ac_runtime_t *rt, const ac_future_vtable_t *vt, void *fut) {
  t_await_t a = {vt, fut};
  long buf[8] = {0};
  cr_assert_eq(ac_runtime_block_on(rt, &t_await_vtable, &a, buf), 0);
  if (vt->out_size == sizeof(int)) {
    int v;
    memcpy(&v, buf, sizeof v);
    return v;
  }
  return buf[0];
}

Test(net, connect_by_name_to_a_listener_by_port) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_runtime_enter(rt);
    ac_fd_t *l;
    cr_assert_eq(ac_tcp_listen("127.0.0.1", 0, 16, &l), 0);
    int port = ac_tcp_local_port(l);
    cr_assert(port > 0);
    ac_tcp_connect_t c = ac_tcp_connect("localhost", (uint16_t)port);
    long fd = run(rt, &ac_tcp_connect_vtable, &c);
    cr_assert(fd >= 0, "connect: %ld", fd);
    ac_io_t acc = ac_accept(l);
    long sfd = run(rt, &ac_io_vtable, &acc);
    cr_assert(sfd >= 0);
    cr_assert_eq(write((int)fd, "hi", 2), 2);
    char buf[4] = {0};
    usleep(2000);
    cr_assert_eq(read((int)sfd, buf, sizeof buf), 2);
    close((int)fd);
    close((int)sfd);
    cr_assert_eq(ac_fd_close(l, 1), 0);
    ac_tcp_connect_t refused = ac_tcp_connect("127.0.0.1", (uint16_t)port);
    cr_assert_eq(run(rt, &ac_tcp_connect_vtable, &refused), -ECONNREFUSED);
    ac_tcp_connect_t unknown = ac_tcp_connect("no-such-host.invalid", 80);
    long r = run(rt, &ac_tcp_connect_vtable, &unknown);
    cr_assert(r == -EHOSTUNREACH || r == -EAGAIN, "unknown name: %ld", r);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

Test(net, listen_on_every_address_takes_ipv4_clients) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  ac_fd_t *l;
  cr_assert_eq(ac_tcp_listen(NULL, 0, 0, &l), 0);
  ac_tcp_connect_t c = ac_tcp_connect("127.0.0.1",
                                      (uint16_t)ac_tcp_local_port(l));
  long fd = run(rt, &ac_tcp_connect_vtable, &c);
  cr_assert(fd >= 0, "connect: %ld", fd);
  close((int)fd);
  cr_assert_eq(ac_tcp_listen("not an address", 0, 0, &l), -EHOSTUNREACH);
  cr_assert_eq(ac_fd_close(l, 1), 0);
  ac_runtime_exit();
  t_close_clean(rt);
}

static void *raise_later(void *arg) {
  usleep(20000);
  kill(getpid(), *(int *)arg);
  return NULL;
}

Test(signal, a_delivery_completes_recv_on_both_executors) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_runtime_enter(rt);
    ac_signal_t *s;
    cr_assert_eq(ac_signal_open(SIGUSR1, &s), 0);
    for (int round = 0; round < 2; round++) {
      int signo = SIGUSR1;
      pthread_t th;
      pthread_create(&th, NULL, raise_later, &signo);
      ac_signal_recv_t r = ac_signal_recv(s);
      cr_assert_eq(run(rt, &ac_signal_recv_vtable, &r), SIGUSR1);
      pthread_join(th, NULL);
    }
    ac_signal_close(s);
    ac_runtime_exit();
    t_close_clean(rt);
  }
}

Test(signal, two_streams_of_one_signal_both_see_it) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_MULTI_THREAD, 2);
  ac_runtime_enter(rt);
  ac_signal_t *a, *b;
  cr_assert_eq(ac_signal_open(SIGUSR2, &a), 0);
  cr_assert_eq(ac_signal_open(SIGUSR2, &b), 0);
  int signo = SIGUSR2;
  pthread_t th;
  pthread_create(&th, NULL, raise_later, &signo);
  ac_signal_recv_t ra = ac_signal_recv(a), rb = ac_signal_recv(b);
  int oa = 0, ob = 0;
  ac_branch_t br[2] = {{.vt = &ac_signal_recv_vtable, .fut = &ra, .out = &oa},
                       {.vt = &ac_signal_recv_vtable, .fut = &rb, .out = &ob}};
  ac_join_all_t j = ac_join_all(br, 2);
  run(rt, &ac_join_all_vtable, &j);
  pthread_join(th, NULL);
  cr_assert_eq(oa, SIGUSR2);
  cr_assert_eq(ob, SIGUSR2);
  ac_signal_close(a);
  ac_signal_close(b);
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(signal, opening_a_stream_blocks_nothing) {
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  ac_signal_t *s;
  cr_assert_eq(ac_signal_open(SIGUSR1, &s), 0);
  sigset_t cur;
  pthread_sigmask(SIG_BLOCK, NULL, &cur);
  cr_assert(!sigismember(&cur, SIGUSR1), "the caller's mask is unchanged");
  raise(SIGUSR1); /* handled here, on this thread: counted */
  ac_signal_recv_t r = ac_signal_recv(s);
  cr_assert_eq(run(rt, &ac_signal_recv_vtable, &r), SIGUSR1);
  ac_signal_close(s);
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(signal, bad_signals_are_einval) {
  ac_signal_t *s;
  cr_assert_eq(ac_signal_open(SIGKILL, &s), -EINVAL);
  cr_assert_eq(ac_signal_open(0, &s), -EINVAL);
  cr_assert_eq(ac_signal_open(100000, &s), -EINVAL);
}
