/* A drop whose sites (two or more) each hold the frame of a static async
   function of the file and drop only it is a table of those children by
   state, run by the file's one ac__drop_by (emit_c.c, table_drop;
   docs/lowering.md §4 "The C compiler's time"); dropped in any state it
   drops the child of that state. */
#include "lower_run.h"

static const char src[] =
    "static async long inner(long v) { return await tick(v); }\n"
    "async int test_main(void) {\n"
    "  long a = await inner(1);\n"
    "  long b = await inner(a + 1);\n"
    "  return (int)(a + b);\n"
    "}\n";

Test(drop_table, children_of_this_file_are_dropped_through_a_table) {
  char *c = lr_translate("drop_table", src, EMIT_C);
  cr_assert(strstr(c, "void test_main__drop(test_main__frame *ac__F) {\n"
                      "  static const ac__drop_entry ac__e[] = {\n"
                      "    {__builtin_offsetof(test_main__frame, "), "%s", c);
  cr_assert(strstr(c, "  ac__drop_by(ac__F, ac__e, 2);\n}"), "%s", c);
  /* one site, a leaf: the switch */
  cr_assert(strstr(c, "static void inner__drop(void *ac__self) {\n"
                      "  inner__frame *const ac__F"), "%s", c);
  cr_assert_str_eq(lr_run("drop_table_run", src), "=3\n");
  /* in state 1 (the first inner's tick in flight), then in state 2 */
  cr_assert_str_eq(lr_run_with("drop_table_1", src, "cc", "-DLR_DROP_AFTER=1"),
                   "cancelled 1\n");
  cr_assert_str_eq(lr_run_with("drop_table_2", src, "cc", "-DLR_DROP_AFTER=4"),
                   "cancelled 1\n");
  cr_assert_str_eq(lr_run_with("drop_table_early", src, "cc",
                               "-DLR_DROP_EARLY -DLR_DROP_AFTER=0"),
                   "cancelled 0\n");
}
