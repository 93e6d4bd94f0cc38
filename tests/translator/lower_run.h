/*
 * lower_run.h: what the lowering and layout tests share.  lr_run()
 * translates an .ac snippet with acc_translate (in this process: criterion
 * runs every test in its own), compiles the C with -Wall -Wextra -Werror,
 * runs it and returns its standard output.
 *
 * Every snippet gets a prelude with the test leaf `tick(v)`, which is
 * pending twice (waking its waker) before it is ready with v, and a driver
 * that polls `async int test_main(void)` to completion with a no-op waker
 * (overwriting the dead stack between polls, so nothing a poll function
 * leaves in its C stack survives a suspension), drops it and prints
 * "=RESULT".  With -DLR_DROP_EARLY (or -DLR_DROP_AFTER=K) the driver
 * polls once (K times, unless the future is ready first) and drops the
 * frame instead, and prints how many ticks were dropped in flight.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"

static const char lr_prelude[] =
    "#include <stdio.h>\n"
    "#include <ac.h>\n"
    "typedef struct tick { int left; long v; } tick_t;\n"
    "static int lr_cancelled;\n"
    "static inline tick_t tick(long v) { tick_t t = {2, v}; return t; }\n"
    "static inline ac_poll_t tick_poll(tick_t *t, ac_context_t *cx,\n"
    "                                  long *out) {\n"
    "  if (t->left > 0) { t->left--; ac_waker_wake_by_ref(cx->waker);\n"
    "    return AC_POLL_PENDING; }\n"
    "  t->left = -1; *out = t->v; return AC_POLL_READY;\n"
    "}\n"
    "static inline void tick_drop(tick_t *t) {\n"
    "  if (t->left >= 0) lr_cancelled++;\n"
    "  t->left = -1;\n"
    "}\n";

static const char lr_driver[] =
    "\n#ifndef __ACC__\n"
    "static ac_waker_t lr_clone(void *d);\n"
    "static void lr_nop(void *d) { (void)d; }\n"
    "static const ac_waker_vtable_t lr_vt = {lr_clone, lr_nop, lr_nop,\n"
    "                                        lr_nop};\n"
    "static ac_waker_t lr_clone(void *d) { ac_waker_t w = {&lr_vt, d};\n"
    "  return w; }\n"
    "static __attribute__((noinline, unused)) void lr_scribble(void) {\n"
    "  unsigned char junk[16 * 1024];\n"
    "  __builtin_memset(junk, 0xa5, sizeof junk);\n"
    "  __asm__ volatile(\"\" : : \"r\"(junk) : \"memory\");\n"
    "}\n"
    "static test_main__frame lr_frame;\n"
    "int main(void) {\n"
    "  ac_waker_t w = {&lr_vt, 0};\n"
    "  ac_context_t cx = {&w};\n"
    "  int r = 0;\n"
    "  test_main__init(&lr_frame);\n"
    "#if defined(LR_DROP_EARLY) && !defined(LR_DROP_AFTER)\n"
    "#define LR_DROP_AFTER 1\n"
    "#endif\n"
    "#ifdef LR_DROP_AFTER\n"
    "  for (int i = 0; i < LR_DROP_AFTER; i++) {\n"
    "    if (test_main__poll(&lr_frame, &cx, &r) == AC_POLL_READY)\n"
    "      break;\n"
    "    lr_scribble();\n"
    "  }\n"
    "  test_main__drop(&lr_frame);\n"
    "  printf(\"cancelled %d\\n\", lr_cancelled);\n"
    "#else\n"
    "  while (test_main__poll(&lr_frame, &cx, &r) == AC_POLL_PENDING)\n"
    "    lr_scribble();\n"
    "  test_main__drop(&lr_frame);\n"
    "  printf(\"=%d\\n\", r);\n"
    "#endif\n"
    "  return 0;\n"
    "}\n"
    "#endif\n";

static char *lr_read(const char *path) {
  size_t len;
  char *text = read_file(path, &len);
  return text ? text : xstrdup("");
}

static void lr_write(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  cr_assert(f, "cannot write %s", path);
  fputs(text, f);
  fclose(f);
}

static char *lr_dir_made;

/* Each test runs in its own process with its own folder: gone at its exit,
   so a suite run leaves nothing in /tmp. */
static void lr_dir_remove(void) {
  if (lr_dir_made && system(xformat("rm -rf '%s'", lr_dir_made)) != 0)
    fprintf(stderr, "cannot remove %s\n", lr_dir_made);
}

static const char *lr_dir(void) {
  if (!lr_dir_made) {
    lr_dir_made = xformat("/tmp/acc_lower_test_%d", (int)getpid());
    mkdir(lr_dir_made, 0700);
    atexit(lr_dir_remove);
  }
  return lr_dir_made;
}

/* The translation of prelude + body + driver, in the given view. */
static char *lr_translate(const char *name, const char *body, EmitKind emit) {
  const char *ac = xformat("%s/%s.ac", lr_dir(), name);
  lr_write(ac, xformat("%s%s%s", lr_prelude, body, lr_driver));
  Options o = {0};
  o.input = ac;
  o.emit = emit;
  Str out = {0};
  cr_assert_eq(acc_translate(&o, &out), 0, "acc failed on %s", name);
  return (char *)str_cstr(&out);
}

static char *lr_shell(const char *cmd) {
  FILE *p = popen(cmd, "r");
  Str s = {0};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    str_add(&s, buf, n);
  pclose(p);
  return (char *)str_cstr(&s);
}

/* Translates and compiles with `cc` (and extra flags) into lr_dir()/name. */
static void lr_build_with(const char *name, const char *body, const char *cc,
                          const char *flags) {
  const char *c = xformat("%s/%s.c", lr_dir(), name);
  const char *bin = xformat("%s/%s", lr_dir(), name);
  const char *err = xformat("%s/%s.err", lr_dir(), name);
  lr_write(c, lr_translate(name, body, EMIT_C));
  const char *san = getenv("SAN") ? getenv("SAN") : "";
  const char *cmd = xformat("%s -std=c11 -Wall -Wextra -Werror %s %s -I%s "
                            "-o %s %s 2> %s", cc, flags, san,
                            ACC_RUNTIME_INCLUDE, bin, c, err);
  cr_assert_eq(system(cmd), 0, "%s does not compile:\n%s", name,
               lr_read(err));
}

/* lr_build_with, then runs the program; returns its output. */
static char *lr_run_with(const char *name, const char *body, const char *cc,
                         const char *flags) {
  lr_build_with(name, body, cc, flags);
  return lr_shell(xformat("%s/%s", lr_dir(), name));
}

static inline char *lr_run(const char *name, const char *body) {
  return lr_run_with(name, body, "cc", "");
}
