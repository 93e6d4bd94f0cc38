/*
 * selftest.c: checks the harness and the test leaves without acc.  This is
 * what acc would generate for
 *
 *   async int test_main(void) {
 *     long s = 0;
 *     for (int i = 0; i < 5; i++) s += await leaf(i);
 *     printf("s %ld\n", s);
 *     return (int)s;
 *   }
 *
 * written by hand on the generated-name contract (test_main__frame,
 * __init, __poll, __drop).  The suite runs it with ready and suspending
 * leaves, and with the erasure's main, before any program: if this fails,
 * the harness is broken, not the translator.
 */
#include "harness.h"

#ifdef ACC_SYNC
int test_main(void) {
  long s = 0;
  for (int i = 0; i < 5; i++)
    s += leaf(i);
  printf("s %ld\n", s);
  return (int)s;
}
#else
typedef struct test_main__frame {
  int state;
  long s;
  int i;
  test_leaf_t child;
} test_main__frame;

static void test_main__init(test_main__frame *f) { f->state = 0; }

static ac_poll_t test_main__poll(test_main__frame *f, ac_context_t *cx,
                                 int *out) {
  long v;
  switch (f->state) {
  case 0:
    f->s = 0;
    for (f->i = 0; f->i < 5; f->i++) {
      f->child = leaf(f->i);
      f->state = 1;
      /* fall through */
    case 1:
      if (test_leaf_poll(&f->child, cx, &v) == AC_POLL_PENDING)
        return AC_POLL_PENDING;
      f->s += v;
    }
    printf("s %ld\n", f->s);
    *out = (int)f->s;
    f->state = 2;
    return AC_POLL_READY;
  default:
    abort();
  }
}

static void test_main__drop(test_main__frame *f) {
  if (f->state == 1)
    test_leaf_drop(&f->child);
  f->state = 2;
}
#endif

#include "harness_main.h"
