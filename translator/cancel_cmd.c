/*
 * cancel_cmd.c: `acc test --cancel PROGRAM [ARGS...]`, the cancel-safety
 * harness.  Dropping a future must release what it holds, in whatever
 * state it is dropped; this runs a program once as it is, counting the
 * polls of the chosen tasks (AC_CANCEL_AT=0), then once per poll N with
 * AC_CANCEL_AT=N, where the runtime drops the task about to be polled the
 * N-th time instead of polling it (runtime/src/trace.c).  Each run is
 * compared with the uncancelled one:
 *
 *   - leaks: descriptors still open at exit beyond the uncancelled run's,
 *     tasks, timers or fds the runtime still held when it was freed, and
 *     memory that LeakSanitizer (a program built with -fsanitize=address)
 *     or the --wrap command (valgrind) reports;
 *   - hangs: the run did not finish within --timeout seconds;
 *   - crashes: a signal, or a sanitizer or valgrind error;
 *   - output: standard output or the exit status differ (expected when the
 *     dropped task's work is missing; reported, not a failure).
 *
 * The exit status is 1 if any run leaked, hung or crashed, else 0.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct Options {
  const char *task;     /* --task NAME: AC_CANCEL_TASK */
  int timeout;          /* seconds per run */
  const char *wrap;     /* --wrap CMD: words put before the program */
  long max;             /* --max N: at most N drops */
  char **argv;          /* the program and its arguments */
} Options;

typedef struct Run {
  int status;           /* exit status, or 128 + signal */
  bool hung;
  char *out, *err;
  long polls;           /* ac-cancel: polls */
  int fds;              /* ac-cancel: fds-open */
  const char *dropped;  /* ac-cancel: dropped ... */
  const char *left;     /* ac-cancel: runtime-left ... */
} Run;

static int usage(const char *msg) {
  fprintf(stderr,
          "acc: error: %s\n"
          "acc: usage: acc test --cancel [--task NAME] [--timeout SEC] "
          "[--max N] [--wrap CMD] PROGRAM [ARGS...]\n",
          msg);
  return 2;
}

static char *slurp(const char *path) {
  size_t len;
  char *s = read_file(path, &len);
  return s ? s : xstrdup("");
}

/* The value after `ac-cancel: KEY ` in the program's stderr. */
static const char *report(const char *err, const char *key) {
  const char *want = xformat("ac-cancel: %s ", key);
  for (const char *p = err; (p = strstr(p, want)); p++)
    if (p == err || p[-1] == '\n') {
      const char *v = p + strlen(want);
      const char *nl = strchr(v, '\n');
      return xstrndup(v, nl ? (size_t)(nl - v) : strlen(v));
    }
  return NULL;
}

static void child(const Options *o, long at, const char *out, const char *err) {
  int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int fi = open("/dev/null", O_RDONLY);
  if (fo < 0 || fe < 0 || fi < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 ||
      dup2(fi, 0) < 0)
    _exit(127);
  close(fo);
  close(fe);
  close(fi);
  setenv("AC_CANCEL_AT", xformat("%ld", at), 1);
  if (o->task)
    setenv("AC_CANCEL_TASK", o->task, 1);
  Vec argv = {0};
  if (o->wrap) {
    char *words = xstrdup(o->wrap);
    for (char *w = strtok(words, " "); w; w = strtok(NULL, " "))
      vec_push(&argv, w);
  }
  for (char **a = o->argv; *a; a++)
    vec_push(&argv, *a);
  vec_push(&argv, NULL);
  setpgid(0, 0); /* a hung run is killed with everything it started */
  execvp(argv.items[0], (char **)argv.items);
  fprintf(stderr, "acc: error: cannot run '%s': %s\n", (char *)argv.items[0],
          strerror(errno));
  _exit(127);
}

static Run run(const Options *o, long at, const char *dir) {
  Run r = {0};
  char *out = xformat("%s/out", dir), *err = xformat("%s/err", dir);
  pid_t pid = fork();
  if (pid == 0)
    child(o, at, out, err);
  int status = 0;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    pid_t w = pid > 0 ? waitpid(pid, &status, WNOHANG) : -1;
    if (w == pid || w < 0)
      break;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec >= o->timeout) {
      r.hung = true;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    struct timespec nap = {0, 5000000};
    nanosleep(&nap, NULL);
  }
  r.status = WIFEXITED(status) ? WEXITSTATUS(status)
             : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  const char *polls = report(r.err, "polls");
  const char *fds = report(r.err, "fds-open");
  r.polls = polls ? atol(polls) : -1;
  r.fds = fds ? atoi(fds) : -1;
  r.dropped = report(r.err, "dropped");
  r.left = report(r.err, "runtime-left");
  unlink(out);
  unlink(err);
  return r;
}

static bool sanitizer_says(const char *err, const char *what) {
  return strstr(err, what) != NULL;
}

/* One cancelled run against the uncancelled one, printed; true if it
   failed.  counts: leaked, hung, crashed, output differs. */
static bool judge(const Run *base, const Run *r, long n, int *counts) {
  Str why = {0};
  bool failed = false;
  if (r->hung) {
    str_puts(&why, "; HANG: no exit within the timeout");
    counts[1]++;
    failed = true;
  } else if (r->status >= 128 || sanitizer_says(r->err, "ERROR: AddressSanitizer") ||
             sanitizer_says(r->err, "runtime error:") ||
             sanitizer_says(r->err, "Invalid read") ||
             sanitizer_says(r->err, "Invalid write")) {
    str_printf(&why, "; CRASH: %s",
               r->status >= 128 ? xformat("signal %d", r->status - 128)
                                : "a sanitizer or valgrind error");
    counts[2]++;
    failed = true;
  }
  bool leaked = false;
  if (r->fds > base->fds && base->fds >= 0) {
    str_printf(&why, "; LEAK: %d fd%s still open at exit", r->fds - base->fds,
               r->fds - base->fds == 1 ? "" : "s");
    leaked = true;
  }
  if (r->left && !base->left) {
    str_printf(&why, "; LEAK: the runtime still held %s when freed", r->left);
    leaked = true;
  }
  if (sanitizer_says(r->err, "LeakSanitizer: detected memory leaks") ||
      sanitizer_says(r->err, "definitely lost")) {
    str_puts(&why, "; LEAK: memory (LeakSanitizer or valgrind)");
    leaked = true;
  }
  if (leaked) {
    counts[0]++;
    failed = true;
  }
  if (!r->hung && (strcmp(r->out, base->out) || r->status != base->status)) {
    str_printf(&why, "; output %s", r->status != base->status
                                        ? xformat("differs, exit %d", r->status)
                                        : "differs");
    counts[3]++;
  }
  printf("drop at poll %ld: %s: %s%s\n", n,
         r->dropped ? r->dropped : "(no task polled that often)",
         failed ? "FAIL" : "ok", why.len ? str_cstr(&why) : "");
  return failed;
}

static int parse(int argc, char **argv, Options *o) {
  bool cancel = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (!strcmp(a, "--cancel"))
      cancel = true;
    else if (!strcmp(a, "--task") && has)
      o->task = argv[++i];
    else if (!strcmp(a, "--timeout") && has)
      o->timeout = atoi(argv[++i]);
    else if (!strcmp(a, "--max") && has)
      o->max = atol(argv[++i]);
    else if (!strcmp(a, "--wrap") && has)
      o->wrap = argv[++i];
    else if (!strcmp(a, "--")) {
      i++;
      break;
    } else
      return usage(xformat("unknown option '%s'", a));
  }
  if (!cancel)
    return usage("acc test has one mode: --cancel");
  if (i >= argc)
    return usage("no program to run");
  if (o->timeout <= 0)
    return usage("bad --timeout");
  o->argv = argv + i;
  return 0;
}

int cancel_main(int argc, char **argv) {
  Options o = {.timeout = 10, .max = 100000};
  int rc = parse(argc, argv, &o);
  if (rc)
    return rc;
  char dir[] = "/tmp/acc-cancel-XXXXXX";
  if (!mkdtemp(dir)) {
    fprintf(stderr, "acc: error: cannot make a temporary folder: %s\n",
            strerror(errno));
    return 1;
  }
  Run base = run(&o, 0, dir);
  if (base.hung || base.polls < 0) {
    fprintf(stderr, "acc: error: the uncancelled run of '%s' %s\n", o.argv[0],
            base.hung ? "did not finish within the timeout"
                      : "reported no polls: is it linked with libacrt?");
    rmdir(dir);
    return 1;
  }
  printf("acc test --cancel: %s: %ld poll%s of %s; uncancelled: exit %d, "
         "%d fds open at exit\n",
         o.argv[0], base.polls, base.polls == 1 ? "" : "s",
         o.task ? xformat("task '%s'", o.task) : "tasks other than main",
         base.status, base.fds);
  int counts[4] = {0}; /* leaked, hung, crashed, output differs */
  long n = base.polls < o.max ? base.polls : o.max;
  for (long i = 1; i <= n; i++) {
    Run r = run(&o, i, dir);
    judge(&base, &r, i, counts);
  }
  rmdir(dir);
  printf("summary: %ld drop%s, %d leaked, %d hung, %d crashed; %d with "
         "output other than the uncancelled run's\n",
         n, n == 1 ? "" : "s", counts[0], counts[1], counts[2], counts[3]);
  return counts[0] || counts[1] || counts[2] ? 1 : 0;
}
