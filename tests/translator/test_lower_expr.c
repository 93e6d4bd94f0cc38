/* Expressions with awaits: each test translates a snippet, runs it with a
   leaf that really suspends, and checks it computes what its sync erasure
   computes (the expected output was worked out from the erasure). */
#include "lower_run.h"

Test(lower, and_operand_after_await_is_skipped_when_false) {
  const char *src =
    "static int hits;\n"
    "static async long probe(long v) { hits++; return await tick(v); }\n"
    "async int test_main(void) {\n"
    "  long zero = 0;\n"
    "  int a = zero && await probe(1);\n"
    "  int b = await tick(1) && await probe(2);\n"
    "  printf(\"%d %d %d\\n\", a, b, hits);\n"
    "  return a + b;\n"
    "}\n";
  cr_assert_str_eq(lr_run("and_operand_after_await_is_skipped_when_false", src), "0 1 1\n=1\n");
}

Test(lower, or_operand_after_await_is_skipped_when_true) {
  const char *src =
    "static int hits;\n"
    "static async long probe(long v) { hits++; return await tick(v); }\n"
    "async int test_main(void) {\n"
    "  int a = await tick(3) || await probe(1);\n"
    "  int b = await tick(0) || await probe(0);\n"
    "  printf(\"%d %d %d\\n\", a, b, hits);\n"
    "  return 7;\n"
    "}\n";
  cr_assert_str_eq(lr_run("or_operand_after_await_is_skipped_when_true", src), "1 0 1\n=7\n");
}

Test(lower, conditional_evaluates_only_the_chosen_branch) {
  const char *src =
    "static int hits;\n"
    "static async long probe(long v) { hits++; return await tick(v); }\n"
    "async int test_main(void) {\n"
    "  long x = await tick(1) ? await probe(10) : await probe(20);\n"
    "  long y = 0 ? await probe(1) : 5;\n"
    "  printf(\"%ld %ld %d\\n\", x, y, hits);\n"
    "  return (int)(x + y);\n"
    "}\n";
  cr_assert_str_eq(lr_run("conditional_evaluates_only_the_chosen_branch", src), "10 5 1\n=15\n");
}

Test(lower, comma_sequences_its_operands) {
  const char *src =
    "async int test_main(void) {\n"
    "  long a = 1;\n"
    "  long r = (a += 10, await tick(a), a * 2 + await tick(a));\n"
    "  printf(\"%ld %ld\\n\", a, r);\n"
    "  return (int)r;\n"
    "}\n";
  cr_assert_str_eq(lr_run("comma_sequences_its_operands", src), "11 33\n=33\n");
}

Test(lower, compound_assignment_reads_the_lvalue_after_the_await) {
  const char *src =
    "static long g = 1;\n"
    "static async long bump(void) { g = 100; return await tick(5); }\n"
    "async int test_main(void) {\n"
    "  long arr[3] = {1, 2, 3};\n"
    "  int i = 0;\n"
    "  g += await bump();\n"
    "  arr[i++] += await tick(40);\n"
    "  printf(\"%ld %ld %d\\n\", g, arr[0], i);\n"
    "  return (int)g;\n"
    "}\n";
  cr_assert_str_eq(lr_run("compound_assignment_reads_the_lvalue_after_the_await", src), "105 41 1\n=105\n");
}

Test(lower, nested_awaits_in_arguments) {
  const char *src =
    "static async long add(long a, long b) { return await tick(a) + await tick(b); }\n"
    "async int test_main(void) {\n"
    "  long r = await add(await add(1, 2), await tick(await tick(4)));\n"
    "  return (int)r;\n"
    "}\n";
  cr_assert_str_eq(lr_run("nested_awaits_in_arguments", src), "=7\n");
}

Test(lower, operand_before_await_is_spilled) {
  const char *src =
    "static long n = 1;\n"
    "static long next(void) { return n++ * 10; }\n"
    "static async long later(void) { n = 50; return await tick(1); }\n"
    "async int test_main(void) {\n"
    "  long r = next() + await later() + next();\n"
    "  printf(\"%ld\\n\", n);\n"
    "  return (int)r;\n"
    "}\n";
  cr_assert_str_eq(lr_run("operand_before_await_is_spilled", src), "51\n=511\n");
}

Test(lower, generic_evaluates_only_the_selected_association) {
  const char *src =
    "static int hits;\n"
    "static async long probe(long v) { hits++; return await tick(v); }\n"
    "async int test_main(void) {\n"
    "  int i = 0;\n"
    "  long r = _Generic(i, double: await probe(1), int: await probe(2), default: 3);\n"
    "  printf(\"%ld %d\\n\", r, hits);\n"
    "  return (int)r;\n"
    "}\n";
  cr_assert_str_eq(lr_run("generic_evaluates_only_the_selected_association", src), "2 1\n=2\n");
}

Test(lower, future_stored_in_a_local_is_awaited_later) {
  const char *src =
    "static async long twice(long v) { return 2 * await tick(v); }\n"
    "async int test_main(void) {\n"
    "  __auto_type f = twice(4);\n"
    "  __auto_type g = twice(5);\n"
    "  long a = await g;\n"
    "  long b = await f;\n"
    "  return (int)(a * 100 + b);\n"
    "}\n";
  cr_assert_str_eq(lr_run("future_stored_in_a_local_is_awaited_later", src), "=1008\n");
}
