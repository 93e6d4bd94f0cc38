/* An await of ac_yield_now() resumes after its poll: the yield is pending
   at its first poll and ready at every one after (ac.h), so the frame,
   which stops there only after that first poll, goes on without polling
   it again (docs/lowering.md §2); every other leaf is polled
   again where the frame resumes. */
#include "lower_run.h"

/* ac_yield_poll's flag of the running task, which libacrt defines: the
   driver polls with a waker of its own, so the yield wakes through it. */
static const char yield_src[] =
    "__thread ac__poll_tls_t ac__poll_tls;\n"
    "static async long twice(long n) {\n"
    "  long s = 0;\n"
    "  await ac_yield_now();\n"
    "  s += await tick(n);\n"
    "  await ac_yield_now();\n"
    "  return s * 2;\n"
    "}\n"
    "async int test_main(void) {\n"
    "  long s = 0;\n"
    "  for (int i = 0; i < 3; i++) {\n"
    "    await ac_yield_now();\n"
    "    s += i;\n"
    "  }\n"
    "  if (s == 3)\n"
    "    await ac_yield_now();\n"
    "  return (int)(s + await twice(5));\n"
    "}\n";

Test(yield, an_await_of_a_yield_resumes_after_its_poll) {
  char *c = lr_translate("yield_resume", yield_src, EMIT_C);
  /* in the hot loop's copy and in the cold body alike */
  cr_assert(strstr(c, "if (ac_yield_poll(&ac__F->ac__c1, ac__cx, (void *)0) "
                      "== AC_POLL_PENDING) return AC_POLL_PENDING; "
                      "ac__s1:;"), "%s", c);
  cr_assert(strstr(c, "if (ac_yield_poll(&ac__F->ac__c2, ac__cx, (void *)0) "
                      "== AC_POLL_PENDING) return AC_POLL_PENDING; "
                      "ac__s2:;"), "%s", c);
  /* f__run, whose returns give the value */
  cr_assert(strstr(c, "== AC_POLL_PENDING) return ac__v; ac__s1:;"), "%s",
            c);
  cr_assert(!strstr(c, ": if (ac_yield_poll("), "%s", c);
  /* another leaf is polled again where the frame resumes */
  cr_assert(strstr(c, "ac__s2: if (tick_poll("), "%s", c);
  cr_assert_str_eq(lr_run("yield_resume_run", yield_src), "=13\n");
  /* dropped while suspended at a yield, and at the tick after one */
  cr_assert_str_eq(lr_run_with("yield_resume_drop", yield_src, "cc",
                               "-DLR_DROP_AFTER=2"), "cancelled 0\n");
  cr_assert_str_eq(lr_run_with("yield_resume_drop_tick", yield_src, "cc",
                               "-DLR_DROP_AFTER=7"), "cancelled 1\n");
}
