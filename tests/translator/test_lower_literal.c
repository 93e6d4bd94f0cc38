/* Compound literals whose block suspends while they live are stored in the
   frame (lower_lit.c); others stay in the poll function as written (the
   expected outputs were worked out from the sync erasure). */
#include "lower_run.h"

Test(lower, compound_literal_pointer_survives_suspensions) {
  const char *src =
    "struct pt { long x, y; };\n"
    "async int test_main(void) {\n"
    "  long *p = (long[]){1, 2, 3};\n"
    "  struct pt *q = &(struct pt){.y = 5};\n"
    "  long s = await tick(10);\n"
    "  printf(\"%ld %ld %ld %ld %ld\\n\", p[0] + s, p[1], p[2], q->x, q->y);\n"
    "  return (int)(p[2] + q->y);\n"
    "}\n";
  cr_assert_str_eq(lr_run("literal_across_await", src),
                   "11 2 3 0 5\n=8\n");
  char *c = lr_translate("literal_across_await_c", src, EMIT_C);
  cr_assert(strstr(c, "compound literal, line"), "no frame field for the "
            "literals in:\n%s", c);
}

Test(lower, compound_literal_with_no_await_after_it_stays_on_the_stack) {
  const char *src =
    "async int test_main(void) {\n"
    "  long n = await tick(1);\n"
    "  { long *p = (long[]){n, 2}; n += p[1]; }\n"
    "  n += *(long[]){3};\n"
    "  return (int)n;\n"
    "}\n";
  cr_assert_str_eq(lr_run("literal_stays", src), "=6\n");
  char *c = lr_translate("literal_stays_c", src, EMIT_C);
  cr_assert(!strstr(c, "compound literal, line"), "a literal that cannot "
            "live across an await went to the frame:\n%s", c);
}

Test(layout, compound_literal_passed_to_a_child_is_live_at_its_await) {
  const char *src =
    "struct pt { long x, y; };\n"
    "static async long norm(const struct pt *p) {\n"
    "  long x = await tick(p->x);\n"
    "  return x + p->y;\n"
    "}\n"
    "async int test_main(void) {\n"
    "  long big[16] = {0};\n"
    "  long r = await norm(&(struct pt){3, 4}) + big[0];\n"
    "  return (int)r;\n"
    "}\n";
  cr_assert_str_eq(lr_run("literal_child", src), "=7\n");
  char *lay = lr_translate("literal_child_layout", src, EMIT_LAYOUT);
  char *main_frame = strstr(lay, "test_main__frame");
  cr_assert(main_frame, "no test_main frame in:\n%s", lay);
  char *cl = strstr(main_frame, " ac__cl1 ");
  cr_assert(cl, "no literal ac__cl1 in:\n%s", lay);
  int state = 0;
  char *what = strstr(cl, "compound literal");
  cr_assert(what && what < strchr(cl, '\n'), "ac__cl1 is not a compound "
            "literal:\n%s", lay);
  cr_assert_eq(sscanf(what, "compound literal %d", &state), 1,
               "ac__cl1 is not live at the await of norm:\n%s", lay);
  cr_assert_eq(state, 1);
}
