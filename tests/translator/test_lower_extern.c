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
  /* no other file calls main's poll: the vtable holds it and its drop,
     without the wrappers an exported function's typed ones need */
  const char *m = lr_read(app);
  cr_assert(strstr(m, "ac_poll_t main__poll(void *ac__self, ac_context_t "
                      "*ac__cx, void *ac__res) {"), "%s", m);
  cr_assert(strstr(m, "main__vtable = {\n  main__poll, main__drop,"), "%s", m);
  cr_assert(!strstr(m, "main__vpoll"), "%s", m);
  const char *l = lr_read(lib);
  cr_assert(strstr(l, "remote_twice__vtable = {\n  remote_twice__vpoll, "
                      "remote_twice__vdrop,"), "%s", l);
}

/* A future of another file's function held in a local and only awaited is
   released when the holder is dropped before that await (or leaves the
   local's scope without it): the heap frame f__new made is freed. */
static const char holder_ac[] =
    "#include <malloc.h>\n"
    "#include <stdio.h>\n"
    "#include <ac.h>\n"
    "#include \"shared.h\"\n"
    "static async long holder(long n) {\n"
    "  __auto_type f = remote_twice(n);\n"
    "  await ac_yield_now();\n"
    "  return await f;\n"
    "}\n"
    "static async long skipper(long n) {\n"
    "  long r = 0;\n"
    "  for (long i = 0; i < n; i++) {\n"
    "    __auto_type f = remote_twice(i);\n"
    "    if (i % 2)\n"
    "      r += await f;\n"
    "  }\n"
    "  return r;\n"
    "}\n"
    "int main(void) {\n"
    "  ac_waker_t w = ac_waker_noop();\n"
    "  ac_context_t cx = {&w};\n"
    "  long out = 0;\n"
    "  skipper__frame warm = skipper(2); /* the runtime's first allocations */\n"
    "  while (!skipper__poll(&warm, &cx, &out))\n"
    "    ;\n"
    "  size_t before = mallinfo2().uordblks;\n"
    "  holder__frame h = holder(5);\n"
    "  int first = holder__poll(&h, &cx, &out);\n"
    "  holder__drop(&h);\n"
    "  skipper__frame s = skipper(6);\n"
    "  while (!skipper__poll(&s, &cx, &out))\n"
    "    ;\n"
    "  printf(\"%d %ld %zu\\n\", first, out, mallinfo2().uordblks - before);\n"
    "  return 0;\n"
    "}\n";

Test(lower, unawaited_future_of_another_file_is_released) {
  lr_write(xformat("%s/shared.h", lr_dir()), shared_h);
  const char *lib = translate_file("lib", lib_ac);
  const char *app = translate_file("holder", holder_ac);
  const char *bin = xformat("%s/holder", lr_dir());
  /* libacrt's sanitizers; mallinfo2 counts glibc's heap only, so under
     ASan the count says nothing and LeakSanitizer checks instead */
  const char *san = getenv("SAN") ? getenv("SAN") : "";
  const char *cmd = xformat("cc -std=gnu11 -Wall -Wextra -Werror %s -I%s -o %s "
                            "%s %s %s/libacrt.a -lpthread", san,
                            ACC_RUNTIME_INCLUDE, bin, lib, app,
                            ACC_RUNTIME_LIB);
  cr_assert_eq(system(cmd), 0, "the two translation units do not build");
  /* pending at the yield; 2 + 6 + 10 from the odd i; nothing left */
  cr_assert_str_eq(lr_shell(bin), "0 18 0\n");
}
