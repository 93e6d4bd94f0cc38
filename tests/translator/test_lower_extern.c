/* An async function defined in another translation unit: the caller sees
   only its prototype (from a header guarded by __ACC__) and keeps the
   child as a heap frame made by f__new. */
#include "lower_run.h"

static const char shared_h[] =
    "#ifdef __ACC__\n"
    "async long remote_twice(long v);\n"
    "#endif\n";

static const char lib_ac[] =
    "#include <ac.h>\n"
    "#include \"shared.h\"\n"
    "async long remote_twice(long v) {\n"
    "  await ac_yield_now();\n"
    "  return v * 2;\n"
    "}\n";

static const char app_ac[] =
    "#include <stdio.h>\n"
    "#include <ac.h>\n"
    "#include \"shared.h\"\n"
    "#pragma acc main(current_thread)\n"
    "async int main(int argc, char **argv) {\n"
    "  (void)argv;\n"
    "  long r = await remote_twice(20 + argc);\n"
    "  printf(\"%ld\\n\", r);\n"
    "  return (int)r % 7;\n"
    "}\n";

/* Through the acc binary: source.c keeps one main file per process. */
static const char *translate_file(const char *name, const char *text) {
  const char *ac = xformat("%s/%s.ac", lr_dir(), name);
  const char *c = xformat("%s/%s.c", lr_dir(), name);
  lr_write(ac, text);
  cr_assert_eq(system(xformat("%s/acc -I%s %s -o %s", ACC_RUNTIME_LIB,
                              lr_dir(), ac, c)), 0, "acc failed on %s", name);
  return c;
}

Test(lower, await_of_a_function_defined_in_another_translation_unit) {
  lr_write(xformat("%s/shared.h", lr_dir()), shared_h);
  const char *lib = translate_file("lib", lib_ac);
  const char *app = translate_file("app", app_ac);
  const char *bin = xformat("%s/app", lr_dir());
  const char *san = getenv("SAN") ? getenv("SAN") : ""; /* libacrt's */
  const char *cmd = xformat("cc -std=c11 -Wall -Wextra -Werror %s -I%s -o %s "
                            "%s %s %s/libacrt.a -lpthread", san,
                            ACC_RUNTIME_INCLUDE, bin, lib, app,
                            ACC_RUNTIME_LIB);
  cr_assert_eq(system(cmd), 0, "the two translation units do not build");
  cr_assert_str_eq(lr_shell(bin), "42\n");
  cr_assert_eq(system(xformat("%s >/dev/null", bin)) >> 8, 0,
               "exit status is 42 %% 7");
  cr_assert(strstr(lr_read(app), "AC_RT_CURRENT_THREAD"),
            "#pragma acc main(current_thread) was not honoured");
}
