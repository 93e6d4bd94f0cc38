/*
 * cpp.c: runs the preprocessor over the .ac file and returns its output as
 * the Source every pass reads.
 *
 * The command is `clang -E` (or --cpp=CMD, split on spaces), with __ACC__
 * defined so shared headers can tell acc from the C compiler, the user's
 * -I/-D/-U/-include/-std flags, the runtime's include folder, `-x c` since
 * the .ac suffix means nothing to clang, and -MD/-MF/-MT when make
 * dependencies are wanted.  The child is started with fork/exec and no shell,
 * its standard output read through a pipe; linemarkers stay in the text so
 * source.c can map offsets back.  The preprocessor's own errors go straight
 * to our stderr.
 */
#include "options.h"
#include "tokmap.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ACC_RUNTIME_INCLUDE
#define ACC_RUNTIME_INCLUDE "runtime/include"
#endif

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

static Vec cpp_argv(const Options *opt) {
  Vec argv = {0};
  push_words(&argv, opt->cpp ? opt->cpp : "clang -E");
  vec_push(&argv, "-D__ACC__=1");
  for (int i = 0; i < opt->cpp_args.len; i++)
    vec_push(&argv, opt->cpp_args.items[i]);
  vec_push(&argv, "-I" ACC_RUNTIME_INCLUDE);
  if (opt->dep) {
    vec_push(&argv, "-MD");
    if (opt->dep_file) {
      vec_push(&argv, "-MF");
      vec_push(&argv, (char *)opt->dep_file);
    }
    if (opt->dep_target) {
      vec_push(&argv, "-MT");
      vec_push(&argv, (char *)opt->dep_target);
    }
  }
  vec_push(&argv, "-x");
  vec_push(&argv, "c");
  vec_push(&argv, (char *)opt->input);
  vec_push(&argv, NULL);
  return argv;
}

/* Reads fd to its end. */
static void read_all(int fd, Str *out) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    str_add(out, buf, (size_t)n);
  }
}

/* Runs argv, collecting what it writes to file descriptor `fd` (1 or 2);
   false if it could not run or failed. */
static bool run_capture(Vec *argv, int fd, Str *text) {
  int fds[2];
  if (pipe(fds) < 0) {
    perror("acc: pipe");
    return false;
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("acc: fork");
    return false;
  }
  if (pid == 0) {
    dup2(fds[1], fd);
    close(fds[0]);
    close(fds[1]);
    execvp(argv->items[0], (char **)argv->items);
    fprintf(stderr, "acc: cannot run '%s': %s\n", (char *)argv->items[0],
            strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  str_add(text, "", 0);
  read_all(fds[0], text);
  close(fds[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * clang's list of the tokens it preprocessed, each with where it was
 * expanded and spelled (tokmap.c reads it): the same command with
 * `-Xclang -dump-tokens -fsyntax-only -w` for `-E` (--cpp's own options
 * kept), no make dependencies and no warnings (the first run showed them).
 * It is clang's view even when --cpp names another program, since the
 * oracle is clang too.
 */
static bool dump_tokens(const Options *opt, Str *dump) {
  Vec words = {0};
  push_words(&words, opt->cpp ? opt->cpp : "clang -E");
  Str cmd = {0};
  const char *dump_flags = "-Xclang -dump-tokens -fsyntax-only -w";
  for (int i = 0; i < words.len; i++) {
    const char *w = words.items[i];
    if (i == 0 && !strstr(w, "clang"))
      w = xformat("clang %s", dump_flags); /* `cpp`, `gcc -E` */
    else if (!strcmp(w, "-E"))
      w = i == 0 || strstr(str_cstr(&cmd), "-dump-tokens") ? "" : dump_flags;
    str_printf(&cmd, "%s%s", i ? " " : "", w);
  }
  if (!strstr(str_cstr(&cmd), "-dump-tokens"))
    str_printf(&cmd, " %s", dump_flags);
  Options o = *opt;
  o.cpp = str_cstr(&cmd);
  o.dep = false;
  Vec argv = cpp_argv(&o);
  return run_capture(&argv, 2, dump);
}

static TokMap *load_map(Source *src) {
  const Options *opt = src->load_arg;
  size_t ac_len;
  char *ac = read_file(opt->input, &ac_len);
  Str dump = {0};
  bool have_dump = ac && dump_tokens(opt, &dump);
  return tokmap_build(src, ac ? ac : "", ac ? ac_len : 0,
                      have_dump ? dump.buf : NULL, dump.len);
}

Source *cpp_run(const Options *opt) {
  Vec argv = cpp_argv(opt);
  Str text = {0};
  if (!run_capture(&argv, 1, &text))
    return NULL;
  Source *src = source_new(opt->input, text.buf, text.len);
  Options *copy = xalloc(sizeof *copy);
  *copy = *opt;
  src->load_arg = copy;
  src->load_map = load_map;
  return src;
}
