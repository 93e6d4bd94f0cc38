/* Statements with awaits: control flow kept as written, loops reshaped
   only where a condition or step awaits, switch and goto across states,
   locals that keep their value and address.  Each snippet runs with a leaf
   that suspends twice at every await. */
#include "lower_run.h"

Test(lower, while_condition_is_awaited_again_on_every_iteration) {
  const char *src =
    "async int test_main(void) {\n"
    "  long n = 0, s = 0;\n"
    "  while (await tick(n) < 4) {\n"
    "    n++;\n"
    "    if (n == 2)\n"
    "      continue;\n"
    "    s += n;\n"
    "  }\n"
    "  return (int)(s * 10 + n);\n"
    "}\n";
  cr_assert_str_eq(lr_run("while_condition_is_awaited_again_on_every_iteration", src), "=84\n");
}

Test(lower, continue_in_do_while_goes_to_the_awaited_condition) {
  const char *src =
    "async int test_main(void) {\n"
    "  long i = 0, s = 0;\n"
    "  do {\n"
    "    i++;\n"
    "    if (i % 2)\n"
    "      continue;\n"
    "    s += await tick(i);\n"
    "  } while (await tick(i) < 6);\n"
    "  return (int)(s * 10 + i);\n"
    "}\n";
  cr_assert_str_eq(lr_run("continue_in_do_while_goes_to_the_awaited_condition", src), "=126\n");
}

Test(lower, for_with_awaits_in_all_three_clauses_and_continue) {
  const char *src =
    "async int test_main(void) {\n"
    "  long s = 0;\n"
    "  for (long i = await tick(0); i < await tick(5); i += await tick(1)) {\n"
    "    if (i == 2)\n"
    "      continue;\n"
    "    s += i;\n"
    "  }\n"
    "  return (int)s;\n"
    "}\n";
  cr_assert_str_eq(lr_run("for_with_awaits_in_all_three_clauses_and_continue", src), "=8\n");
}

Test(lower, break_leaves_only_the_inner_loop) {
  const char *src =
    "async int test_main(void) {\n"
    "  int s = 0;\n"
    "  for (int i = 0; i < 3; i++)\n"
    "    for (int j = 0; j < 10; j++) {\n"
    "      if (await tick(j) == 2)\n"
    "        break;\n"
    "      s += 1;\n"
    "    }\n"
    "  return s;\n"
    "}\n";
  cr_assert_str_eq(lr_run("break_leaves_only_the_inner_loop", src), "=6\n");
}

Test(lower, switch_with_awaits_between_case_labels) {
  const char *src =
    "static async long pick(int k) {\n"
    "  long r = 0;\n"
    "  switch (k) {\n"
    "  case 1:\n"
    "    r += await tick(1);\n"
    "    /* fall through */\n"
    "  case 2:\n"
    "    r += await tick(10);\n"
    "    break;\n"
    "  default:\n"
    "    r = await tick(100);\n"
    "  }\n"
    "  return r;\n"
    "}\n"
    "async int test_main(void) {\n"
    "  return (int)(await pick(1) + await pick(2) + await pick(3));\n"
    "}\n";
  cr_assert_str_eq(lr_run("switch_with_awaits_between_case_labels", src), "=121\n");
}

Test(lower, return_from_a_nested_loop_with_awaits) {
  const char *src =
    "static async long find(long want) {\n"
    "  for (int i = 0; i < 5; i++)\n"
    "    for (int j = 0; j < 5; j++)\n"
    "      if (await tick(i * 5 + j) == want)\n"
    "        return i * 10 + j;\n"
    "  return -1;\n"
    "}\n"
    "async int test_main(void) { return (int)(await find(13) + await find(99)); }\n";
  cr_assert_str_eq(lr_run("return_from_a_nested_loop_with_awaits", src), "=22\n");
}

Test(lower, goto_backwards_over_an_await) {
  const char *src =
    "async int test_main(void) {\n"
    "  int n = 0;\n"
    "again:\n"
    "  n += (int)await tick(2);\n"
    "  if (n < 7)\n"
    "    goto again;\n"
    "  return n;\n"
    "}\n";
  cr_assert_str_eq(lr_run("goto_backwards_over_an_await", src), "=8\n");
}

Test(lower, locals_keep_their_address_across_awaits) {
  const char *src =
    "static async long sum_at(long *p, int n) {\n"
    "  long s = 0;\n"
    "  for (int i = 0; i < n; i++)\n"
    "    s += await tick(p[i]);\n"
    "  return s;\n"
    "}\n"
    "async int test_main(void) {\n"
    "  long a[3] = {1, 2, 3};\n"
    "  long *p = &a[1];\n"
    "  long s = await sum_at(a, 3);\n"
    "  *p += await tick(40);\n"
    "  return (int)(s * 100 + a[1]);\n"
    "}\n";
  cr_assert_str_eq(lr_run("locals_keep_their_address_across_awaits", src), "=642\n");
}

Test(lower, shadowed_locals_stay_distinct) {
  const char *src =
    "async int test_main(void) {\n"
    "  int x = 1;\n"
    "  {\n"
    "    int x = 2;\n"
    "    x += (int)await tick(10);\n"
    "    {\n"
    "      int x = 3;\n"
    "      (void)await tick(0);\n"
    "      x++;\n"
    "    }\n"
    "    printf(\"%d\\n\", x);\n"
    "  }\n"
    "  return x;\n"
    "}\n";
  cr_assert_str_eq(lr_run("shadowed_locals_stay_distinct", src), "12\n=1\n");
}

Test(lower, async_recursion_is_boxed) {
  const char *src =
    "static async long fib(long n) {\n"
    "  if (n < 2)\n"
    "    return await tick(n);\n"
    "  return await fib(n - 1) + await fib(n - 2);\n"
    "}\n"
    "async int test_main(void) { return (int)await fib(10); }\n";
  cr_assert_str_eq(lr_run("async_recursion_is_boxed", src), "=55\n");
}

Test(lower, callee_defined_after_caller) {
  const char *src =
    "static async long late(long v);\n"
    "async int test_main(void) { return (int)await late(4); }\n"
    "static async long late(long v) { return await tick(v) * 3; }\n";
  cr_assert_str_eq(lr_run("callee_defined_after_caller", src), "=12\n");
}

Test(lower, const_and_aggregate_locals_across_awaits) {
  const char *src =
    "struct pt { int x, y; };\n"
    "async int test_main(void) {\n"
    "  const int k = (int)await tick(5);\n"
    "  struct pt p = {1, (int)await tick(2)};\n"
    "  int arr[] = {k, p.y, 7};\n"
    "  (void)await tick(0);\n"
    "  return k * 100 + p.y * 10 + arr[2];\n"
    "}\n";
  cr_assert_str_eq(lr_run("const_and_aggregate_locals_across_awaits", src), "=527\n");
}

Test(lower, dropping_a_suspended_frame_drops_the_active_child) {
  const char *src =
    "static async long inner(long v) { return await tick(v); }\n"
    "async int test_main(void) {\n"
    "  long a = await inner(1);\n"
    "  return (int)a;\n"
    "}\n";
  cr_assert_str_eq(lr_run_with("drop_early", src, "cc", "-DLR_DROP_EARLY"),
                   "cancelled 1\n");
}

Test(lower, output_is_warning_free_under_clang) {
  const char *src =
    "static async long twice(long v) { return 2 * await tick(v); }\n"
    "async int test_main(void) {\n"
    "  long s = 0;\n"
    "  for (int i = 0; i < 3; i++)\n"
    "    s += i ? await twice(i) : 0;\n"
    "  switch ((int)await tick(1)) {\n"
    "  case 1:\n"
    "    s++;\n"
    "    break;\n"
    "  }\n"
    "  return (int)s;\n"
    "}\n";
  cr_assert_str_eq(lr_run_with("clang_clean", src, "clang", ""), "=7\n");
}

Test(lower, every_await_site_has_a_named_state_with_its_line) {
  const char *src =
    "async int test_main(void) {\n"
    "  long a = await tick(1);\n"
    "  return (int)(a + await tick(2));\n"
    "}\n";
  char *c = lr_translate("states", src, EMIT_C);
  cr_assert(strstr(c, "ac__s1:"), "no label for state 1");
  cr_assert(strstr(c, "ac__s2:"), "no label for state 2");
  cr_assert(strstr(c, "/* state 2 AwaitingTick2: await tick_t, line"),
            "no named state comment");
  cr_assert(strstr(c, "#line "), "no #line directives");
}
