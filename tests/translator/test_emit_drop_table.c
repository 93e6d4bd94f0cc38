/* A drop whose sites (two or more) each hold the frame of a static async
   function of the file and drop only it is a table of those children by
   state with each child's plan, which the file's one ac__drop_by walks
   down (emit_c.c, table_drop; docs/lowering.md §4 "The C compiler's
   time").  A child whose drop is a table is reached through its plan, so
   its f__drop is no function in the object unless a vtable names it;
   dropped in any state, a frame drops the child of that state, and that
   child the grandchild of its own. */
#include "lower_run.h"

static const char src[] =
    "static async long inner(long v) { return await tick(v); }\n"
    "static async long mid(long v) {\n"
    "  long a = await inner(v);\n"
    "  return a + await inner(a);\n"
    "}\n"
    "async int test_main(void) {\n"
    "  long a = await mid(1);\n"
    "  long b = await mid(a + 1);\n"
    "  return (int)(a + b);\n"
    "}\n";

Test(drop_table, children_of_this_file_are_dropped_through_plans) {
  char *c = lr_translate("drop_table", src, EMIT_C);
  cr_assert(strstr(c, "static const ac__drop_entry test_main__drops[] = {\n"
                      "  {__builtin_offsetof(test_main__frame, "), "%s", c);
  cr_assert(strstr(c, "), &mid__plan},\n"), "%s", c);
  cr_assert(strstr(c, "), &inner__plan},\n"), "%s", c);
  cr_assert(strstr(c, "void test_main__drop(test_main__frame *ac__F) {\n"
                      "  ac__drop_by(ac__F, &test_main__plan);\n}"), "%s", c);
  /* one site, a leaf: the switch, which its plan names */
  cr_assert(strstr(c, "static void inner__drop(void *ac__self) {\n"
                      "  inner__frame *const ac__F"), "%s", c);
  cr_assert(strstr(c, "static const ac__drop_plan inner__plan "
                      "__attribute__((unused)) = {inner__drop, 0, 0};"), "%s", c);
  /* mid's drop is its table: no function of it is compiled */
  const char *dir = lr_dir();
  const char *cf = xformat("%s/drop_table.c", dir);
  const char *o = xformat("%s/drop_table.o", dir);
  lr_write(cf, c);
  cr_assert_eq(system(xformat("cc -std=c11 -O1 -Wall -Wextra -Werror -I%s "
                              "-c -o %s %s", ACC_RUNTIME_INCLUDE, o, cf)), 0);
  char *syms = lr_shell(xformat("nm %s", o));
  cr_assert(strstr(syms, " inner__drop\n"), "%s", syms);
  cr_assert(!strstr(syms, " mid__drop\n"), "%s", syms);

  cr_assert_str_eq(lr_run("drop_table_run", src), "=8\n");
  /* each of the four ticks in flight: two polls each */
  for (int k = 1; k <= 8; k += 2)
    cr_assert_str_eq(lr_run_with(xformat("drop_table_%d", k), src, "cc",
                                 xformat("-DLR_DROP_AFTER=%d", k)),
                     "cancelled 1\n", "dropped after %d polls", k);
  cr_assert_str_eq(lr_run_with("drop_table_early", src, "cc",
                               "-DLR_DROP_EARLY -DLR_DROP_AFTER=0"),
                   "cancelled 0\n");
}
