/* __attribute__((cleanup(fn))) on frame locals when the frame is dropped:
   the locals alive in the state it is dropped in are cleaned, innermost
   first and in reverse order of declaration, after the active child; a
   local whose initializer is the await being dropped is not.  (The scope
   exits of a run to the end are checked against the erasure by the diff
   program cleanup_attribute_runs_at_every_scope_exit.) */
#include "lower_run.h"

static const char cleanup_src[] =
    "static void done(long *p) { printf(\"cleanup %ld\\n\", *p); }\n"
    "async int test_main(void) {\n"
    "  long a __attribute__((cleanup(done))) = 1;\n"
    "  {\n"
    "    long b __attribute__((cleanup(done))) = await tick(2);\n"
    "    long c __attribute__((cleanup(done))) = 3;\n"
    "    await tick(0);\n"
    "    printf(\"inner\\n\");\n"
    "  }\n"
    "  long d __attribute__((cleanup(done))) = 4;\n"
    "  await tick(0);\n"
    "  return (int)(a + d);\n"
    "}\n";

Test(cleanup, dropped_in_an_initializer_cleans_only_the_locals_before_it) {
  cr_assert_str_eq(lr_run_with("cleanup_drop_1", cleanup_src, "cc",
                               "-DLR_DROP_AFTER=1"),
                   "cleanup 1\ncancelled 1\n");
}

Test(cleanup, dropped_in_an_inner_block_cleans_it_then_the_outer_ones) {
  cr_assert_str_eq(lr_run_with("cleanup_drop_4", cleanup_src, "cc",
                               "-DLR_DROP_AFTER=4"),
                   "cleanup 3\ncleanup 2\ncleanup 1\ncancelled 1\n");
}

Test(cleanup, dropped_after_the_block_cleans_what_is_left_once) {
  cr_assert_str_eq(lr_run_with("cleanup_drop_6", cleanup_src, "cc",
                               "-DLR_DROP_AFTER=6"),
                   "inner\ncleanup 3\ncleanup 2\ncleanup 4\ncleanup 1\n"
                   "cancelled 1\n");
}

Test(cleanup, run_to_the_end_cleans_each_local_once) {
  cr_assert_str_eq(lr_run("cleanup_to_the_end", cleanup_src),
                   "inner\ncleanup 3\ncleanup 2\ncleanup 4\ncleanup 1\n=5\n");
}
