/* A static async function without an await has nothing to drop but its
   state: its f__drop is a macro for the file's one ac__drop_done, not a
   function of its own for the C compiler to build (docs/lowering.md §4).
   Every way of reaching that drop still compiles warning-free and runs. */
#include "lower_run.h"

static const char leaf_src[] =
    "static long dropped;\n"
    "static async long leafy(long x) { return x * 2; }\n"
    "static async long other(long x) { return await tick(x); }\n"
    "async long exported(long x) { return x + 1; }\n"
    "async int test_main(void) {\n"
    "  __auto_type held = leafy(5);\n"
    "  long a = await leafy(1);\n"
    "  long b = await other(2);\n"
    "  async long (*p)(long) = leafy;\n"
    "  long c = await p(3);\n"
    "  long d = 0;\n"
    "  int w = await ac_first(d = leafy(4), tick(0));\n"
    "  long e = await held;\n"
    "  long f = await exported(6);\n"
    "  return (int)(a + b + c + d + w + e + f + dropped);\n"
    "}\n";

Test(drop_shared, an_await_free_static_function_drops_through_the_shared_drop) {
  char *c = lr_translate("drop_shared", leaf_src, EMIT_C);
  cr_assert(strstr(c, "#define leafy__drop ac__drop_done\n"), "%s", c);
  cr_assert(!strstr(c, "static void leafy__drop(void *ac__self) {"));
  /* one with an await, and one other files call, keep their own */
  cr_assert(strstr(c, "static void other__drop(void *ac__self) {"));
  cr_assert(!strstr(c, "#define exported__drop"));
  cr_assert(strstr(c, "static __attribute__((unused)) void "
                      "ac__drop_done(void *ac__self) {\n"
                      "  *(uint32_t *)ac__self = AC_STATE_DONE;\n}"));
  cr_assert_str_eq(lr_run("drop_shared_run", leaf_src),
                   "=" /* 2 + 2 + 6 + 8 + 0 + 10 + 7 */ "35\n");
}

/* Dropped in flight with the future of an await-free function held in a
   local that no await has run yet: the parent's drop runs its drop. */
Test(drop_shared, a_held_future_is_dropped_with_its_parent) {
  cr_assert_str_eq(lr_run_with("drop_shared_in_flight", leaf_src, "cc",
                               "-DLR_DROP_AFTER=1"),
                   "cancelled 1\n");
}
