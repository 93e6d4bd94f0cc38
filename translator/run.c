/*
 * run.c: cli_run, the one way acc starts another program: the
 * preprocessor (cpp.c, and main.c's dependency run), the translator itself
 * and $CC (driver.c).  fork, exec, wait, with one error convention: the
 * child's exit status, 128 + N when signal N ended it (as a shell reports
 * it), or 127 after one `acc: error: cannot run` line when it could not be
 * started.  No shell is involved unless the caller puts one in argv.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int cannot_run(const char *what) {
  fprintf(stderr, "acc: error: cannot run '%s': %s\n", what, strerror(errno));
  return 127;
}

/* In the child: standard output to the file or the pipe asked for. */
static void redirect(const CliOutput *out, const int pipe_fds[2]) {
  if (!out)
    return;
  if (out->path) {
    int fd = open(out->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
      fprintf(stderr, "acc: error: cannot write '%s': %s\n", out->path,
              strerror(errno));
      _exit(127);
    }
    close(fd);
  } else if (out->text) {
    dup2(pipe_fds[1], out->from_stderr ? STDERR_FILENO : STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
  }
}

/* Reads fd to its end. */
static void read_all(int fd, Str *into) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    str_add(into, buf, (size_t)n);
  }
}

int cli_run(char *const *argv, const CliOutput *out) {
  bool piped = out && !out->path && out->text;
  int fds[2] = {-1, -1};
  if (piped && pipe(fds) < 0)
    return cannot_run(argv[0]);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    if (piped) {
      close(fds[0]);
      close(fds[1]);
    }
    errno = e;
    return cannot_run(argv[0]);
  }
  if (pid == 0) {
    redirect(out, fds);
    execvp(argv[0], argv);
    _exit(cannot_run(argv[0]));
  }
  if (piped) {
    close(fds[1]);
    str_add(out->text, "", 0);
    read_all(fds[0], out->text);
    close(fds[0]);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return cannot_run(argv[0]);
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}
