/* A static async function whose result is a number, a pointer or an
   enumeration runs its body in f__run, which returns the value (in a
   register) instead of storing it through the poll's out pointer; an
   await of it in the same file calls f__run and reads the child's state
   word for ready, and f__poll, the future ABI's, wraps it
   (translator/poll_value.c, docs/lowering.md §4). */
#include "lower_run.h"

static bool runs_by_value(const char *c, const char *f) {
  return strstr(c, xformat("%s__run(void *ac__self, ac_context_t *ac__cx) {",
                           f)) != NULL;
}

static const char chain_src[] =
    "static async long leaf(long x) { return await tick(x) + 1; }\n"
    "static async long mid(long x) { return await leaf(x) * 2; }\n"
    "static async const char *name(int i) {\n"
    "  await tick(i);\n"
    "  return i ? \"one\" : \"zero\";\n"
    "}\n"
    "static async double half(long x) { return await mid(x) / 2.0; }\n"
    "async int test_main(void) {\n"
    "  long a = await mid(3);\n"
    "  const char *n = await name(1);\n"
    "  double h = await half(4);\n"
    "  { printf(\"%ld %s %.1f\\n\", a, n, h); }\n"
    "  return (int)a;\n"
    "}\n";

Test(by_value, a_chain_hands_its_values_back_in_registers) {
  char *c = lr_translate("by_value_chain", chain_src, EMIT_C);
  cr_assert(runs_by_value(c, "leaf"), "%s", c);
  cr_assert(runs_by_value(c, "mid"));
  cr_assert(runs_by_value(c, "name"));
  cr_assert(runs_by_value(c, "half"));
  /* mid awaits leaf by value; the ABI's poll is there for the rest */
  cr_assert(strstr(c, "ac__s1: ac__t1 = leaf__run(&ac__F->ac__c1, ac__cx); "
                      "if (ac__F->ac__c1.ac__state != AC_STATE_DONE) "
                      "return ac__v;"), "%s", c);
  cr_assert(strstr(c, "static ac_poll_t leaf__poll(void *ac__self, "
                      "ac_context_t *ac__cx, void *ac__res) {\n"
                      "  long ac__v = leaf__run(ac__self, ac__cx);"));
  /* the debug tables do not take its address (gdb finds it by name) */
  cr_assert(!strstr(c, "(void (*)(void))leaf__run"), "%s", c);
  /* test_main is not static: other files may call its typed poll */
  cr_assert(!runs_by_value(c, "test_main"));
  cr_assert_str_eq(lr_run("by_value_chain_run", chain_src),
                   "8 one 5.0\n=8\n");
}

/* f__run's returns assign its value to ac__v: no pointer takes ac__v's
   address, which would make it memory for the C compiler (gcc -O1's time,
   docs/benchmarks.md). */
Test(by_value, the_value_is_assigned_not_stored_through_a_pointer) {
  char *c = lr_translate("by_value_no_out", chain_src, EMIT_C);
  char *mid = strstr(c, "static long mid__run(void *ac__self, "
                        "ac_context_t *ac__cx) {");
  cr_assert(mid && strstr(mid, "\n}\n"), "%s", c);
  strstr(mid, "\n}\n")[1] = 0; /* the function alone */
  cr_assert(!strstr(mid, "ac__out"), "%s", mid);
  cr_assert(strstr(mid, "{ ac__v = (ac__t1 * 2); ac__F->ac__state = "
                        "AC_STATE_DONE; return ac__v; }"), "%s", mid);
  cr_assert_str_eq(lr_run("by_value_no_out_run", chain_src),
                   "8 one 5.0\n=8\n");
}

/* Through the ABI's f__poll: a future in a local, a combinator's branch,
   a call through an async function pointer; and by value where an await
   runs it inline. */
static const char abi_src[] =
    "static async long leaf(long x) { return await tick(x) + 1; }\n"
    "async int test_main(void) {\n"
    "  __auto_type f = leaf(1);\n"
    "  long a = await f;\n"
    "  long b = 0, c = 0;\n"
    "  await ac_all(b = leaf(2), c = leaf(3));\n"
    "  async long (*p)(long) = leaf;\n"
    "  long d = await p(4);\n"
    "  long e = await leaf(5);\n"
    "  return (int)(a * 10000 + b * 1000 + c * 100 + d * 10 + e);\n"
    "}\n";

Test(by_value, the_abi_poll_wraps_the_body) {
  char *c = lr_translate("by_value_abi", abi_src, EMIT_C);
  cr_assert(runs_by_value(c, "leaf"), "%s", c);
  cr_assert(strstr(c, "leaf__poll(&ac__F->f"), "%s", c);
  cr_assert_str_eq(lr_run("by_value_abi_run", abi_src), "=23456\n");
}

/* Dropped while the child suspends: the frame's state word, not f__run's
   value, says it is pending. */
Test(by_value, a_pending_child_is_dropped_in_flight) {
  const char *drop = lr_run_with("by_value_drop", chain_src, "cc",
                                 "-DLR_DROP_AFTER=2");
  cr_assert_str_eq(drop, "cancelled 1\n");
}

/* What keeps the ABI's poll as the body: a struct result, a recursion
   cycle, a combinator's await, no result, a function other files call,
   one no await of this file runs inline. */
static const char kept_src[] =
    "struct pair { long a, b; };\n"
    "static async struct pair two(long x) {\n"
    "  struct pair p = {x, await tick(x)};\n"
    "  return p;\n"
    "}\n"
    "static async long down(long n) {\n"
    "  return n ? await down(n - 1) + 1 : await tick(0);\n"
    "}\n"
    "static async long race(long x) { return await ac_first(tick(x), tick(x)); }\n"
    "static async void nothing(void) { await tick(0); }\n"
    "async long open_one(long x) { return await tick(x); }\n"
    "static async long spawned(long x) { return await tick(x); }\n"
    "async int test_main(void) {\n"
    "  struct pair p = await two(3);\n"
    "  long d = await down(4);\n"
    "  long r = await race(5);\n"
    "  await nothing();\n"
    "  long o = await open_one(6);\n"
    "  __auto_type fut = spawned(1);\n"
    "  long q = await fut;\n"
    "  return (int)(p.a + p.b + d + r + o + q);\n"
    "}\n";

Test(by_value, aggregates_recursion_combinators_exported_and_unawaited_functions_keep_the_poll) {
  char *c = lr_translate("by_value_kept", kept_src, EMIT_C);
  cr_assert(!runs_by_value(c, "two"), "%s", c);
  cr_assert(!runs_by_value(c, "down"));
  cr_assert(!runs_by_value(c, "race"));
  cr_assert(!runs_by_value(c, "nothing"));
  cr_assert(!runs_by_value(c, "open_one"));
  cr_assert(!runs_by_value(c, "spawned")); /* no await runs it inline */
  cr_assert_str_eq(lr_run("by_value_kept_run", kept_src), "=" /* 3 + 3 + 4 + 0 (the first branch) + 6 + 1 */ "17\n");
}
