/*
 * test_sync.c: async mutex, semaphore and notify: exclusion, FIFO grants,
 * and waiters cancelled while queued or after being granted.
 */
#include "harness.h"
#include <errno.h>
#include <pthread.h>
#include <stdint.h>

/* Locks, yields twice inside the critical section, unlocks; n times. */
typedef struct locker {
  int state, i, n;
  ac_mutex_t *m;
  int *inside, *total;
  ac_acquire_t acq;
  ac_yield_t y;
} locker_t;
static ac_poll_t locker_poll(void *self, ac_context_t *cx, void *out) {
  locker_t *l = self;
  (void)out;
  switch (l->state) {
  case 0:
    for (l->i = 0; l->i < l->n; l->i++) {
      l->acq = ac_mutex_lock(l->m);
      l->state = 1;
      /* fallthrough */
    case 1:
      if (ac_acquire_poll(&l->acq, cx, NULL) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      ac_acquire_drop(&l->acq);
      cr_assert_eq(__atomic_fetch_add(l->inside, 1, __ATOMIC_SEQ_CST), 0);
      l->y = ac_yield_now();
      l->state = 2;
      /* fallthrough */
    case 2:
      if (ac_yield_poll(&l->y, cx, NULL) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      (*l->total)++; /* guarded by the mutex */
      __atomic_fetch_sub(l->inside, 1, __ATOMIC_SEQ_CST);
      ac_mutex_unlock(l->m);
    }
    l->state = 3;
  }
  return AC_POLL_READY;
}
static void locker_drop(void *self) {
  locker_t *l = self;
  if (l->state == 1)
    ac_acquire_drop(&l->acq);
}
static const ac_future_vtable_t locker_vtable = {
    locker_poll, locker_drop, sizeof(locker_t), _Alignof(locker_t), 0,
    "locker"};

Test(sync, mutex_excludes_across_tasks_and_workers) {
  T_FLAVORS(f) {
    ac_runtime_t *rt = ac_runtime_new(f, 2);
    ac_mutex_t *m = ac_mutex_new();
    int inside = 0, total = 0;
    ac_task_t *t[8];
    for (int i = 0; i < 8; i++) {
      locker_t l = {.n = 200, .m = m, .inside = &inside, .total = &total};
      t[i] = ac_runtime_spawn(rt, &locker_vtable, &l);
    }
    for (int i = 0; i < 8; i++) {
      ac_join_t j = ac_task_join(t[i]);
      ac_runtime_block_on(rt, &ac_join_vtable, &j, NULL);
    }
    cr_assert_eq(total, 1600);
    ac_mutex_free(m);
    t_close_clean(rt);
  }
}

Test(sync, semaphore_grants_in_fifo_order) {
  ac_semaphore_t *s = ac_semaphore_new(0);
  t_wake_count_t wc[3] = {{0}};
  ac_acquire_t a[3] = {ac_semaphore_acquire(s, 2), ac_semaphore_acquire(s, 1),
                       ac_semaphore_acquire(s, 1)};
  for (int i = 0; i < 3; i++) {
    ac_waker_t w = t_counting_waker(&wc[i]);
    ac_context_t cx = {&w};
    cr_assert_eq(ac_acquire_poll(&a[i], &cx, NULL), AC_POLL_PENDING);
  }
  ac_semaphore_release(s, 1); /* head wants 2: nobody may pass it */
  cr_assert_eq(wc[0].wakes + wc[1].wakes + wc[2].wakes, 0);
  ac_semaphore_release(s, 2);
  cr_assert_eq(wc[0].wakes, 1);
  cr_assert_eq(wc[1].wakes, 1);
  cr_assert_eq(wc[2].wakes, 0);
  cr_assert_eq(ac_semaphore_available(s), 0);
  ac_waker_t w = ac_waker_noop();
  ac_context_t cx = {&w};
  cr_assert_eq(ac_acquire_poll(&a[0], &cx, NULL), AC_POLL_READY);
  ac_acquire_drop(&a[0]);
  ac_acquire_drop(&a[1]); /* granted but never seen: gives its permit back */
  cr_assert_eq(wc[2].wakes, 1, "the returned permit goes to the next");
  cr_assert_eq(ac_acquire_poll(&a[2], &cx, NULL), AC_POLL_READY);
  ac_acquire_drop(&a[2]);
  for (int i = 0; i < 3; i++)
    cr_assert_eq(wc[i].refs, 0);
  ac_semaphore_release(s, 3);
  cr_assert_eq(ac_semaphore_try_acquire(s, 3), 0);
  cr_assert_eq(ac_semaphore_try_acquire(s, 1), AC_EAGAIN);
  ac_semaphore_free(s);
}

Test(sync, acquire_dropped_while_queued_unblocks_the_next) {
  ac_semaphore_t *s = ac_semaphore_new(1);
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  ac_acquire_t big = ac_semaphore_acquire(s, 5), small = ac_semaphore_acquire(s, 1);
  cr_assert_eq(ac_acquire_poll(&big, &cx, NULL), AC_POLL_PENDING);
  cr_assert_eq(ac_acquire_poll(&small, &cx, NULL), AC_POLL_PENDING);
  ac_acquire_drop(&big);
  cr_assert_eq(wc.wakes, 1);
  cr_assert_eq(ac_acquire_poll(&small, &cx, NULL), AC_POLL_READY);
  ac_acquire_drop(&small);
  cr_assert_eq(wc.refs, 0);
  ac_semaphore_free(s);
}

Test(sync, notify_one_stores_a_permit_for_the_next_waiter) {
  ac_notify_t *n = ac_notify_new();
  ac_notify_one(n);
  ac_waker_t w = ac_waker_noop();
  ac_context_t cx = {&w};
  ac_notified_t a = ac_notified(n), b = ac_notified(n);
  cr_assert_eq(ac_notified_poll(&a, &cx, NULL), AC_POLL_READY);
  cr_assert_eq(ac_notified_poll(&b, &cx, NULL), AC_POLL_PENDING);
  ac_notified_drop(&a);
  ac_notified_drop(&b);
  ac_notify_free(n);
}

Test(sync, notify_waiters_wakes_all_and_stores_nothing) {
  ac_notify_t *n = ac_notify_new();
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  ac_notified_t a[4];
  for (int i = 0; i < 4; i++) {
    a[i] = ac_notified(n);
    cr_assert_eq(ac_notified_poll(&a[i], &cx, NULL), AC_POLL_PENDING);
  }
  ac_notify_waiters(n);
  cr_assert_eq(wc.wakes, 4);
  for (int i = 0; i < 4; i++) {
    cr_assert_eq(ac_notified_poll(&a[i], &cx, NULL), AC_POLL_READY);
    ac_notified_drop(&a[i]);
  }
  ac_notified_t late = ac_notified(n);
  cr_assert_eq(ac_notified_poll(&late, &cx, NULL), AC_POLL_PENDING);
  ac_notified_drop(&late);
  cr_assert_eq(wc.refs, 0);
  ac_notify_free(n);
}

Test(sync, granted_notification_dropped_passes_to_the_next) {
  ac_notify_t *n = ac_notify_new();
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  ac_notified_t a = ac_notified(n), b = ac_notified(n);
  ac_notified_poll(&a, &cx, NULL);
  ac_notified_poll(&b, &cx, NULL);
  ac_notify_one(n);
  ac_notified_drop(&a);
  cr_assert_eq(wc.wakes, 2);
  cr_assert_eq(ac_notified_poll(&b, &cx, NULL), AC_POLL_READY);
  ac_notified_drop(&b);
  cr_assert_eq(wc.refs, 0);
  ac_notify_free(n);
}

Test(sync, permits_beyond_the_maximum_are_refused_not_truncated) {
  ac_semaphore_t *s = ac_semaphore_new(0);
  t_wake_count_t wc = {0};
  ac_waker_t w = t_counting_waker(&wc);
  ac_context_t cx = {&w};
  int r = 1;
  ac_acquire_t a = ac_semaphore_acquire(s, (size_t)1 << 32);
  cr_assert_eq(ac_acquire_poll(&a, &cx, &r), AC_POLL_READY);
  cr_assert_eq(r, -EINVAL, "1<<32 permits on an empty semaphore: %d", r);
  ac_acquire_drop(&a);
  cr_assert_eq(ac_semaphore_try_acquire(s, (size_t)1 << 32), -EINVAL);
  cr_assert_eq(ac_semaphore_release(s, AC_SEMAPHORE_MAX), 0);
  cr_assert_eq(ac_semaphore_release(s, 1), -EOVERFLOW);
  cr_assert_eq(ac_semaphore_available(s), AC_SEMAPHORE_MAX);
  cr_assert_eq(wc.refs, 0);
  ac_semaphore_free(s);
  errno = 0;
  cr_assert_null(ac_semaphore_new(AC_SEMAPHORE_MAX + 1));
  cr_assert_eq(errno, EINVAL);
}

/* A waiter dropped on its thread while another thread grants it: drop's
   first look (ac__waiter_pending) is without the lock and races the
   grant's store, so both are atomic (a plain pair is a data race that
   check-tsan reports here).  Whichever comes first, the permit ends up in
   the semaphore again and the waker's clone is released. */
static void *release_one(void *s) {
  ac_semaphore_release(s, 1);
  return NULL;
}

Test(sync, acquire_dropped_while_another_thread_grants_it) {
  for (int i = 0; i < 500; i++) {
    ac_semaphore_t *s = ac_semaphore_new(0);
    t_wake_count_t wc = {0};
    ac_waker_t w = t_counting_waker(&wc);
    ac_context_t cx = {&w};
    ac_acquire_t a = ac_semaphore_acquire(s, 1);
    cr_assert_eq(ac_acquire_poll(&a, &cx, NULL), AC_POLL_PENDING);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, release_one, s), 0);
    ac_acquire_drop(&a);
    pthread_join(t, NULL);
    cr_assert_eq(ac_semaphore_available(s), 1, "round %d", i);
    cr_assert_eq(__atomic_load_n(&wc.refs, __ATOMIC_SEQ_CST), 0);
    ac_semaphore_free(s);
  }
}

/* The same for a bounded channel's sender: a slot freed on another
   thread is granted to the waiting send while it is dropped, and a grant
   it never saw goes back to the channel. */
static void *recv_one(void *ch) {
  int v = 0;
  return (void *)(intptr_t)ac_mpsc_try_recv(ch, &v);
}

Test(sync, send_dropped_while_another_thread_grants_it) {
  for (int i = 0; i < 500; i++) {
    ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 1);
    int one = 1, two = 2, got = 0;
    cr_assert_eq(ac_mpsc_try_send(ch, &one), 0);
    t_wake_count_t wc = {0};
    ac_waker_t w = t_counting_waker(&wc);
    ac_context_t cx = {&w};
    ac_mpsc_send_t snd = ac_mpsc_send(ch, &two);
    cr_assert_eq(ac_mpsc_send_poll(&snd, &cx, NULL), AC_POLL_PENDING);
    pthread_t t;
    void *rc = NULL;
    cr_assert_eq(pthread_create(&t, NULL, recv_one, ch), 0);
    ac_mpsc_send_drop(&snd);
    pthread_join(t, &rc);
    cr_assert_eq((intptr_t)rc, 0);
    cr_assert_eq(ac_mpsc_try_send(ch, &one), 0, "round %d: the slot", i);
    cr_assert_eq(ac_mpsc_try_recv(ch, &got), 0);
    cr_assert_eq(got, 1);
    cr_assert_eq(__atomic_load_n(&wc.refs, __ATOMIC_SEQ_CST), 0);
    ac_mpsc_sender_drop(ch);
    ac_mpsc_receiver_drop(ch);
  }
}
