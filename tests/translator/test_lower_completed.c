/* A future polled again after it completed (or after it was dropped) has
   no value to give: where acc cannot see it (sema_once.c reports the
   certain cases), the poll aborts with a message naming the function. */
#include "lower_run.h"

Test(completed, polling_a_completed_future_aborts_with_a_message) {
  const char *src =
    "static async long g(long x) { return await tick(x); }\n"
    "static __typeof__(g(0)) *keep;\n"
    "static async long again(void) { return await *keep; }\n"
    "async int test_main(void) {\n"
    "  __auto_type f = g(1);\n"
    "  keep = &f;\n"
    "  long a = await f;\n"
    "  return (int)(a + await again());\n"
    "}\n";
  const char *d = lr_dir();
  lr_write(xformat("%s/completed_poll.c", d),
           lr_translate("completed_poll", src, EMIT_C));
  const char *san = getenv("SAN") ? getenv("SAN") : "";
  cr_assert_eq(system(xformat("cc -std=c11 -Wall -Wextra -Werror %s -I%s -o "
                              "%s/completed_poll %s/completed_poll.c",
                              san, ACC_RUNTIME_INCLUDE, d, d)), 0);
  /* the inner shell waits for it (no exec), so its "Aborted" goes to
     /dev/null */
  cr_assert_str_eq(lr_shell(xformat("sh -c '%s/completed_poll "
                                    "2>%s/completed.err; exit $?' "
                                    "2>/dev/null; echo rc=$?; "
                                    "head -n 1 %s/completed.err", d, d, d)),
                   "rc=134\nacc: a future of 'g' was polled after it "
                   "completed or was dropped\n");
}
