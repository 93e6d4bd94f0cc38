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

Source *cpp_run(const Options *opt) {
  Vec argv = cpp_argv(opt);
  int fds[2];
  if (pipe(fds) < 0) {
    perror("acc: pipe");
    return NULL;
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("acc: fork");
    return NULL;
  }
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execvp(argv.items[0], (char **)argv.items);
    fprintf(stderr, "acc: cannot run '%s': %s\n", (char *)argv.items[0],
            strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  Str text = {0};
  str_add(&text, "", 0);
  read_all(fds[0], &text);
  close(fds[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return NULL;
  return source_new(opt->input, text.buf, text.len);
}
