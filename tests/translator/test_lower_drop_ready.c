/* A leaf whose header declares `void T_drop_ready(T_t *)` has it called
   after it was ready, instead of T_drop, which still drops it when the
   frame is dropped in flight (docs/runtime.md §1, docs/lowering.md §2):
   a drop after an out-of-line poll tests the leaf's state, which the C
   compiler cannot know, at every await (ac_mpsc_send_drop, W3). */
#include "lower_run.h"

static const char once_src[] =
    "typedef struct once { int left; long v; } once_t;\n"
    "static int ready_drops;\n"
    "static inline once_t once(long v) { once_t o = {1, v}; return o; }\n"
    "static inline ac_poll_t once_poll(once_t *o, ac_context_t *cx,\n"
    "                                  long *out) {\n"
    "  if (o->left-- > 0) { ac_waker_wake_by_ref(cx->waker);\n"
    "    return AC_POLL_PENDING; }\n"
    "  *out = o->v; return AC_POLL_READY;\n"
    "}\n"
    "static inline void once_drop(once_t *o) {\n"
    "  printf(\"dropped %ld\\n\", o->v);\n"
    "}\n"
    "static inline void once_drop_ready(once_t *o) {\n"
    "  (void)o; ready_drops++;\n"
    "}\n"
    "async int test_main(void) {\n"
    "  long s = await once(3);\n"
    "  s += await tick(4);\n"
    "  s += await once(5);\n"
    "  printf(\"ready drops %d\\n\", ready_drops);\n"
    "  return (int)s;\n"
    "}\n";

Test(drop_ready, a_leaf_ready_is_dropped_by_its_drop_ready) {
  char *c = lr_translate("drop_ready", once_src, EMIT_C);
  cr_assert(strstr(c, "== AC_POLL_PENDING) return AC_POLL_PENDING; "
                      "once_drop_ready(&ac__F->ac__c1);"), "%s", c);
  cr_assert(strstr(c, "once_drop_ready(&ac__F->ac__c3);"), "%s", c);
  /* a leaf without one is dropped as before */
  cr_assert(strstr(c, "tick_drop(&ac__F->ac__c2);"), "%s", c);
  cr_assert_str_eq(lr_run("drop_ready_run", once_src),
                   "ready drops 2\n=12\n");
  /* in flight, the drop */
  cr_assert_str_eq(lr_run_with("drop_ready_early", once_src, "cc",
                               "-DLR_DROP_EARLY"),
                   "dropped 3\ncancelled 0\n");
}

/* ac.h's channel and join leaves hold nothing once ready. */
static const char chan_src[] =
    "static async int seven(void) { return 7; }\n"
    "async int test_main(void) {\n"
    "  ac_mpsc_t *ch = ac_mpsc_new(sizeof(int), 1);\n"
    "  int v = await ac_join_int(ac_spawn(seven())), r = 0;\n"
    "  if (await ac_mpsc_send(ch, &v) != 0 || await ac_mpsc_recv(ch, &r))\n"
    "    return -1;\n"
    "  await ac_task_join(ac_spawn(seven()));\n"
    "  return r;\n"
    "}\n";

Test(drop_ready, the_channel_and_join_leaves_of_ac_h_have_one) {
  char *c = lr_translate("drop_ready_chan", chan_src, EMIT_C);
  cr_assert(strstr(c, "ac_join_int_drop_ready(&ac__F->ac__c1);"), "%s", c);
  cr_assert(strstr(c, "ac_mpsc_send_drop_ready(&ac__F->ac__c2);"), "%s", c);
  cr_assert(strstr(c, "ac_mpsc_recv_drop_ready(&ac__F->ac__c3);"), "%s", c);
  cr_assert(strstr(c, "ac_join_drop_ready(&ac__F->ac__c4);"), "%s", c);
  /* the frame's drop in any of these states still drops the leaf */
  cr_assert(strstr(c, "ac_join_int_drop(&ac__F->ac__c1);"), "%s", c);
  cr_assert(strstr(c, "ac_mpsc_send_drop(&ac__F->ac__c2);"), "%s", c);
  cr_assert(strstr(c, "ac_mpsc_recv_drop(&ac__F->ac__c3);"), "%s", c);
  cr_assert(strstr(c, "ac_join_drop(&ac__F->ac__c4);"), "%s", c);
}
