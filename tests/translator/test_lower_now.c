/* A function of the file without an await, whose result is a number, a
   pointer or an enumeration (or void), has its body in f__now(params),
   which runs it on a frame of its own C stack; an await of it calls
   f__now as the erasure calls f, and f__poll (the vtable's, a
   combinator's branch, a future in a local) calls it with the frame's
   parameters, so the body, and a static local in it, exists once
   (poll_value.c; docs/lowering.md §4 "The C compiler's time"). */
#include "lower_run.h"

static const char src[] =
    "static int hits;\n"
    "static async long count(long v) {\n"
    "  static int calls;\n"
    "  hits = ++calls;\n"
    "  v += 1;\n"
    "  return v;\n"
    "}\n"
    "static async void note(const char *s) { hits += 100 * (s[0] == 'x'); }\n"
    "static async const char *name(void) { return __func__; }\n"
    "static async long later(long v) { return await tick(v); }\n"
    "async int test_main(void) {\n"
    "  long s = await count(1);\n"
    "  s += await later(s);\n"
    "  await note(\"x\");\n"
    "  __auto_type f = count(5);\n"
    "  s += await f;\n"
    "  long a = 0, b = 0;\n"
    "  await ac_all(a = count(10), b = count(20));\n"
    "  s += a + b + hits;\n"
    "  const char *n = await name();\n"
    "  s += n[0] == 'n' && n[1] == 'a' && n[4] == 0;\n"
    "  return (int)s;\n"
    "}\n";

Test(now, a_function_without_awaits_runs_in_f_now) {
  char *c = lr_translate("now", src, EMIT_C);
  cr_assert(strstr(c, "static long count__now(long v) {\n"), "%s", c);
  cr_assert(strstr(c, "static void note__now(const char *s) {\n"), "%s", c);
  /* count changes its parameter: the body runs on f__now's own frame */
  cr_assert(strstr(c, "  count__frame *const ac__F = &ac__f;\n"), "%s", c);
  /* note only reads it: no frame but one for a debugger, which a
     compiler drops */
  cr_assert(strstr(c, "  note__frame ac__f = {.s = s};\n  (void)ac__f;\n"),
            "%s", c);
  const char *poll = strstr(c, "\nac_poll_t test_main__poll(");
  cr_assert(poll, "%s", c);
  cr_assert(strstr(poll, "ac__F->ac__state = 1; ac__t1 = count__now(1);"),
            "%s", poll);
  cr_assert(strstr(poll, "(void)note__now(\"x\");"), "%s", poll);
  /* f__poll runs f__now on the frame's parameters */
  cr_assert(strstr(c, "*(long *)ac__res = count__now(ac__F->v);\n"), "%s", c);
  /* 2, +2 (later), hits 101, +6 (the local), 11 + 21 + hits 4, +1 */
  cr_assert_str_eq(lr_run("now_run", src), "=47\n");
  cr_assert_str_eq(lr_run_with("now_drop", src, "cc", "-DLR_DROP_AFTER=2"),
                   "cancelled 1\n");
}

/* Awaited only, its poll is no function in the object, nor f__now once
   the one await inlines it: the debug table does not take f__now's
   address, which kept it out of line (gdb finds it by name). */
Test(now, a_function_only_awaited_has_no_poll_nor_now_in_the_object) {
  static const char two[] =
      "static async long add(long a, long b) { return a + b; }\n"
      "async int test_main(void) { return (int)await add(1, 2); }\n";
  const char *dir = lr_dir();
  const char *cf = xformat("%s/now_nm.c", dir);
  const char *o = xformat("%s/now_nm.o", dir);
  lr_write(cf, lr_translate("now_nm", two, EMIT_C));
  cr_assert_eq(system(xformat("cc -std=c11 -O1 -Wall -Wextra -Werror -I%s "
                              "-c -o %s %s", ACC_RUNTIME_INCLUDE, o, cf)), 0);
  char *syms = lr_shell(xformat("nm %s", o));
  cr_assert(!strstr(syms, " add__now\n"), "%s", syms);
  cr_assert(!strstr(lr_read(cf), "add__frame *const ac__F = &ac__f"));
  cr_assert(!strstr(syms, " add__poll\n"), "%s", syms);
  cr_assert_str_eq(lr_run("now_nm_run", two), "=3\n");
}
