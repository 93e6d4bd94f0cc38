/*
 * runner.c: runs the tests registered through the TSan criterion stand-in,
 * each in its own child (so one failure or race report cannot hide the
 * rest), with a time limit, and ends with Criterion's synthesis line so
 * tests/lib.sh counts the results the same way.  As in Criterion, a suite's
 * .init/.fini apply to each of its tests unless the test sets its own.
 */
#include "criterion/criterion.h"

#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_TESTS = 1024, MAX_SUITES = 128, TIME_LIMIT_S = 60 };

static struct {
  const char *suite, *name;
  void (*fn)(void);
  const struct t__opts *opts;
} tests[MAX_TESTS];
static int ntests;

static struct {
  const char *name;
  const struct t__opts *opts;
} suites[MAX_SUITES];
static int nsuites;

static int expect_failed;  /* a cr_expect failed in this (child) process */
static FILE *captured;     /* where cr_redirect_stderr sent stderr */
static int real_stderr = 2; /* the stderr it replaced */

void t__register(const char *suite, const char *name, void (*fn)(void),
                 const struct t__opts *opts) {
  if (ntests < MAX_TESTS)
    tests[ntests++] = (typeof(tests[0])){suite, name, fn, opts};
}

void t__suite(const char *suite, const struct t__opts *opts) {
  if (nsuites < MAX_SUITES)
    suites[nsuites++] = (typeof(suites[0])){suite, opts};
}

static void vreport(const char *file, int line, const char *expr,
                    const char *fmt, va_list ap) {
  /* Reports go to the real stderr even while a test captures it. */
  FILE *out = fdopen(dup(real_stderr), "w");
  if (!out)
    out = stderr;
  fprintf(out, "[----] %s:%d: Assertion failed: %s", file, line, expr);
  vfprintf(out, fmt, ap);
  fputc('\n', out);
  fflush(out);
}

void t__fail(const char *file, int line, const char *expr, const char *fmt,
             ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(file, line, expr, fmt, ap);
  va_end(ap);
  exit(1);
}

void t__expect_fail(const char *file, int line, const char *expr,
                    const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(file, line, expr, fmt, ap);
  va_end(ap);
  expect_failed = 1;
}

/* Keeps the real stderr for reports, then points fd 2 at a file. */
void cr_redirect_stderr(void) {
  captured = tmpfile();
  real_stderr = dup(2);
  if (!captured || real_stderr < 0 || dup2(fileno(captured), 2) < 0) {
    perror("cr_redirect_stderr");
    exit(1);
  }
}

int t__stderr_is(const char *want) {
  if (!captured)
    return 0;
  fflush(stderr);
  static char got[1 << 16];
  size_t n = fread(got, 1, sizeof got - 1, (rewind(captured), captured));
  got[n] = '\0';
  return strcmp(got, want) == 0;
}

static const struct t__opts *suite_opts(const char *suite) {
  for (int i = 0; i < nsuites; i++)
    if (strcmp(suites[i].name, suite) == 0)
      return suites[i].opts;
  return NULL;
}

/* In the child: setup, the test, teardown; exits 0 when all held. */
static void run_one(int i) {
  static const struct t__opts none;
  const struct t__opts *s = suite_opts(tests[i].suite);
  const struct t__opts *t = tests[i].opts, *d = s ? s : &none;
  void (*init)(void) = t->init ? t->init : d->init;
  void (*fini)(void) = t->fini ? t->fini : d->fini;
  alarm(TIME_LIMIT_S);
  if (init)
    init();
  tests[i].fn();
  if (fini)
    fini();
  exit(expect_failed ? 1 : 0);
}

int main(int argc, char **argv) {
  int pass = 0, fail = 0, crash = 0;
  for (int i = 0; i < ntests; i++) {
    if (argc > 1 && argv[1][0] != '-' && !strstr(tests[i].name, argv[1]))
      continue;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
      run_one(i);
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
