/* Assignment whose right side awaits: which side runs first.  C leaves it
   unspecified; acc orders it as gcc orders the erasure's `a[g()] = h()`
   and `a[i] = h()` (docs/language.md): a target with side effects is
   evaluated once, before the await; a target without them is read after
   it, so a change the awaited child makes to `i` is seen. */
#include "lower_run.h"

Test(assign_order, target_with_a_call_is_evaluated_before_the_await) {
  const char *src =
    "static long a[4], i;\n"
    "static long g(void) { printf(\"g\\n\"); return 1; }\n"
    "static async long h(void) { printf(\"h\\n\"); i = 2; return await tick(7); }\n"
    "async int test_main(void) {\n"
    "  a[g()] = await h();\n"
    "  a[i] = await h();\n"
    "  i = 0;\n"
    "  a[i] += await h();\n"
    "  return (int)(a[0] * 1000 + a[1] * 100 + a[2]);\n"
    "}\n";
  cr_assert_str_eq(lr_run("assign_order", src), "g\nh\nh\nh\n=714\n");
}
