/* A plain C program that calls into lib.ac and user.ac through the
   headers acc writes for them: blocks on their async functions (one takes
   an async function pointer: C passes f__shim), spawns them on a runtime
   it made, and runs one through the frame functions. */
#include <stdio.h>
#include <stdlib.h>
#include "lib.h"
#include "user.h"

static int by_hand(void) {
  sum_slowly__frame *f = sum_slowly__new(3);
  ac_runtime_t *rt = ac_runtime_new(AC_RT_CURRENT_THREAD, 1);
  long out = 0;
  int rc = ac_runtime_block_on(rt, &sum_slowly__vtable, f, &out);
  sum_slowly__drop(f); /* still the unstarted copy: nothing to release */
  free(f);
  ac_runtime_free(rt);
  printf("by hand: rc %d, sum %ld (a frame of %s bytes)\n", rc, out,
         sum_slowly__vtable.size > 0 ? "some" : "no");
  return rc;
}

int main(void) {
  long s = 0;
  int rc = sum_slowly__block_on(10, &s);
  printf("block_on: rc %d, sum %ld\n", rc, s);
  struct point p = {1, 2}, q;
  rc = mirror__block_on(p, 3, &q);
  printf("mirror: rc %d, %ld %ld\n", rc, q.x, q.y);
  rc = say__block_on("hello");
  printf("say: rc %d\n", rc);
  rc = use_lib__block_on(4, &s);
  printf("use_lib: rc %d, %ld\n", rc, s);
  rc = apply_twice__block_on(sum_slowly__shim, 3, &s);
  printf("apply_twice: rc %d, %ld\n", rc, s);

  ac_runtime_t *rt = ac_runtime_new(AC_RT_MULTI_THREAD, 2);
  ac_runtime_enter(rt);
  ac_task_t *t[4];
  long sums[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4; i++)
    t[i] = sum_into__spawn(&sums[i], i + 1);
  ac_runtime_exit();
  for (int i = 0; i < 4; i++) {
    ac_join_t j = ac_task_join(t[i]);
    ac_runtime_block_on(rt, &ac_join_vtable, &j, NULL);
    printf("task %d: %ld\n", i, sums[i]);
  }
  if (ac_runtime_free(rt) != 0)
    printf("runtime leaked\n");
  return by_hand();
}
