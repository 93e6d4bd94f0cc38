/*
 * test_cleanup.c: the cleanup helpers of ac.h, from plain C scopes and from
 * frames dropped while suspended (an aborted task), written the way acc
 * emits a frame whose locals carry __attribute__((cleanup)): the drop
 * drops the awaited child, then runs the cleanups of the live locals.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

Test(cleanup, helpers_release_at_scope_end_and_ignore_null) {
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 1);
  {
    __attribute__((cleanup(ac_mpsc_sender_dropp))) ac_mpsc_t *tx = ch;
    __attribute__((cleanup(ac_mpsc_sender_dropp))) ac_mpsc_t *none = NULL;
    int v = 7;
    cr_assert_eq(ac_mpsc_try_send(tx, &v), 0);
    (void)none;
  }
  int got = 0;
  cr_assert_eq(ac_mpsc_try_recv(ch, &got), 0);
  cr_assert_eq(got, 7);
  cr_assert_eq(ac_mpsc_try_recv(ch, &got), AC_EPIPE, "the sender is gone");
  ac_mpsc_receiver_drop(ch);

  ac_mutex_t *m = ac_mutex_new();
  cr_assert_eq(ac_mutex_try_lock(m), 0);
  {
    __attribute__((cleanup(ac_mutex_guard_release))) ac_mutex_guard_t g =
        ac_mutex_guard(m);
    cr_assert_eq(ac_mutex_try_lock(m), AC_EAGAIN);
  }
  cr_assert_eq(ac_mutex_try_lock(m), 0, "the guard unlocked");
  ac_mutex_unlock(m);
  ac_mutex_free(m);
}

/* A frame that owns a resource and waits forever (on a sleep, or a read),
 * with one cleanup local: what `async f() { __attribute__((cleanup(X)))
 * T r = ...; await forever; }` becomes. */
typedef struct holder {
  int state;
  void (*cleanup)(void *);
  void *local; /* the cleanup local's storage: a pointer or a guard */
  ac_io_t io;
  ac_sleep_t sleep;
  int reading;
  char buf[8];
  int *dropped;
} holder_t;

static ac_poll_t holder_poll(void *self, ac_context_t *cx, void *out) {
  holder_t *h = self;
  (void)out;
  h->state = 1;
  if (h->reading) {
    long n;
    return ac_io_poll(&h->io, cx, &n);
  }
  return ac_sleep_poll(&h->sleep, cx, NULL);
}

static void holder_drop(void *self) {
  holder_t *h = self;
  if (h->reading)
    ac_io_drop(&h->io);
  else
    ac_sleep_drop(&h->sleep);
  h->cleanup(&h->local);
  t_inc(h->dropped);
}

static const ac_future_vtable_t holder_vtable = {
    holder_poll, holder_drop, sizeof(holder_t), _Alignof(holder_t), 0,
    "holder"};

/* Spawns the holder, lets it suspend (a 20 ms sleep run by block_on,
 * which also drives a current-thread runtime), aborts it, and joins it. */
static void abort_holder(ac_runtime_t *rt, holder_t *h) {
  ac_task_t *t = ac_runtime_spawn(rt, &holder_vtable, h);
  cr_assert_not_null(t);
  t_sleeper_t nap = t_sleeper(20, 0, NULL);
  int v;
  cr_assert_eq(ac_runtime_block_on(rt, &t_sleeper_vtable, &nap, &v), 0);
  ac_task_abort(t);
  ac_join_t j = ac_task_join(t);
  cr_assert_eq(ac_runtime_block_on(rt, &ac_join_vtable, &j, NULL), 0);
  cr_assert_eq(t_load(h->dropped), 1);
}

/* Issue 13, item 9: an aborted producer drops its sender, so the
 * consumer sees EPIPE instead of waiting forever. */
Test(cleanup, aborted_producer_drops_its_sender) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 1);
    int dropped = 0;
    holder_t h = {.cleanup = (void (*)(void *))ac_mpsc_sender_dropp,
                  .local = ch,
                  .sleep = ac_sleep_ms(UINT64_MAX),
                  .dropped = &dropped};
    abort_holder(rt, &h);
    int got, r = 0;
    ac_mpsc_recv_t rx = ac_mpsc_recv(ch, &got);
    cr_assert_eq(t_run(f, &ac_mpsc_recv_vtable, &rx, &r), 0);
    cr_assert_eq(r, AC_EPIPE);
    ac_mpsc_receiver_drop(ch);
    t_close_clean(rt);
  }
}

/* An aborted mutex holder leaves the mutex usable. */
Test(cleanup, aborted_mutex_holder_unlocks) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_mutex_t *m = ac_mutex_new();
    cr_assert_eq(ac_mutex_try_lock(m), 0); /* the holder's lock */
    int dropped = 0;
    holder_t h = {.cleanup = (void (*)(void *))ac_mutex_guard_release,
                  .local = m, /* ac_mutex_guard_t is one pointer */
                  .sleep = ac_sleep_ms(UINT64_MAX),
                  .dropped = &dropped};
    abort_holder(rt, &h);
    int r = 1;
    ac_acquire_t a = ac_mutex_lock(m);
    cr_assert_eq(t_run(f, &ac_acquire_vtable, &a, &r), 0);
    cr_assert_eq(r, 0);
    ac_mutex_unlock(m);
    ac_mutex_free(m);
    t_close_clean(rt);
  }
}

/* An aborted reader's fd is deregistered and closed (it owned it): the
 * runtime then closes clean, where it used to report -EBUSY. */
Test(cleanup, aborted_reader_closes_its_fd) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    ac_runtime_enter(rt);
    ac_fd_t *fd;
    cr_assert_eq(ac_fd_open(p[0], &fd), 0);
    ac_runtime_exit();
    int dropped = 0;
    holder_t h = {.cleanup = (void (*)(void *))ac_fd_closep,
                  .local = fd,
                  .reading = 1,
                  .dropped = &dropped};
    h.io = ac_read(fd, h.buf, sizeof h.buf);
    abort_holder(rt, &h);
    errno = 0;
    cr_assert_eq(fcntl(p[0], F_GETFD), -1, "the read end is closed");
    cr_assert_eq(errno, EBADF);
    close(p[1]);
    t_close_clean(rt);
  }
}
