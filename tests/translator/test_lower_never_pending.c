/* An await of an async function of the same file that has no await of its
   own can never leave the frame suspended there: the callee's first poll
   runs it to the end.  Such an await gets no resumption label, no case
   in the entry switch and no test of the poll's answer (emit_c.c, never_pending; docs/lowering.md §4, "The
   C compiler's time"); its state is still recorded while the child runs. */
#include "lower_run.h"

static const char src[] =
    "static async long add(long a, long b) { return a + b; }\n"
    "static async long later(long v) { return await tick(v); }\n"
    "static async void none(void) {}\n"
    "async int test_main(void) {\n"
    "  long s = await add(1, 2);\n"
    "  s += await later(s);\n"
    "  await none();\n"
    "  s += await add(s, 10);\n"
    "  return (int)s;\n"
    "}\n";

Test(never_pending, an_await_of_a_function_without_awaits_has_no_resumption) {
  char *c = lr_translate("never_pending", src, EMIT_C);
  const char *poll = strstr(c, "\nac_poll_t test_main__poll(");
  cr_assert(poll, "%s", c);
  /* sites 1, 3 and 4 cannot be pending; site 2 awaits a tick */
  cr_assert(strstr(poll, "ac__F->ac__state = 1; ac__t1 = add__now(1, 2);"),
            "%s", poll);
  cr_assert(strstr(poll, "ac__F->ac__state = 3; (void)none__now();"), "%s",
            poll);
  cr_assert(strstr(poll, "ac__s2: "), "%s", poll);
  cr_assert(strstr(poll, "case 2:\n    goto ac__s2;"), "%s", poll);
  cr_assert(!strstr(poll, "ac__s1"), "%s", poll);
  cr_assert(!strstr(poll, "ac__s3"), "%s", poll);
  cr_assert(!strstr(poll, "ac__s4"), "%s", poll);
  cr_assert_str_eq(lr_run("never_pending_run", src), "=22\n");
  cr_assert_str_eq(lr_run_with("never_pending_drop", src, "cc",
                               "-DLR_DROP_AFTER=2"), "cancelled 1\n");
}

/* Nor does a local that lives only across such awaits need the frame:
   the poll runs on through them, so it stays a C local of the poll
   (live_locals.c, lower_stmt.c's await_suspends).  One that lives across
   an await that may suspend, or across an await of a function defined
   after its caller (recurse.c may box that frame), keeps its field. */
static const char locals_src[] =
    "static async long add(long a, long b) { return a + b; }\n"
    "static async long later(long v);\n"
    "static async long sum(long n) {\n"
    "  long s = 0, t = n;\n"
    "  for (long i = 0; i < n; i++)\n"
    "    s += await add(i, t);\n"
    "  long j = s * 2;\n"
    "  long k = await later(j) + j;\n"
    "  long m = await add(k, 1);\n"
    "  m += await tick(m);\n"
    "  return k + m;\n"
    "}\n"
    "static async long later(long v) { return v + 1; }\n"
    "async int test_main(void) {\n"
    "  return (int)(await sum(3) % 1000);\n"
    "}\n";

Test(never_pending, a_local_across_only_such_awaits_is_a_c_local) {
  char *c = lr_translate("never_pending_locals", locals_src, EMIT_C);
  char *frame = strstr(c, "struct sum__frame {");
  cr_assert(frame && strstr(frame, "\n};\n"), "%s", c);
  strstr(frame, "\n};\n")[1] = 0; /* the struct alone */
  /* s, t and i live only across awaits of add, defined before sum */
  cr_assert(!strstr(frame, " s;") && !strstr(frame, " t;") &&
            !strstr(frame, " i;"), "%s", frame);
  /* j lives across the await of later, defined after sum; k and m across
     a tick */
  cr_assert(strstr(frame, "long j;") && strstr(frame, "long k;") &&
            strstr(frame, "long m;"), "%s", frame);
  /* s = 0+3 + 1+3 + 2+3 = 12, j = 24, k = 25 + 24, m = 50 + 50 */
  cr_assert_str_eq(lr_run("never_pending_locals_run", locals_src), "=149\n");
  cr_assert_str_eq(lr_run_with("never_pending_locals_drop", locals_src, "cc",
                               "-DLR_DROP_AFTER=2"), "cancelled 1\n");
}
