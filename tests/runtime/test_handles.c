/*
 * test_handles.c: checked handles (runtime/src/handle.c).  Every misuse of
 * a task handle, a channel end, a oneshot, an fd, a semaphore or a notify
 * is reported with an error, never another object's data or a crash,
 * including after the object's slot was reused and after the runtime was
 * freed.  Each test sets AC_MISUSE=quiet first (the messages are checked
 * once, in misuse_message_names_the_misuse).
 */
#include "harness.h"
#include "internal.h"

#include <criterion/redirect.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../runtime/src/internal.h"

static void quiet(void) { setenv("AC_MISUSE", "quiet", 1); }

#define ADDR(h) ((uintptr_t)(h) & AC__H_ADDR)

/* A task that joins, through a typed join, the handle in *h, and outputs
 * the value with the join's status: what `int v = await ac_join_int(h)`
 * sees. */
typedef struct joiner {
  int state;
  ac_task_t *h;
  ac_join_int_t j;
} joiner_t;
typedef struct joined {
  int value, status;
} joined_t;

static ac_poll_t joiner_poll(void *self, ac_context_t *cx, void *out) {
  joiner_t *f = self;
  joined_t *r = out;
  if (f->state == 0) {
    f->j = ac_join_int(f->h);
    f->state = 1;
  }
  r->value = -12345; /* the join must overwrite it */
  if (ac_join_int_poll(&f->j, cx, &r->value) == AC_POLL_PENDING)
    return AC_POLL_PENDING;
  r->status = ac_join_status(&f->j.join);
  return AC_POLL_READY;
}
static void joiner_drop(void *self) {
  joiner_t *f = self;
  if (f->state == 1)
    ac_join_int_drop(&f->j);
}
static const ac_future_vtable_t joiner_vtable = {
    joiner_poll, joiner_drop, sizeof(joiner_t), _Alignof(joiner_t),
    sizeof(joined_t), "joiner"};

static joined_t join_on(ac_runtime_t *rt, ac_task_t *h) {
  joiner_t f = {0, h, {{0}}};
  joined_t r = {-1, -1};
  cr_assert_eq(ac_runtime_block_on(rt, &joiner_vtable, &f, &r), 0);
  return r;
}

static ac_task_t *spawn_value(ac_runtime_t *rt, int v) {
  t_counter_t c = t_counter(1, v, NULL, NULL);
  return ac_runtime_spawn(rt, &t_counter_vtable, &c);
}

Test(handles, second_join_is_ebadf_not_the_next_tasks_output) {
  quiet();
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_task_t *a = spawn_value(rt, 11);
    joined_t r = join_on(rt, a);
    cr_assert_eq(r.value, 11);
    cr_assert_eq(r.status, 0);
    /* Spawn until a task takes a's slot: a's handle must not reach it. */
    ac_task_t *others[256], *b = NULL;
    int nothers = 0;
    while (nothers < 256) {
      ac_task_t *x = spawn_value(rt, 22);
      if (ADDR(x) == ADDR(a)) {
        b = x;
        break;
      }
      others[nothers++] = x;
    }
    cr_assert_not_null(b, "a's slot was reused");
    cr_assert_neq(a, b, "with another generation");
    r = join_on(rt, a);
    cr_assert_eq(r.status, -EBADF);
    cr_assert_eq(r.value, 0, "no output, zeroed: never b's 22");
    cr_assert_eq(ac_task_is_finished(a), -EBADF);
    cr_assert_eq(ac_task_abort(a), -EBADF, "abort after join");
    cr_assert_eq(ac_task_detach(a), -EBADF);
    r = join_on(rt, b);
    cr_assert_eq(r.value, 22, "b is untouched by the misuses");
    cr_assert_eq(r.status, 0);
    for (int i = 0; i < nothers; i++)
      cr_assert_eq(join_on(rt, others[i]).value, 22);
    t_close_clean(rt);
  }
}

Test(handles, join_after_detach_is_ebadf) {
  quiet();
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_task_t *a = spawn_value(rt, 5);
    cr_assert_eq(ac_task_detach(a), 0);
    joined_t r = join_on(rt, a);
    cr_assert_eq(r.status, -EBADF);
    cr_assert_eq(r.value, 0);
    cr_assert_eq(ac_task_detach(a), -EBADF, "detached twice");
    t_close_clean(rt);
  }
}

Test(handles, join_of_null_from_a_failed_spawn_is_einval) {
  quiet();
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    joined_t r = join_on(rt, NULL);
    cr_assert_eq(r.status, -EINVAL);
    cr_assert_eq(r.value, 0);
    cr_assert_eq(ac_task_abort(NULL), -EINVAL);
    cr_assert_eq(ac_task_detach(NULL), -EINVAL);
    cr_assert_eq(ac_task_is_finished(NULL), -EINVAL);
    t_close_clean(rt);
  }
}

/* Two join futures of one handle, polled by hand: the first one waits
 * (it claims the handle), the second is refused, a detach meanwhile is
 * refused, and the first one still gets the output. */
Test(handles, second_join_while_one_waits_is_einval) {
  quiet();
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  int drops = 0;
  t_sleeper_t s = t_sleeper(30, 77, &drops);
  ac_task_t *h = ac_spawn_raw(&t_sleeper_vtable, &s);
  t_wake_count_t wc = {0, 0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  ac_join_int_t j1 = ac_join_int(h), j2 = ac_join_int(h);
  int v1 = -1, v2 = -1;
  cr_assert_eq(ac_join_int_poll(&j1, &cx, &v1), AC_POLL_PENDING);
  cr_assert_eq(ac_join_int_poll(&j2, &cx, &v2), AC_POLL_READY);
  cr_assert_eq(ac_join_status(&j2.join), -EINVAL);
  cr_assert_eq(v2, 0);
  cr_assert_eq(ac_task_detach(h), -EINVAL, "a join waits on it");
  ac_join_int_drop(&j2);
  ac_runtime_exit();
  /* Let the runtime run the sleeper (block_on of another sleep). */
  t_sleeper_t wait = t_sleeper(60, 0, NULL);
  ac_runtime_block_on(rt, &t_sleeper_vtable, &wait, NULL);
  ac_runtime_enter(rt);
  cr_assert_eq(ac_join_int_poll(&j1, &cx, &v1), AC_POLL_READY);
  cr_assert_eq(ac_join_status(&j1.join), 0);
  cr_assert_eq(v1, 77);
  cr_assert_eq(ac_join_int_poll(&j1, &cx, &v1), AC_POLL_READY,
               "polled after ready: a misuse, not a crash");
  cr_assert_eq(ac_join_status(&j1.join), -EINVAL);
  ac_join_int_drop(&j1);
  ac_runtime_exit();
  t_close_clean(rt);
}

Test(handles, task_handles_of_a_freed_runtime_are_ebadf) {
  quiet();
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_task_t *done = spawn_value(rt, 1);
    int drops = 0;
    t_forever_t fv = {&drops};
    ac_task_t *stuck = ac_runtime_spawn(rt, &t_forever_vtable, &fv);
    t_sleeper_t wait = t_sleeper(20, 0, NULL);
    ac_runtime_block_on(rt, &t_sleeper_vtable, &wait, NULL);
    cr_assert_eq(ac_runtime_free(rt), -EBUSY, "two handles never consumed");
    cr_assert_eq(drops, 1);
    /* Their memory may now serve another runtime's tasks. */
    ac_runtime_t *rt2 = ac_runtime_new(f, 2);
    ac_task_t *other[64];
    for (int i = 0; i < 64; i++)
      other[i] = spawn_value(rt2, 1000 + i);
    joined_t r = join_on(rt2, done);
    cr_assert_eq(r.status, -EBADF);
    cr_assert_eq(r.value, 0);
    r = join_on(rt2, stuck);
    cr_assert_eq(r.status, -EBADF);
    cr_assert_eq(ac_task_abort(stuck), -EBADF);
    cr_assert_eq(ac_task_detach(done), -EBADF);
    cr_assert_eq(ac_task_is_finished(stuck), -EBADF);
    for (int i = 0; i < 64; i++) {
      r = join_on(rt2, other[i]);
      cr_assert_eq(r.value, 1000 + i);
    }
    t_close_clean(rt2);
  }
}

/* Every old handle of a slot used thousands of times stays stale: the
 * generation never repeats (and the slot rests on the cold list every
 * 1024 uses, so the uses spread over the chunk). */
Test(handles, every_old_handle_of_a_busy_slot_stays_stale) {
  quiet();
  enum { N = 5000 };
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  static ac_task_t *old[N];
  for (int i = 0; i < N; i++) {
    old[i] = spawn_value(rt, i);
    cr_assert_eq(join_on(rt, old[i]).value, i);
  }
  for (int i = 0; i < N; i++)
    for (int k = 0; k < i; k++)
      if (old[k] == old[i])
        cr_assert_fail("handles %d and %d are equal", k, i);
  for (int i = 0; i < N; i++)
    cr_assert_eq(ac_task_is_finished(old[i]), -EBADF);
  t_close_clean(rt);
}

/* A check compares the object's word with the handle's generation moved
 * up by 32 bits, which it computes in one go (ac__handle_gen_hi): the
 * same bits as the generation read out and shifted, for every one of the
 * 20 bits and either end of the address. */
Test(handles, a_check_reads_every_bit_of_the_generation) {
  static const uintptr_t addrs[] = {0x10, 0x7ffffffffff0, 0x5555aaaa5550};
  for (size_t a = 0; a < sizeof addrs / sizeof addrs[0]; a++)
    for (uint32_t g = 0; g < AC__GEN_LIMIT; g = g * 3 + 1) {
      uint32_t gens[] = {g, AC__GEN_LIMIT - 1 - g, 1u << (g % 20)};
      for (int k = 0; k < 3; k++) {
        uint32_t gen = gens[k];
        _Alignas(16) uint32_t slot[4] = {1, gen, 0, 0};
        void *h = (void *)(((uintptr_t)ac__handle_make(slot) & ~AC__H_ADDR) |
                           addrs[a]);
        cr_assert_eq(ac__handle_gen(h), gen, "gen %#x", gen);
        cr_assert_eq(ac__handle_gen_hi(h), (uint64_t)gen << 32,
                     "gen %#x at %#lx", gen, (unsigned long)addrs[a]);
      }
    }
}

/* ==== channels ==== */

Test(handles, mpsc_double_drops_and_use_after_free) {
  quiet();
  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 2);
  int v = 1;
  cr_assert_eq(ac_mpsc_sender_drop(ch), 0);
  cr_assert_eq(ac_mpsc_sender_drop(ch), -EINVAL, "the only sender, twice");
  cr_assert_eq(ac_mpsc_try_send(ch, &v), -EINVAL, "no sender left");
  cr_assert_eq(ac_mpsc_sender_clone(ch), -EINVAL, "nothing to clone");
  cr_assert_eq(ac_mpsc_try_recv(ch, &v), AC_EPIPE);
  cr_assert_eq(ac_mpsc_receiver_drop(ch), 0, "frees the channel");
  cr_assert_eq(ac_mpsc_receiver_drop(ch), -EBADF);
  cr_assert_eq(ac_mpsc_sender_drop(ch), -EBADF);
  cr_assert_eq(ac_mpsc_try_send(ch, &v), -EBADF);
  cr_assert_eq(ac_mpsc_try_recv(ch, &v), -EBADF);

  /* A new channel in the same slot: the old handle does not reach it. */
  ac_mpsc_t *ch2 = ac_mpsc_new(sizeof(int), 2);
  cr_assert_eq(ADDR(ch), ADDR(ch2));
  cr_assert_eq(ac_mpsc_try_send(ch, &v), -EBADF);
  cr_assert_eq(ac_mpsc_receiver_drop(ch2), 0);
  cr_assert_eq(ac_mpsc_receiver_drop(ch2), -EINVAL, "receiver twice");
  cr_assert_eq(ac_mpsc_try_recv(ch2, &v), -EINVAL, "after its drop");
  cr_assert_eq(ac_mpsc_try_send(ch2, &v), AC_EPIPE);
  cr_assert_eq(ac_mpsc_sender_drop(ch2), 0);
  cr_assert_eq(ac_mpsc_sender_drop(ch2), -EBADF);

  /* The futures too. */
  int out = 0;
  t_wake_count_t wc = {0, 0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  ac_mpsc_send_t s = ac_mpsc_send(ch2, &v);
  cr_assert_eq(ac_mpsc_send_poll(&s, &cx, &out), AC_POLL_READY);
  cr_assert_eq(out, -EBADF);
  ac_mpsc_send_drop(&s);
  ac_mpsc_recv_t r = ac_mpsc_recv(ch2, &v);
  cr_assert_eq(ac_mpsc_recv_poll(&r, &cx, &out), AC_POLL_READY);
  cr_assert_eq(out, -EBADF);
  ac_mpsc_recv_drop(&r);
}

Test(handles, oneshot_ends_released_twice) {
  quiet();
  ac_oneshot_t *o = ac_oneshot_new(sizeof(int));
  int v = 3, got = 0, out = 0;
  cr_assert_eq(ac_oneshot_send(o, &v), 0);
  v = 4;
  cr_assert_eq(ac_oneshot_send(o, &v), -EINVAL, "sent twice");
  cr_assert_eq(ac_oneshot_sender_drop(o), -EINVAL, "drop after send");
  t_wake_count_t wc = {0, 0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  ac_oneshot_recv_t r = ac_oneshot_recv(o, &got);
  cr_assert_eq(ac_oneshot_recv_poll(&r, &cx, &out), AC_POLL_READY);
  cr_assert_eq(out, 0);
  cr_assert_eq(got, 3, "the first value, not the refused second");
  ac_oneshot_recv_drop(&r);
  /* Both ends gone: freed. */
  cr_assert_eq(ac_oneshot_receiver_drop(o), -EBADF);
  cr_assert_eq(ac_oneshot_send(o, &v), -EBADF);

  ac_oneshot_t *p = ac_oneshot_new(2000); /* the value beside the object */
  cr_assert_eq(ac_oneshot_receiver_drop(p), 0);
  cr_assert_eq(ac_oneshot_receiver_drop(p), -EINVAL, "receiver twice");
  ac_oneshot_recv_t r2 = ac_oneshot_recv(p, NULL);
  cr_assert_eq(ac_oneshot_recv_poll(&r2, &cx, &out), AC_POLL_READY);
  cr_assert_eq(out, -EINVAL, "recv after the receiver was released");
  char big[2000] = {0};
  cr_assert_eq(ac_oneshot_send(p, big), AC_EPIPE);
  cr_assert_eq(ac_oneshot_sender_drop(p), -EBADF);
}

/* ==== fds, semaphores, notify ==== */

typedef struct reader {
  ac_io_t io;
  char buf[4];
} reader_t;
static ac_poll_t reader_poll(void *self, ac_context_t *cx, void *out) {
  reader_t *r = self;
  return ac_io_poll(&r->io, cx, out);
}
static void reader_drop(void *self) { ac_io_drop(&((reader_t *)self)->io); }
static const ac_future_vtable_t reader_vtable = {
    reader_poll, reader_drop, sizeof(reader_t), _Alignof(reader_t),
    sizeof(long), "reader"};

Test(handles, fd_closed_twice_or_used_after_close) {
  quiet();
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_runtime_enter(rt);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    ac_fd_t *rd;
    cr_assert_eq(ac_fd_open(p[0], &rd), 0);
    cr_assert_eq(ac_fd_get(rd), p[0]);
    cr_assert_eq(ac_fd_close(rd, 1), 0);
    cr_assert_eq(ac_fd_close(rd, 1), -EBADF, "closed twice");
    cr_assert_eq(ac_fd_get(rd), -EBADF);
    ac_runtime_exit();
    reader_t r = {ac_read(rd, NULL, 0), {0}};
    r.io = ac_read(rd, r.buf, sizeof r.buf);
    long n = 0;
    cr_assert_eq(ac_runtime_block_on(rt, &reader_vtable, &r, &n), 0);
    cr_assert_eq(n, -EBADF, "a read after the close");
    close(p[1]);
    t_close_clean(rt);
  }
}

Test(handles, fd_left_open_is_stale_after_runtime_free) {
  quiet();
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  ac_runtime_enter(rt);
  int p[2];
  cr_assert_eq(pipe(p), 0);
  ac_fd_t *rd;
  cr_assert_eq(ac_fd_open(p[0], &rd), 0);
  ac_runtime_exit();
  cr_assert_eq(ac_runtime_free(rt), -EBUSY, "an fd left registered");
  cr_assert_eq(ac_fd_close(rd, 1), -EBADF);
  cr_assert_eq(ac_fd_get(rd), -EBADF);
  close(p[0]);
  close(p[1]);
}

Test(handles, semaphore_and_notify_freed_twice) {
  quiet();
  ac_mutex_t *m = ac_mutex_new();
  cr_assert_eq(ac_mutex_try_lock(m), 0);
  ac_acquire_t a = ac_mutex_lock(m);
  t_wake_count_t wc = {0, 0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  int out = 1;
  cr_assert_eq(ac_acquire_poll(&a, &cx, &out), AC_POLL_PENDING);
  cr_assert_eq(ac_mutex_free(m), -EBUSY, "a future waits on it");
  ac_acquire_drop(&a);
  ac_mutex_unlock(m);
  cr_assert_eq(ac_mutex_free(m), 0);
  cr_assert_eq(ac_mutex_free(m), -EBADF, "freed twice");
  cr_assert_eq(ac_mutex_try_lock(m), -EBADF);
  cr_assert_eq(ac_semaphore_release(m, 1), -EBADF);
  cr_assert_eq(ac_semaphore_available(m), 0);
  ac_acquire_t b = ac_mutex_lock(m);
  cr_assert_eq(ac_acquire_poll(&b, &cx, &out), AC_POLL_READY);
  cr_assert_eq(out, -EBADF);
  ac_acquire_drop(&b);

  ac_notify_t *n = ac_notify_new();
  cr_assert_eq(ac_notify_free(n), 0);
  cr_assert_eq(ac_notify_free(n), -EBADF);
  cr_assert_eq(ac_notify_one(n), -EBADF);
  cr_assert_eq(ac_notify_waiters(n), -EBADF);
  ac_notified_t nd = ac_notified(n);
  cr_assert_eq(ac_notified_poll(&nd, &cx, NULL), AC_POLL_READY);
  ac_notified_drop(&nd);
  cr_assert_eq(wc.refs, 0, "no waker kept by a refused future");
}

/* ==== the report ==== */

Test(handles, misuse_message_names_the_misuse, .init = cr_redirect_stderr) {
  unsetenv("AC_MISUSE");
  ac_mpsc_t *ch = ac_mpsc_new(1, 1);
  ac_mpsc_receiver_drop(ch);
  cr_assert_eq(ac_mpsc_receiver_drop(ch), -EINVAL);
  fflush(stderr);
  cr_assert_stderr_eq_str("acrt: misuse: ac_mpsc_receiver_drop: the "
                          "receiver was already dropped\n");
  ac_mpsc_sender_drop(ch);
}

Test(handles, misuse_aborts_with_ac_misuse_abort) {
  pid_t pid = fork();
  cr_assert_geq(pid, 0);
  if (pid == 0) {
    setenv("AC_MISUSE", "abort", 1);
    int fd = open("/dev/null", O_WRONLY);
    dup2(fd, 2); /* the message is not this test's output */
    ac_oneshot_t *o = ac_oneshot_new(0);
    ac_oneshot_sender_drop(o);
    ac_oneshot_sender_drop(o);
    _exit(0);
  }
  int st = 0;
  cr_assert_eq(waitpid(pid, &st, 0), pid);
  cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
            "status %#x: the second drop aborts", st);
}

/* ==== 8-aligned slots ==== */

/* A future of 8 bytes: its task (16-byte header) fits the 24-byte size
 * class, whose slots are 8-aligned (slab.c). */
typedef struct tiny {
  int state, value;
} tiny_t;
static ac_poll_t tiny_poll(void *self, ac_context_t *cx, void *out) {
  (void)cx;
  *(int *)out = ((tiny_t *)self)->value;
  return AC_POLL_READY;
}
static void tiny_drop(void *self) { (void)self; }
static const ac_future_vtable_t tiny_vtable = {
    tiny_poll, tiny_drop, sizeof(tiny_t), _Alignof(tiny_t), sizeof(int),
    "tiny"};

/* A handle keeps all 20 bits of the generation and the whole address
 * for a slot that is 8- but not 16-aligned, up to the top of the user
 * address space. */
Test(handles, an_8_aligned_slot_keeps_every_generation_in_its_handle) {
  static const uintptr_t addrs[] = {0x1008, 0x7ffffffffff8u, 0x5555aaaa5558u,
                                    0x100010};
  for (size_t i = 0; i < sizeof addrs / sizeof *addrs; i++)
    for (uint32_t g = 1; g < AC__GEN_LIMIT; g += g < 300 ? 1 : 997) {
      _Alignas(16) uint32_t slot[4] = {1, g, 0, 0};
      uintptr_t h = (uintptr_t)ac__handle_make(slot);
      uintptr_t fake = (h & ~AC__H_ADDR) | addrs[i];
      cr_assert_eq((uintptr_t)ac__handle_addr((void *)fake), addrs[i],
                   "address %#lx, generation %u", (unsigned long)addrs[i], g);
      cr_assert_eq(ac__handle_gen((void *)fake), g, "address %#lx",
                   (unsigned long)addrs[i]);
      cr_assert_eq(ac__handle_gen_hi((void *)fake), (uint64_t)g << 32,
                   "address %#lx", (unsigned long)addrs[i]);
    }
}

/* Tasks of 24 bytes sit 24 bytes apart, and a handle of one whose slot
 * went to another task is stale. */
Test(handles, a_24_byte_tasks_old_handle_is_stale_once_its_slot_is_reused) {
  quiet();
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    tiny_t t1 = {0, 11}, t2 = {0, 22};
    ac_task_t *a = ac_runtime_spawn(rt, &tiny_vtable, &t1);
    ac_task_t *n1 = ac_runtime_spawn(rt, &tiny_vtable, &t2);
    ac_task_t *n2 = ac_runtime_spawn(rt, &tiny_vtable, &t2);
    cr_assert_eq(ADDR(n2) - ADDR(n1), (uintptr_t)24, "flavor %d: %lu bytes apart", f,
                 (unsigned long)(ADDR(n2) - ADDR(n1)));
    cr_assert_eq(join_on(rt, n1).value, 22);
    cr_assert_eq(join_on(rt, n2).value, 22);
    joined_t r = join_on(rt, a);
    cr_assert_eq(r.value, 11);
    ac_task_t *others[256], *b = NULL;
    int nothers = 0;
    while (nothers < 256) {
      ac_task_t *x = ac_runtime_spawn(rt, &tiny_vtable, &t2);
      if (ADDR(x) == ADDR(a)) {
        b = x;
        break;
      }
      others[nothers++] = x;
    }
    cr_assert_not_null(b, "a's slot was reused");
    r = join_on(rt, a);
    cr_assert_eq(r.status, -EBADF);
    cr_assert_eq(ac_task_is_finished(a), -EBADF);
    cr_assert_eq(join_on(rt, b).value, 22);
    for (int i = 0; i < nothers; i++)
      cr_assert_eq(join_on(rt, others[i]).value, 22);
    t_close_clean(rt);
  }
}
