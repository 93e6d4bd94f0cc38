/* Parameters the body never changes are read from the frame once per poll,
   into ac__p_NAME (docs/lowering.md §4): the C compiler then keeps them in
   a register instead of checking each load after an await against every
   call before it.  Any way of changing one keeps it read from the frame
   (tests/diff/parameters_changed_in_every_way_across_awaits.ac runs them
   against the erasure). */
#include "lower_run.h"

/* Whether the poll of `fn` reads parameter `p` once, at its entry. */
static bool read_once(const char *c, const char *p) {
  return strstr(c, xformat("__typeof__(ac__F->%s) ac__p_%s __attribute__"
                           "((unused)) = ac__F->%s;", p, p, p)) != NULL;
}

static const char read_src[] =
    "enum e { E1 = 1 };\n"
    "struct big { long a[4]; };\n"
    "static async long f(long x, const char *s, double d, enum e k,\n"
    "                    struct big b, volatile int v, _Atomic int at,\n"
    "                    const int ci) {\n"
    "  __typeof__(x) y = x + (long)sizeof(char[x]);\n"
    "  y += await tick(x) + s[0] + (long)d + k + b.a[0] + v + at + ci;\n"
    "  y += await tick(x) + (s == 0) + ci;\n"
    "  return y + MEMBER_X(b);\n"
    "}\n"
    "async int test_main(void) {\n"
    "  struct big b = {{1, 2, 3, 4}};\n"
    "  return (int)await f(2, \"a\", 1.5, E1, b, 3, 4, 5);\n"
    "}\n";

Test(params, scalars_only_read_are_read_once_per_poll) {
  const char *src = xformat("#define MEMBER_X(s) (s).a[1]\n%s", read_src);
  char *c = lr_translate("params_read", src, EMIT_C);
  cr_assert(read_once(c, "x"), "%s", c);
  cr_assert(read_once(c, "s"));
  cr_assert(read_once(c, "d"));
  cr_assert(read_once(c, "k"));
  cr_assert(read_once(c, "ci"));
  /* an aggregate would be copied at each poll; a volatile or atomic one
     must be read where the body reads it */
  cr_assert(!read_once(c, "b"));
  cr_assert(!read_once(c, "v"));
  cr_assert(!read_once(c, "at"));
  cr_assert_str_eq(lr_run("params_read_run", src),
                   "=" /* 4 + 2+97+1+1+1+3+4+5 + 2+0+5 + 2 */ "127\n");
}

/* Each body changes p in one way; p is then read from the frame. */
static const char *const changes[] = {
    "p = p + 1;",
    "p *= 2;",
    "p <<= 1;",
    "p++;",
    "--p;",
    "(p) = 3;",
    "((p))--;",
    "long *q = &p; *q = 4;",
    "long *q = &(p); *q = 4;",
    "(void)sizeof(char[p++]);",
    "__typeof__(char[++p]) *q = 0; (void)q;",
    "__asm__(\"\" : \"=r\"(p) : \"0\"(p + 1));",
    "({ p = 5; });",
    "if (p) p = 6;",
    "SET(p);",
    "BUMP;",
};

Test(params, a_parameter_changed_in_any_way_is_read_from_the_frame) {
  for (size_t i = 0; i < sizeof changes / sizeof *changes; i++) {
    const char *src = xformat(
        "#define SET(v) ((v) = 7)\n#define BUMP (p += 2)\n"
        "static async long f(long p, long keep) {\n"
        "  %s\n"
        "  long y = await tick(keep);\n"
        "  return p + y + keep;\n"
        "}\n"
        "async int test_main(void) { return (int)await f(1, 2); }\n",
        changes[i]);
    char *c = lr_translate(xformat("params_changed_%zu", i), src, EMIT_C);
    cr_assert(!read_once(c, "p"), "read once although `%s`", changes[i]);
    cr_assert(read_once(c, "keep"), "keep not read once beside `%s`",
              changes[i]);
  }
}

/* Names that only look like the parameter: a member, a shadowing local, a
   string, an operator that only compares. */
Test(params, look_alikes_do_not_count_as_changes) {
  const char *src =
      "struct s { long p; };\n"
      "static async long f(long p) {\n"
      "  struct s v = {0};\n"
      "  v.p = 1;\n"
      "  { long p = 3; p++; (void)p; }\n"
      "  const char *t = \"p = 2\";\n"
      "  long y = await tick(p == 1) + (p <= 2) + (p != 0) + (p >= 0);\n"
      "  return p + y + v.p + t[0];\n"
      "}\n"
      "async int test_main(void) { return (int)await f(1); }\n";
  char *c = lr_translate("params_look_alikes", src, EMIT_C);
  cr_assert(read_once(c, "p"), "%s", c);
  cr_assert_str_eq(lr_run("params_look_alikes_run", src),
                   "=" /* 1 + 1+1+1+1 + 1 + 'p' */ "118\n");
}

/* On a recursion cycle only the frame pointer may stay live across the
   child's poll (16 bytes of C stack a level): the name reads the frame. */
Test(params, a_recursive_function_reads_its_parameters_from_the_frame) {
  const char *src =
      "static async long down(long n) {\n"
      "  if (n == 0)\n"
      "    return await tick(0);\n"
      "  return await down(n - 1) + n;\n"
      "}\n"
      "async int test_main(void) { return (int)await down(10); }\n";
  char *c = lr_translate("params_recursive", src, EMIT_C);
  cr_assert(!read_once(c, "n"));
  cr_assert(strstr(c, "#define ac__p_n (ac__F->n)"), "%s", c);
  cr_assert_str_eq(lr_run("params_recursive_run", src), "=55\n");
}
