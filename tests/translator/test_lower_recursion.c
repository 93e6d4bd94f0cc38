/* Async recursion runs on the C stack: the top poll calls the boxed
   child's poll, which calls its own, one C frame per level.  That frame
   holds only F (recurse.c keeps the context and the out pointer in the
   future's frame), so with gcc -O2 a level costs 16 bytes, as a plain
   recursive call does, and 200,000 levels fit in 8 MiB with room to
   spare (docs/language.md gives the depths).  Under sanitizers frames
   are larger, so the stack is raised there and the size not checked;
   ThreadSanitizer itself stops at 65,536 frames on a stack (its stack
   depot), so under it the depth is 20,000. */
#include "lower_run.h"

static const char recursion_src[] =
    "#ifndef LEVELS\n"
    "#define LEVELS 200000\n"
    "#endif\n"
    "static char *volatile deepest, *volatile top;\n"
    "static __attribute__((noinline)) void mark(char *volatile *where) {\n"
    "  *where = (char *)__builtin_frame_address(0);\n"
    "}\n"
    "static async long down(long n) {\n"
    "  if (n == 0) {\n"
    "    mark(&deepest);\n"
    "    return await tick(0);\n"
    "  }\n"
    "  return await down(n - 1) + 1;\n"
    "}\n"
    "async int test_main(void) {\n"
    "  { mark(&top); }\n"
    "  long r = await down(LEVELS);\n"
    "  { printf(\"%ld levels, %ld bytes per level\\n\", r,\n"
    "           (long)(top - deepest) / r); }\n"
    "  return 0;\n"
    "}\n";

Test(recursion, two_hundred_thousand_levels_fit_in_the_default_stack) {
  const char *san = getenv("SAN") ? getenv("SAN") : "";
  bool tsan = strstr(san, "thread") != NULL;
  lr_build_with("recursion_depth", recursion_src, "cc",
                tsan ? "-O2 -DLEVELS=20000" : "-O2 -DLEVELS=200000");
  const char *out = lr_shell(xformat("ulimit -s %d; %s/recursion_depth",
                                     *san ? 65536 : 8192, lr_dir()));
  if (*san) {
    cr_assert(strstr(out, tsan ? "20000 levels" : "200000 levels"), "%s", out);
    return;
  }
  cr_assert_str_eq(out, "200000 levels, 16 bytes per level\n=0\n");
}
