/*
 * cpp.c: runs the preprocessor over the .ac file and returns its output as
 * the Source every pass reads.
 *
 * cpp_argv builds the one preprocessor command line; cpp_run runs it for
 * the text, and main.c runs it again with -M options for make's
 * dependencies, so the two never see different flags.  The command is
 * `clang -E` (or --cpp=CMD, split on spaces), with __ACC__ defined so
 * shared headers can tell acc from the C compiler, the user's -I/-D/-U/
 * -include/-isystem/-iquote/-idirafter/-std flags in their order, the
 * runtime's include folder (runtime_include(), the same one `acc cc` and
 * --cflags name), and `-x c` since the .ac suffix means nothing to clang.
 * The child runs through cli_run (no shell); its standard output comes back
 * through a pipe, linemarkers included, so source.c can map offsets back.
 * The preprocessor's own errors go straight to our stderr.  The token map
 * (tokmap.c) is built on first use from a second run, clang's token dump.
 */
#include "cli.h"
#include "options.h"
#include "tokmap.h"

#include <string.h>

/* The words of a --cpp command: split on spaces, no quoting. */
static void push_words(Vec *argv, const char *cmd) {
  const char *p = cmd;
  while (*p) {
    while (*p == ' ')
      p++;
    const char *start = p;
    while (*p && *p != ' ')
      p++;
    if (p > start)
      vec_push(argv, xstrndup(start, (size_t)(p - start)));
  }
}

char **cpp_argv(const Options *opt, const char *const *extra) {
  Vec argv = {0};
  push_words(&argv, opt->cpp ? opt->cpp : CPP_DEFAULT);
  vec_push(&argv, "-D__ACC__=1");
  for (int i = 0; i < opt->cpp_args.len; i++)
    vec_push(&argv, opt->cpp_args.items[i]);
  vec_push(&argv, xformat("-I%s", runtime_include()));
  for (int i = 0; extra && extra[i]; i++)
    vec_push(&argv, (void *)extra[i]);
  vec_push(&argv, "-x");
  vec_push(&argv, "c");
  vec_push(&argv, (char *)opt->input);
  vec_push(&argv, NULL);
  return (char **)argv.items;
}

/*
 * A --cpp command that is not a clang (`gcc -E`, `cpp`) as a clang command
 * with its options: the program words before the first option become
 * `clang`, and -E is added if missing.  The buffer acc analyses must be
 * clang's, since the oracle is libclang (gcc's expansion of glibc's
 * headers does not parse in clang) and the token map is clang's dump.
 * NULL when the command names a clang already.
 */
static const char *as_clang(const char *cmd) {
  Vec words = {0};
  push_words(&words, cmd);
  int prog = 0;
  bool clang = false, has_e = false;
  while (prog < words.len && ((char *)words.items[prog])[0] != '-') {
    const char *w = words.items[prog++], *base = strrchr(w, '/');
    clang |= strstr(base ? base + 1 : w, "clang") != NULL;
  }
  if (clang)
    return NULL;
  Str out = {0};
  str_puts(&out, "clang");
  for (int i = prog; i < words.len; i++) {
    has_e |= !strcmp(words.items[i], "-E");
    str_printf(&out, " %s", (char *)words.items[i]);
  }
  if (!has_e)
    str_puts(&out, " -E");
  return str_cstr(&out);
}

/*
 * clang's list of the tokens it preprocessed, each with where it was
 * expanded and spelled (tokmap.c reads it): the same command with
 * `-Xclang -dump-tokens -fsyntax-only -w` for `-E` (--cpp's own options
 * kept), and no warnings (the first run showed them).  clang writes the
 * list to its standard error.
 */
static bool dump_tokens(const Options *opt, Str *dump) {
  Vec words = {0};
  push_words(&words, opt->cpp ? opt->cpp : CPP_DEFAULT);
  Str cmd = {0};
  const char *dump_flags = "-Xclang -dump-tokens -fsyntax-only -w";
  for (int i = 0; i < words.len; i++) {
    const char *w = words.items[i];
    if (!strcmp(w, "-E"))
      w = strstr(str_cstr(&cmd), "-dump-tokens") ? "" : dump_flags;
    str_printf(&cmd, "%s%s", i ? " " : "", w);
  }
  Options o = *opt;
  o.cpp = str_cstr(&cmd);
  CliOutput out = {.text = dump, .from_stderr = true};
  return cli_run(cpp_argv(&o, NULL), &out) == 0;
}

/* The source's token map, asked for by the first pass that needs it. */
static TokMap *load_map(Source *src) {
  const Options *opt = src->load_arg;
  Str dump = {0};
  bool have_dump = src->ac && dump_tokens(opt, &dump);
  return tokmap_build(src, src->ac ? src->ac : "", src->ac ? src->ac_len : 0,
                      have_dump ? dump.buf : NULL, dump.len);
}

Source *cpp_run(const Options *opt) {
  Options *copy = xalloc(sizeof *copy);
  *copy = *opt;
  const char *clang = opt->cpp ? as_clang(opt->cpp) : NULL;
  if (clang) {
    /* The user's own preprocessor runs too: its errors (an #error for
       it, a missing header) stop the translation, as they would. */
    CliOutput none = {.path = "/dev/null"};
    if (cli_run(cpp_argv(opt, NULL), &none) != 0)
      return NULL;
    copy->cpp = clang;
  }
  Str text = {0};
  CliOutput out = {.text = &text};
  if (cli_run(cpp_argv(copy, NULL), &out) != 0)
    return NULL;
  Source *src = source_new(opt->input, text.buf, text.len);
  src->ac = read_file(opt->input, &src->ac_len);
  src->load_arg = copy;
  src->load_map = load_map;
  return src;
}
