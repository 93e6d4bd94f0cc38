/* The result of an await of a function run by value (f__run) or by
   f__now comes back by assignment, not through a pointer: where the frame
   does not suspend at another site while it lives, the poll keeps it in a
   C local instead of the frame (docs/lowering.md §4, W5: one store per
   level of a chain); a result that lives across another await stays in
   the frame. */
#include "lower_run.h"

static const char chain_src[] =
    "static async long leaf(long x) { return x + 1; }\n"
    "static async long mid(long x) {\n"
    "  long y = await leaf(x) * 2;\n"
    "  y += await tick(y);\n"
    "  return y;\n"
    "}\n"
    "static async long top(long x) {\n"
    "  return await mid(x) + await mid(x + 1);\n"
    "}\n"
    "async int test_main(void) {\n"
    "  return (int)await top(3);\n"
    "}\n";

Test(result_local, a_result_read_before_the_next_await_is_a_local) {
  char *c = lr_translate("result_local", chain_src, EMIT_C);
  /* f__now's result, in mid */
  const char *mid = strstr(c, "static long mid__run(void *ac__self, "
                              "ac_context_t *ac__cx) {");
  cr_assert(mid, "%s", c);
  cr_assert(strstr(mid, "__typeof__(long) ac__t1 __attribute__((unused));"),
            "%s", mid);
  cr_assert(strstr(mid, "ac__t1 = leaf__now((ac__p_x));"), "%s", mid);
  cr_assert(strstr(mid, "ac__F->y = ac__t1 * 2;"), "%s", mid);
  /* the leaf's result goes through its pointer, in the frame */
  cr_assert(strstr(mid, "tick_poll(&ac__F->ac__c2, ac__cx, &ac__F->ac__t2)"),
            "%s", mid);
  /* in top, the first mid's result lives across the second await: in the
     frame; the second's is read at once: a local */
  const char *top = strstr(c, "static long top__run(void *ac__self, "
                              "ac_context_t *ac__cx) {");
  cr_assert(top, "%s", c);
  cr_assert(strstr(top, "ac__F->ac__t1 = mid__run(&ac__F->ac__c1, ac__cx);"),
            "%s", top);
  cr_assert(strstr(top, "ac__t2 = mid__run(&ac__F->ac__c2, ac__cx);"), "%s",
            top);
  cr_assert(!strstr(top, "ac__F->ac__t2"), "%s", top);
  cr_assert(strstr(top, "(ac__F->ac__t1 + ac__t2)"), "%s", top);
  cr_assert_str_eq(lr_run("result_local_run", chain_src),
                   "=" /* mid(3) = 8 + 8, mid(4) = 10 + 10 */ "36\n");
  cr_assert_str_eq(lr_run_with("result_local_drop", chain_src, "cc",
                               "-DLR_DROP_AFTER=3"), "cancelled 1\n");
}

/* In a frame large enough that its fields are reached by paths
   (frame_paths.c: ac__F->ac__g7.ac__t7), such a result is a local too,
   of the field's own name. */
static const char *many_src(void) {
  Str s = {0};
  str_puts(&s, "static async long leaf(long x) { return x + 1; }\n"
               "static async long all(long x) {\n  long s = 0;\n");
  for (int i = 0; i < 40; i++)
    str_printf(&s, "  s += await leaf(x + %d);\n", i);
  str_puts(&s, "  await tick(s);\n  return s;\n}\n"
               "async int test_main(void) {\n"
               "  return (int)(await all(1) % 1000);\n}\n");
  return str_cstr(&s);
}

Test(result_local, a_result_reached_by_a_path_is_a_local_of_its_name) {
  const char *src = many_src();
  char *c = lr_translate("result_local_path", src, EMIT_C);
  char *all = strstr(c, "static long all__run(void *ac__self, "
                        "ac_context_t *ac__cx) {");
  cr_assert(all, "%s", c);
  cr_assert(strstr(all, "\n}\n"), "%s", all);
  strstr(all, "\n}\n")[1] = 0; /* the function alone */
  cr_assert(strstr(all, "ac__F->ac__g"), "no paths: %s", all);
  cr_assert(strstr(all, "__typeof__(long) ac__t40 __attribute__((unused));"),
            "%s", all);
  cr_assert(strstr(all, "ac__t40 = leaf__now((ac__p_x) + 39);"), "%s", all);
  cr_assert(!strstr(all, ".ac__t40"), "%s", all);
  /* 1 + 2 + ... + 40 + 40 */
  cr_assert_str_eq(lr_run("result_local_path_run", src), "=860\n");
  cr_assert_str_eq(lr_run_with("result_local_path_drop", src, "cc",
                               "-DLR_DROP_AFTER=2"), "cancelled 1\n");
}
