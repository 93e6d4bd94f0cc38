/*
 * parse_check: the front end alone, for tests.  Preprocesses FILE (the
 * arguments after it go to the preprocessor), parses it, opens the oracle
 * and runs sema, reporting diagnostics as acc does.  Exit 0 if clean, 1 on
 * errors.  --dump prints the AST; --no-oracle stops after the parse;
 * --time prints the parse time to stderr.
 */
#include "ast.h"
#include "options.h"
#include "oracle.h"
#include "sema.h"

#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  Options opt = {0};
  bool dump = false, oracle = true, timing = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
    if (!strcmp(argv[i], "--dump"))
      dump = true;
    else if (!strcmp(argv[i], "--no-oracle"))
      oracle = false;
    else if (!strcmp(argv[i], "--time"))
      timing = true;
  }
  if (i >= argc) {
    fprintf(stderr, "usage: parse_check [--dump] [--no-oracle] [--time] "
                    "FILE [cpp args...]\n");
    return 2;
  }
  opt.input = argv[i++];
  for (; i < argc; i++) {
    vec_push(&opt.cpp_args, argv[i]);
    if (!strncmp(argv[i], "-std=", 5))
      opt.std = argv[i] + 5;
  }
  Source *src = cpp_run(&opt);
  if (!src)
    return 1;
  diag_init(src);
  double t0 = now();
  Node *tu = parse_translation_unit(src);
  if (timing)
    fprintf(stderr, "parse: %.3f ms\n", (now() - t0) * 1e3);
  if (!tu)
    return 1;
  if (dump)
    ast_dump(stdout, tu, 0);
  if (!oracle)
    return diag_error_count() ? 1 : 0;
  if (sema_check(tu, NULL))
    return 1;
  const char *std = opt.std ? xformat("-std=%s", opt.std) : NULL;
  Oracle *o = oracle_open(src, std ? &std : NULL, std ? 1 : 0);
  if (o)
    sema_check(tu, o);
  return diag_error_count() || !o ? 1 : 0;
}
