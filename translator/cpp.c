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
 * The preprocessor's own errors go straight to our stderr.
 */
#include "cli.h"
#include "options.h"

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

Source *cpp_run(const Options *opt) {
  Str text = {0};
  CliOutput out = {.text = &text};
  if (cli_run(cpp_argv(opt, NULL), &out) != 0)
    return NULL;
  return source_new(opt->input, text.buf, text.len);
}
