/*
 * rusage: runs a command and prints, on stderr, the CPU time (user +
 * system) and the peak resident set size of it and its children:
 *   rusage: cpu_s=X maxrss_kb=M status=S
 * The command's stdout and stderr pass through.  Exits with its status.
 *
 *   rusage COMMAND [ARGS...]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: rusage COMMAND [ARGS...]\n");
    return 2;
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("rusage: fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    perror("rusage: exec");
    _exit(127);
  }
  int st;
  struct rusage ru;
  if (wait4(pid, &st, 0, &ru) != pid) {
    perror("rusage: wait4");
    return 2;
  }
  double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
  int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  fprintf(stderr, "rusage: cpu_s=%.3f maxrss_kb=%ld status=%d\n", cpu, ru.ru_maxrss, code);
  return code;
}
