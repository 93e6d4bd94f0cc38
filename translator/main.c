/*
 * main.c: a minimal command line until the CLI lands (it supersedes this):
 *   acc [-I DIR] [-D M] [-U M] [-std=S] [--no-line] [--emit=KIND]
 *       [-fsyntax-only] FILE.ac [-o OUT.c]
 * Exit status: 0, 1 after errors, 2 on bad usage.
 */
#include "options.h"

#include <string.h>

static int usage(void) {
  fprintf(stderr, "usage: acc [options] FILE.ac [-o FILE.c]\n");
  return 2;
}

static bool parse_emit(const char *k, EmitKind *e) {
  static const char *names[] = {"c", "states", "layout", "dot", "json", "sync"};
  for (int i = 0; i < 6; i++)
    if (!strcmp(k, names[i])) {
      *e = (EmitKind)i;
      return true;
    }
  return false;
}

static bool parse_args(int argc, char **argv, Options *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-o") && i + 1 < argc)
      o->output = argv[++i];
    else if (!strcmp(a, "--no-line"))
      o->no_line = true;
    else if (!strcmp(a, "-fsyntax-only"))
      o->syntax_only = true;
    else if (!strncmp(a, "--emit=", 7)) {
      if (!parse_emit(a + 7, &o->emit))
        return false;
    } else if (!strncmp(a, "-std=", 5)) {
      o->std = a + 5;
      vec_push(&o->cpp_args, (char *)a);
    } else if ((!strcmp(a, "-I") || !strcmp(a, "-D") || !strcmp(a, "-U")) &&
               i + 1 < argc) {
      vec_push(&o->cpp_args, xformat("%s%s", a, argv[++i]));
    } else if (!strncmp(a, "-I", 2) || !strncmp(a, "-D", 2) ||
               !strncmp(a, "-U", 2)) {
      vec_push(&o->cpp_args, (char *)a);
    } else if (a[0] != '-' && !o->input) {
      o->input = a;
    } else {
      return false;
    }
  }
  return o->input != NULL;
}

int main(int argc, char **argv) {
  Options o = {0};
  if (!parse_args(argc, argv, &o))
    return usage();
  Str out = {0};
  if (acc_translate(&o, &out))
    return 1;
  if (o.syntax_only)
    return 0;
  FILE *f = !o.output || !strcmp(o.output, "-") ? stdout : fopen(o.output, "w");
  if (!f) {
    perror(o.output);
    return 1;
  }
  fwrite(out.buf, 1, out.len, f);
  return f == stdout ? 0 : fclose(f) != 0;
}
