/*
 * runtime_path.c: where the runtime is, for everything that needs it: the
 * preprocessor run (cpp.c, main.c's -MD run), `acc cc` (driver.c) and
 * `--cflags` / `--libs`.  One answer for all of them, so an installed acc
 * never preprocesses against one ac.h and compiles against another.
 *
 * An installed acc is PREFIX/bin/acc beside PREFIX/include/ac.h and
 * PREFIX/lib/libacrt.so: found from the path of the running binary, so the
 * install works wherever it is put and whether or not the build tree that
 * made it still exists.  Otherwise acc runs from the build tree, and the
 * runtime is where the build named it (ACC_RUNTIME_INCLUDE,
 * ACC_RUNTIME_LIB, set by translator/translator.mk).
 */
#include "cli.h"

#include <string.h>
#include <unistd.h>

#ifndef ACC_RUNTIME_INCLUDE
#define ACC_RUNTIME_INCLUDE "/usr/local/include"
#endif
#ifndef ACC_RUNTIME_LIB
#define ACC_RUNTIME_LIB "/usr/local/lib"
#endif
/* What libacrt itself links against. */
#ifndef ACC_RUNTIME_LIBS
#define ACC_RUNTIME_LIBS "-lpthread"
#endif
#ifndef ACC_GDB_SCRIPT
#define ACC_GDB_SCRIPT "/usr/local/share/acc/gdb/acc.py"
#endif

typedef struct Runtime {
  const char *include; /* the folder of ac.h */
  const char *lib;     /* the folder of libacrt.a and libacrt.so */
  const char *gdb;     /* the gdb extension */
} Runtime;

/* PREFIX when the binary is PREFIX/bin/acc and PREFIX/include/ac.h exists. */
static char *installed_prefix(void) {
  char *self = xstrdup(cli_self_path());
  char *slash = strrchr(self, '/');
  if (!slash || slash - self < 4 || strncmp(slash - 4, "/bin", 4))
    return NULL;
  char *prefix = xstrndup(self, (size_t)(slash - 4 - self));
  return access(xformat("%s/include/ac.h", prefix), R_OK) ? NULL : prefix;
}

static const Runtime *runtime(void) {
  static Runtime rt;
  if (rt.include)
    return &rt;
  char *prefix = installed_prefix();
  if (prefix) {
    rt.include = xformat("%s/include", prefix);
    rt.lib = xformat("%s/lib", prefix);
    rt.gdb = xformat("%s/share/acc/gdb/acc.py", prefix);
  } else {
    rt.include = ACC_RUNTIME_INCLUDE;
    rt.lib = ACC_RUNTIME_LIB;
    rt.gdb = ACC_GDB_SCRIPT;
  }
  return &rt;
}

const char *runtime_include(void) { return runtime()->include; }

const char *runtime_gdb_script(void) { return runtime()->gdb; }

void runtime_cflag_args(Vec *args) {
  vec_push(args, xformat("-I%s", runtime()->include));
}

void runtime_lib_args(Vec *args) {
  const Runtime *rt = runtime();
  vec_push(args, xformat("-L%s", rt->lib));
  vec_push(args, xformat("-Wl,-rpath,%s", rt->lib));
  vec_push(args, "-lacrt");
  char *libs = xstrdup(ACC_RUNTIME_LIBS);
  for (char *w = strtok(libs, " "); w; w = strtok(NULL, " "))
    vec_push(args, w);
}

static const char *join(Vec *args) {
  Str s = {0};
  for (int i = 0; i < args->len; i++)
    str_printf(&s, "%s%s", i ? " " : "", (char *)args->items[i]);
  return str_cstr(&s);
}

const char *runtime_cflags(void) {
  Vec args = {0};
  runtime_cflag_args(&args);
  return join(&args);
}

const char *runtime_libs(void) {
  Vec args = {0};
  runtime_lib_args(&args);
  return join(&args);
}
