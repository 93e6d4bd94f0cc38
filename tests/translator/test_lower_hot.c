/* A loop whose awaits are all hand-written futures and which calls nothing
   else is copied into f__poll, which jumps into the copy when the frame
   stopped at one of its awaits; the whole body is f__poll_cold, which
   f__poll tail-calls for every other state and when the copy leaves the
   loop (translator/lower_hot.c, docs/lowering.md §4 "Hot loops"). */
#include "lower_run.h"

static const char one_src[] =
    "async int test_main(void) {\n"
    "  long s = 0;\n"
    "  for (int i = 0; i < 5; i++) {\n"
    "    s += await tick(i);\n"
    "    if (s > 100)\n"
    "      break;\n"
    "  }\n"
    "  printf(\"s %ld\\n\", s);\n"
    "  return (int)s + await tick(1);\n"
    "}\n";

Test(hot, a_flat_loop_resumes_in_f__poll) {
  char *c = lr_translate("hot_one", one_src, EMIT_C);
  const char *cold = strstr(c, "static __attribute__((noinline)) ac_poll_t "
                               "test_main__poll_cold(test_main__frame *ac__F, "
                               "ac_context_t *ac__cx, int *ac__out, "
                               "uint32_t ac__at) {");
  cr_assert(cold, "%s", c);
  cr_assert(strstr(cold, "switch (ac__at) {"), "%s", c);
  /* the copy's end: the cold body goes on after the loop */
  cr_assert(strstr(cold, "case 3:\n    goto ac__x0;"), "%s", c);
  cr_assert(strstr(cold, "ac__x0:;"), "%s", c);
  const char *hot = strstr(c, "\nac_poll_t test_main__poll(test_main__frame "
                              "*ac__F, ac_context_t *ac__cx, int *ac__out) {");
  cr_assert(hot && hot > cold, "%s", c);
  cr_assert(strstr(hot, "case 1:\n    goto ac__s1;\n  default:\n    return "
                        "test_main__poll_cold(ac__F, ac__cx, ac__out, "
                        "ac__F->ac__state);"), "%s", hot);
  cr_assert(strstr(hot, "return test_main__poll_cold(ac__F, ac__cx, "
                        "ac__out, 3);"), "%s", hot);
  /* the await after the loop is not in the copy */
  cr_assert(!strstr(hot, "goto ac__s2;"), "%s", hot);
  cr_assert_str_eq(lr_run("hot_one_run", one_src), "s 10\n=11\n");
  cr_assert_str_eq(lr_run_with("hot_one_drop", one_src, "cc",
                               "-DLR_DROP_AFTER=4"), "cancelled 1\n");
}

/* Two hot loops: f__poll holds the first, the second has a function of
   its own, which f__poll jumps to. */
static const char two_src[] =
    "async int test_main(void) {\n"
    "  long s = 0;\n"
    "  for (int i = 0; i < 3; i++)\n"
    "    s += await tick(i);\n"
    "  int k = 0;\n"
    "  while (await tick(k) < 4)\n"
    "    k++;\n"
    "  return (int)(s * 10 + k);\n"
    "}\n";

Test(hot, a_second_loop_gets_a_function_of_its_own) {
  char *c = lr_translate("hot_two", two_src, EMIT_C);
  cr_assert(strstr(c, "ac_poll_t test_main__hot1(test_main__frame *ac__F, "
                      "ac_context_t *ac__cx, int *ac__out) {"), "%s", c);
  cr_assert(!strstr(c, "test_main__hot0"), "%s", c);
  cr_assert(strstr(c, "  case 1:\n    goto ac__s1;\n  case 2:\n    return "
                      "test_main__hot1(ac__F, ac__cx, ac__out);"), "%s", c);
  cr_assert_str_eq(lr_run("hot_two_run", two_src), "=34\n");
}

/* No copy where it would not pay or could not be made: a loop that calls
   a function, one reading a local f__poll would not have, one that
   declares a static. */
static const char cold_src[] =
    "static int seen;\n"
    "static void see(long v) { seen += (int)v; }\n"
    "async int test_main(void) {\n"
    "  for (int i = 0; i < 2; i++)\n"
    "    see(await tick(i));\n"
    "  int limit = 2;\n"
    "  long s = 0;\n"
    "  for (int i = 0; i < limit; i++) {\n"
    "    static int n;\n"
    "    s += await tick(i) + n++;\n"
    "  }\n"
    "  for (int i = 0; i < limit; i++)\n"
    "    s += await tick(i);\n"
    "  return (int)s + seen;\n"
    "}\n";

Test(hot, loops_that_call_or_cannot_be_copied_stay_cold) {
  char *c = lr_translate("hot_cold", cold_src, EMIT_C);
  cr_assert(!strstr(c, "__poll_cold"), "%s", c);
  cr_assert_str_eq(lr_run("hot_cold_run", cold_src), "=4\n");
}

/* A parameter the body never changes is read where the copy uses it, not
   once at f__poll's entry: a copy whose awaits call out would keep it in
   a callee-saved register, saved and restored at every resumption.
   f__poll_cold still reads it once (docs/lowering.md §4). */
static const char param_src[] =
    "static async void sum(long n, long step, long *out) {\n"
    "  long s = 0;\n"
    "  for (long i = 0; i < n; i += step)\n"
    "    s += await tick(i);\n"
    "  *out = s + n;\n"
    "}\n"
    "async int test_main(void) {\n"
    "  long r = 0;\n"
    "  await sum(7, 2, &r);\n"
    "  return (int)r;\n"
    "}\n";

Test(hot, a_copy_reads_parameters_where_it_uses_them) {
  char *c = lr_translate("hot_param", param_src, EMIT_C);
  const char *cold = strstr(c, "ac_poll_t sum__poll_cold(");
  const char *hot = strstr(c, "\nstatic ac_poll_t sum__poll(void *ac__self, "
                              "ac_context_t *ac__cx, void *ac__out) {");
  cr_assert(cold && hot && cold < hot, "%s", c);
  cr_assert(strstr(cold, "__typeof__(ac__F->n) ac__p_n __attribute__"
                         "((unused)) = ac__F->n;"), "%s", cold);
  cr_assert(strstr(hot, "#define ac__p_n (ac__F->n)\n#define ac__p_step "
                        "(ac__F->step)\n  switch (ac__F->ac__state) {"),
            "%s", hot);
  cr_assert(strstr(hot, "\n}\n#undef ac__p_n\n#undef ac__p_step\n"), "%s",
            hot);
  cr_assert(!strstr(hot, "ac__p_n __attribute__"), "%s", hot);
  cr_assert_str_eq(lr_run("hot_param_run", param_src),
                   "=" /* 0+2+4+6 + 7 */ "19\n");
}
