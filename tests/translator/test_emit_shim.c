/* f__shim, what a pointer to an async function points to, is `static
   inline` for a static function whose name is used as a value, and a
   static function whose name never is has none at all, not even in the
   text the C compiler reads (emit_shim.c); at -O0, where a compiler emits
   every static function that is not inline, only the used one is in the
   object. */
#include "lower_run.h"

static const char src[] =
    "static async long twice(long x) { return await tick(x) * 2; }\n"
    "static async long plain(long x) { return await tick(x) + 1; }\n"
    "async int test_main(void) {\n"
    "  async long (*fp)(long) = twice;\n"
    "  return (int)(await fp(3) + await plain(1));\n"
    "}\n";

Test(shim, only_a_function_whose_address_is_taken_has_a_shim) {
  const char *dir = lr_dir();
  const char *c = xformat("%s/shim.c", dir);
  const char *o = xformat("%s/shim.o", dir);
  char *text = lr_translate("shim", src, EMIT_C);
  cr_assert(strstr(text, "static inline long twice__shim(long x) {"), "%s",
            text);
  cr_assert(!strstr(text, "plain__shim"), "%s", text);
  lr_write(c, text);
  cr_assert_eq(system(xformat("cc -std=c11 -O0 -Wall -Wextra -Werror -I%s "
                              "-c -o %s %s", ACC_RUNTIME_INCLUDE, o, c)), 0);
  char *syms = lr_shell(xformat("nm %s", o));
  cr_assert(strstr(syms, " twice__shim\n"), "%s", syms);
  cr_assert(!strstr(syms, " plain__shim\n"), "%s", syms);
}
