/*
 * trace_cmd.c: `acc trace FILE [-n N]`, the report of a trace that a
 * program wrote with AC_TRACE=FILE (runtime/src/trace.c writes it; the
 * format is in docs/cli.md).  It prints the awaits where tasks spent the
 * most time pending, each with its .ac position, then per async function
 * the tasks that ran it.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct AwaitRow {
  const char *file, *func, *state, *expr;
  int line, col;
  unsigned long long polls, run, waits, pending, longest;
} AwaitRow;

typedef struct FuncRow {
  const char *func;
  unsigned long long tasks, done, polls, run, pending;
} FuncRow;

/* Splits a line at tabs, in place; returns the number of fields. */
static int split(char *line, char **f, int max) {
  int n = 0;
  for (char *p = line; n < max;) {
    f[n++] = p;
    char *tab = strchr(p, '\t');
    if (!tab)
      break;
    *tab = '\0';
    p = tab + 1;
  }
  return n;
}

static const char *duration(unsigned long long ns) {
  if (ns < 10000)
    return xformat("%llu ns", ns);
  if (ns < 10000000)
    return xformat("%.1f us", ns / 1e3);
  if (ns < 10000000000ull)
    return xformat("%.1f ms", ns / 1e6);
  return xformat("%.2f s", ns / 1e9);
}

static int by_pending(const void *a, const void *b) {
  const AwaitRow *x = *(AwaitRow *const *)a, *y = *(AwaitRow *const *)b;
  if (x->pending != y->pending)
    return x->pending < y->pending ? 1 : -1;
  return x->run < y->run ? 1 : x->run > y->run ? -1 : 0;
}

static FuncRow *func_row(Vec *funcs, const char *name) {
  for (int i = 0; i < funcs->len; i++) {
    FuncRow *r = funcs->items[i];
    if (!strcmp(r->func, name))
      return r;
  }
  FuncRow *r = xalloc(sizeof *r);
  r->func = name;
  vec_push(funcs, r);
  return r;
}

static int usage(const char *msg) {
  fprintf(stderr, "acc: error: %s\nacc: usage: acc trace FILE [-n N]\n", msg);
  return 2;
}

static bool read_trace(const char *path, Vec *awaits, Vec *funcs) {
  size_t len;
  char *text = read_file(path, &len);
  if (!text) {
    fprintf(stderr, "acc: error: cannot read '%s': %s\n", path,
            strerror(errno));
    return false;
  }
  if (strncmp(text, "# acc trace 1\n", 14)) {
    fprintf(stderr, "acc: error: '%s' is not a trace written by AC_TRACE\n",
            path);
    return false;
  }
  for (char *line = text; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl)
      *nl = '\0';
    char *f[13];
    int n = split(line, f, 13);
    if (n == 12 && !strcmp(f[0], "await")) {
      AwaitRow *r = xalloc(sizeof *r);
      *r = (AwaitRow){f[1], f[4], f[5], f[6], atoi(f[2]), atoi(f[3]),
                      strtoull(f[7], NULL, 10), strtoull(f[8], NULL, 10),
                      strtoull(f[9], NULL, 10), strtoull(f[10], NULL, 10),
                      strtoull(f[11], NULL, 10)};
      vec_push(awaits, r);
    } else if (n == 7 && !strcmp(f[0], "task")) {
      FuncRow *r = func_row(funcs, f[2]);
      r->tasks++;
      r->done += !strcmp(f[3], "done");
      r->polls += strtoull(f[4], NULL, 10);
      r->run += strtoull(f[5], NULL, 10);
      r->pending += strtoull(f[6], NULL, 10);
    }
    line = nl ? nl + 1 : NULL;
  }
  return true;
}

static void print_awaits(Vec *awaits, int top) {
  if (awaits->len > 1)
    qsort(awaits->items, (size_t)awaits->len, sizeof(void *), by_pending);
  printf("slowest awaits, by time pending (of %d):\n", awaits->len);
  printf("  %10s %7s %10s %10s %7s  %s\n", "pending", "waits", "longest",
         "running", "polls", "where");
  for (int i = 0; i < awaits->len && i < top; i++) {
    AwaitRow *r = awaits->items[i];
    const char *where =
        strcmp(r->expr, "-")
            ? xformat("%s:%d:%d  %s: await %s", r->file, r->line, r->col,
                      r->func, r->expr)
            : xformat("%s:%d  %s: %s (first poll)", r->file, r->line, r->func,
                      r->state);
    printf("  %10s %7llu %10s %10s %7llu  %s\n", duration(r->pending),
           r->waits, duration(r->longest), duration(r->run), r->polls, where);
  }
}

static void print_funcs(Vec *funcs) {
  printf("tasks, by async function:\n");
  printf("  %-20s %6s %6s %8s %10s %10s\n", "function", "tasks", "done",
         "polls", "running", "pending");
  for (int i = 0; i < funcs->len; i++) {
    FuncRow *r = funcs->items[i];
    printf("  %-20s %6llu %6llu %8llu %10s %10s\n", r->func, r->tasks, r->done,
           r->polls, duration(r->run), duration(r->pending));
  }
}

int trace_main(int argc, char **argv) {
  const char *path = NULL;
  int top = 10;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-n") && i + 1 < argc) {
      top = atoi(argv[++i]);
      if (top <= 0)
        return usage(xformat("bad count '%s' for -n", argv[i]));
    } else if (argv[i][0] == '-' && argv[i][1]) {
      return usage(xformat("unknown option '%s'", argv[i]));
    } else if (path) {
      return usage("more than one trace file");
    } else {
      path = argv[i];
    }
  }
  if (!path)
    return usage("no trace file");
  Vec awaits = {0}, funcs = {0};
  if (!read_trace(path, &awaits, &funcs))
    return 1;
  print_awaits(&awaits, top);
  print_funcs(&funcs);
  return 0;
}
