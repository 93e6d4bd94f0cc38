/* Statement expressions whose bodies await: they run in place, with their
   locals in the frame, and their value is their last expression statement
   (the expected outputs were worked out from the sync erasure). */
#include "lower_run.h"

Test(lower, statement_expression_value_and_locals_across_awaits) {
  const char *src =
    "static long calls;\n"
    "static long h(void) { return ++calls * 100; }\n"
    "async int test_main(void) {\n"
    "  long r = h() + ({ long s = 0;\n"
    "                    for (int i = 1; i <= 3; i++) s += await tick(i);\n"
    "                    s * 2; });\n"
    "  ({ long u = await tick(5); calls += u; });\n"
    "  (void)({ if (r > 0) await tick(0); });\n"
    "  printf(\"%ld %ld\\n\", r, calls);\n"
    "  return (int)r;\n"
    "}\n";
  cr_assert_str_eq(lr_run("stmt_expr_value", src), "112 6\n=112\n");
}

Test(lower, statement_expression_with_await_is_flattened) {
  const char *src =
    "async int test_main(void) {\n"
    "  long v = ({ long a = await tick(4); a + 1; });\n"
    "  return (int)v;\n"
    "}\n";
  char *c = lr_translate("stmt_expr_flat", src, EMIT_C);
  cr_assert(!strstr(c, "({"), "a statement expression with an await is "
            "left in the output:\n%s", c);
  cr_assert(strstr(c, "ac__s1:"), "no state for the await inside it");
}

Test(layout, operand_spilled_before_a_statement_expression_is_live_in_it) {
  const char *src =
    "static long h(void) { return 1; }\n"
    "async int test_main(void) {\n"
    "  long r = h() + ({ long big[8] = {0}; big[0] = await tick(2);\n"
    "                    big[0]; });\n"
    "  return (int)r;\n"
    "}\n";
  char *lay = lr_translate("stmt_expr_layout", src, EMIT_LAYOUT);
  char *t1 = strstr(lay, " ac__t1 ");
  cr_assert(t1, "no spilled temporary ac__t1 in:\n%s", lay);
  char *eol = strchr(t1, '\n');
  char *live = strstr(t1, "temporary");
  cr_assert(live && live < eol, "ac__t1 is not a temporary:\n%s", lay);
  int state = 0;
  cr_assert_eq(sscanf(live, "temporary %d", &state), 1,
               "ac__t1 is not live at the await inside the statement "
               "expression:\n%s", lay);
  cr_assert_eq(state, 1);
}
