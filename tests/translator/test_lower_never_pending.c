/* An await of an async function of the same file that has no await of its
   own can never leave the frame suspended there: the callee's first poll
   runs it to the end.  Such an await gets no resumption label, no case
   in the entry switch and no test of the poll's answer (emit_c.c, never_pending; docs/lowering.md §4, "The
   C compiler's time"); its state is still recorded while the child runs. */
#include "lower_run.h"

static const char src[] =
    "static async long add(long a, long b) { return a + b; }\n"
    "static async long later(long v) { return await tick(v); }\n"
    "static async void none(void) {}\n"
    "async int test_main(void) {\n"
    "  long s = await add(1, 2);\n"
    "  s += await later(s);\n"
    "  await none();\n"
    "  s += await add(s, 10);\n"
    "  return (int)s;\n"
    "}\n";

Test(never_pending, an_await_of_a_function_without_awaits_has_no_resumption) {
  char *c = lr_translate("never_pending", src, EMIT_C);
  const char *poll = strstr(c, "\nac_poll_t test_main__poll(");
  cr_assert(poll, "%s", c);
  /* sites 1, 3 and 4 cannot be pending; site 2 awaits a tick */
  cr_assert(strstr(poll, "ac__F->ac__state = 1; ac__t1 = add__now(1, 2);"),
            "%s", poll);
  cr_assert(strstr(poll, "ac__F->ac__state = 3; (void)none__now();"), "%s",
            poll);
  cr_assert(strstr(poll, "ac__s2: "), "%s", poll);
  cr_assert(strstr(poll, "case 2:\n    goto ac__s2;"), "%s", poll);
  cr_assert(!strstr(poll, "ac__s1"), "%s", poll);
  cr_assert(!strstr(poll, "ac__s3"), "%s", poll);
  cr_assert(!strstr(poll, "ac__s4"), "%s", poll);
  cr_assert_str_eq(lr_run("never_pending_run", src), "=22\n");
  cr_assert_str_eq(lr_run_with("never_pending_drop", src, "cc",
                               "-DLR_DROP_AFTER=2"), "cancelled 1\n");
}
