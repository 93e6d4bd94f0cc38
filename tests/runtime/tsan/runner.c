/*
 * runner.c: runs the tests registered through the TSan criterion shim,
 * each in its own child (so one failure or race report cannot hide the
 * rest), with a time limit, and ends with Criterion's synthesis line so
 * tests/lib.sh counts the results the same way.
 */
#include "criterion/criterion.h"

#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_TESTS = 512, TIME_LIMIT_S = 60 };

static struct {
  const char *suite, *name;
  void (*fn)(void);
} tests[MAX_TESTS];
static int ntests;

void t__register(const char *suite, const char *name, void (*fn)(void)) {
  if (ntests < MAX_TESTS)
    tests[ntests++] = (typeof(tests[0])){suite, name, fn};
}

void t__fail(const char *file, int line, const char *expr, const char *fmt,
             ...) {
  fprintf(stderr, "[----] %s:%d: Assertion failed: %s ", file, line, expr);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

int main(int argc, char **argv) {
  int pass = 0, fail = 0, crash = 0;
  for (int i = 0; i < ntests; i++) {
    if (argc > 1 && argv[1][0] != '-' && !strstr(tests[i].name, argv[1]))
      continue;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
      alarm(TIME_LIMIT_S);
      tests[i].fn();
      exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
      pass++;
      continue;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 1) {
      fail++;
      fprintf(stderr, "[FAIL] %s::%s\n", tests[i].suite, tests[i].name);
    } else {
      crash++;
      fprintf(stderr, "[CRASH] %s::%s (status %d)\n", tests[i].suite,
              tests[i].name, st);
    }
  }
  printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | "
         "Crashing: %d \n",
         pass + fail + crash, pass, fail, crash);
  return fail + crash ? 1 : 0;
}
