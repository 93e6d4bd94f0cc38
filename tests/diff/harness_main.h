/*
 * harness_main.h: main() for a program of the differential suite, included
 * at the end of the program, after test_main.
 *
 * Erasure mode (-DACC_SYNC): test_main is a plain function; main calls it.
 *
 * Async modes: main drives test_main's generated future by hand, without the
 * runtime: test_main__init, then test_main__poll with a counting waker until
 * it is ready, then test_main__drop (drop is legal in every state, the final
 * one included).  The harness checks the ABI from the caller's side:
 *   - a poll that returns pending must have woken the waker (by value or by
 *     reference) first, or the task would hang under a real executor;
 *   - every waker clone must be released (dropped or woken by value);
 *   - no test leaf is left in flight once test_main is done;
 *   - a bounded number of polls (a livelock is a failure, not a hang).
 * A broken rule prints "harness: ..." on stderr and exits with status 3.
 * Between polls it overwrites the stack below main, so state a poll
 * function wrongly keeps in its C stack across a suspension is garbage.
 *
 * Cancellation: with ACC_TEST_DROP_AFTER=K (K > 0), main stops after K
 * polls if test_main is still pending and drops it there, in whatever state
 * it is; the drop must release every test leaf in flight (the runner checks
 * that the output so far is a prefix of the erasure's).  What the drop
 * prints itself (the cleanup attributes it runs) goes to stderr.
 *
 * While acc itself reads the program (__ACC__ defined and not the erasure)
 * this header declares nothing: test_main__frame does not exist yet.
 */
#if defined(ACC_SYNC)

int main(void) {
  int r = test_main();
  printf("test_main returned %d\n", r);
  return 0;
}

#elif !defined(__ACC__)

#include <stdlib.h>
#include <unistd.h>

static long harness_wakes, harness_clones, harness_releases;

static void harness_fail(const char *why, long polls) {
  fflush(stdout);
  fprintf(stderr, "harness: %s (after %ld polls)\n", why, polls);
  exit(3);
}

static ac_waker_t harness_waker_clone(void *data);
static void harness_waker_wake(void *data) {
  (void)data;
  harness_wakes++;
  harness_releases++;
}
static void harness_waker_wake_by_ref(void *data) {
  (void)data;
  harness_wakes++;
}
static void harness_waker_drop(void *data) {
  (void)data;
  harness_releases++;
}
static const ac_waker_vtable_t harness_waker_vtable = {
    harness_waker_clone, harness_waker_wake, harness_waker_wake_by_ref,
    harness_waker_drop};
static ac_waker_t harness_waker_clone(void *data) {
  harness_clones++;
  ac_waker_t w = {&harness_waker_vtable, data};
  return w;
}

/* Fills the stack below main with a pattern after every pending poll, so a
   value a poll function left in its own C stack across a suspension (a
   compound literal, say) reads as garbage on the next poll instead of what
   happens to be still there.  The barrier keeps the stores. */
static __attribute__((noinline)) void harness_scribble_stack(void) {
  unsigned char junk[16 * 1024];
  memset(junk, 0xa5, sizeof junk);
  __asm__ volatile("" : : "r"(junk) : "memory");
}

/* Static: a large frame would not fit on the stack, and it never moves. */
static test_main__frame harness_frame;

int main(void) {
  static int harness_token;
  ac_waker_t waker = {&harness_waker_vtable, &harness_token};
  ac_context_t cx = {&waker};
  int result = 0;
  long polls = 0;
  const char *drop_env = getenv("ACC_TEST_DROP_AFTER");
  long drop_after = drop_env ? strtol(drop_env, NULL, 10) : 0;

  test_main__init(&harness_frame);
  for (;;) {
    long wakes_before = harness_wakes;
    ac_poll_t p = test_main__poll(&harness_frame, &cx, &result);
    polls++;
    if (p == AC_POLL_READY)
      break;
    if (p != AC_POLL_PENDING)
      harness_fail("poll returned neither ready nor pending", polls);
    if (harness_wakes == wakes_before)
      harness_fail("pending without a wake", polls);
    if (polls > 50000000L)
      harness_fail("too many polls: livelock?", polls);
    harness_scribble_stack();
    if (polls == drop_after) {
      /* What the drop itself prints (cleanup attributes of the locals
         alive in that state) goes to stderr: stdout holds the run so far,
         a prefix of the erasure's. */
      fflush(stdout);
      dup2(2, 1);
      test_main__drop(&harness_frame);
      fflush(stdout);
      if (test_leaf_in_flight() != 0)
        harness_fail("dropped while pending, a test leaf is still in flight",
                     polls);
      if (harness_clones != harness_releases)
        harness_fail("dropped while pending, waker clones and releases do "
                     "not balance", polls);
      return 0;
    }
  }
  test_main__drop(&harness_frame);
  fflush(stdout);
  if (harness_clones != harness_releases)
    harness_fail("waker clones and releases do not balance", polls);
  if (test_leaf_in_flight() != 0)
    harness_fail("a test leaf is still in flight after test_main finished",
                 polls);
  printf("test_main returned %d\n", result);
  return 0;
}

#endif
