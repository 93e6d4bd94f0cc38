/*
 * trace.c: AC_TRACE=FILE, per task and per await: polls, time running,
 * time pending; and AC_CANCEL_AT=N, the cancel-safety harness's hook.
 *
 * Both are off unless their variable is set when the first runtime is
 * made.  Off, they cost one test of a global per poll (task.c: a poll goes
 * through ac__hook_poll only when ac__hooks is set).  On, every poll of a
 * task whose future acc wrote is timed, and its time is charged to the
 * innermost await of the task (the chain of child frames, read from the
 * debug tables of ac.h): running time to the state the poll resumed from,
 * pending time, from the end of one poll to the start of the next, to the
 * state it suspended in.  The totals are written to FILE at exit, one line
 * per await and per task, and `acc trace FILE` prints the slowest awaits
 * (docs/cli.md has the format).  Locking is one mutex: tracing measures
 * where tasks wait, not how fast the runtime is.
 *
 * AC_CANCEL_AT=N drops one task at its N-th poll, counted over the tasks
 * named by AC_CANCEL_TASK (an async function's name; default: every task
 * but `main`): the poll is not made, the task is aborted instead, as
 * ac_task_abort does from outside.  AC_CANCEL_AT=0 only counts, and
 * either way the count is written to stderr at exit as `ac-cancel: polls
 * N`; `ac-cancel: dropped FUNC in STATE at FILE:LINE` is written when the
 * task is dropped (a run that then hangs never exits), for `acc test
 * --cancel`.
 */
#include "internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

AC_INTERNAL uint32_t ac__hooks;

enum { HOOK_TRACE = 1, HOOK_CANCEL = 2 };

typedef struct Key {
  const ac_debug_func_t *fn;
  uint32_t state;
} Key;

typedef struct StateRec {
  Key key;
  uint64_t polls, run_ns, pending_ns, max_pending_ns, waits;
} StateRec;

typedef struct TaskRec {
  ac_task_t *task;         /* NULL: empty slot */
  const ac_future_vtable_t *vt;
  uint64_t id;
  uint64_t polls, run_ns, pending_ns;
  uint64_t pending_since;  /* 0: not suspended */
  Key waiting;             /* where it suspended */
  bool done;
} TaskRec;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *trace_path;
static StateRec *states;
static size_t nstates, cap_states;
static TaskRec *trace_tasks;        /* open addressing on the task pointer */
static size_t cap_tasks, used_tasks;
static TaskRec *finished;     /* tasks done, kept for the file */
static size_t nfinished, cap_finished;
static uint64_t next_id = 1;

static long cancel_at = -1;   /* AC_CANCEL_AT; 0 counts only */
static const char *cancel_task;
static uint64_t cancel_polls;
static char cancel_note[512];

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ==== the innermost await of a task ==== */

static uint32_t load_u32(const void *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static uint32_t state_index(const ac_debug_func_t *fn, const char *frame) {
  uint32_t w = load_u32(frame + fn->state_offset);
  if (w == 0xffffffffu)
    return fn->nstates - 1;
  return w < fn->nstates - 1 ? w : fn->nstates - 1;
}

/* The frame a state's child future lives at, and its table; NULL when
 * the child is not a frame acc wrote (a hand-written future, a combinator's
 * await, a state with no child).  A call through an async function
 * pointer (an ac_dyn_t) names its callee only at run time, by vtable. */
static const char *child_of(const ac_debug_func_t *fn,
                            const ac_debug_state_t *st, const char *frame,
                            const ac_debug_func_t **child_fn) {
  if (st->child_field == AC_DEBUG_NONE || st->child_field >= fn->nfields)
    return NULL;
  const char *at = frame + fn->fields[st->child_field].offset;
  const char *child = NULL;
  *child_fn = st->child;
  switch (st->child_kind) {
  case AC_DEBUG_CHILD_INLINE:
    child = at;
    break;
  case AC_DEBUG_CHILD_HEAP:
  case AC_DEBUG_CHILD_PLACE:
    memcpy(&child, at, sizeof child);
    break;
  case AC_DEBUG_CHILD_DYN: {
    const ac_dyn_t *d = (const ac_dyn_t *)(const void *)at;
    *child_fn = d->vt ? ac_debug_find(d->vt) : NULL;
    child = d->fut;
    break;
  }
  default:
    return NULL;
  }
  return *child_fn ? child : NULL;
}

/* Follows the child frames down from a task's future.  A combinator's
 * await is where the walk ends: the task waits in all its branches. */
static Key innermost(const ac_debug_func_t *fn, const char *frame) {
  Key k = {fn, state_index(fn, frame)};
  for (int depth = 0; depth < 64; depth++) {
    const ac_debug_func_t *cf = NULL;
    const char *child = child_of(k.fn, &k.fn->states[k.state], frame, &cf);
    if (!child)
      break;
    frame = child;
    k.fn = cf;
    k.state = state_index(k.fn, frame);
  }
  return k;
}

/* ==== tables ==== */

static StateRec *state_rec(Key k) {
  for (size_t i = 0; i < nstates; i++)
    if (states[i].key.fn == k.fn && states[i].key.state == k.state)
      return &states[i];
  if (nstates == cap_states) {
    size_t cap = cap_states ? 2 * cap_states : 64;
    StateRec *n = realloc(states, cap * sizeof *n);
    if (!n)
      return NULL;
    states = n;
    cap_states = cap;
  }
  StateRec *r = &states[nstates++];
  memset(r, 0, sizeof *r);
  r->key = k;
  return r;
}

static size_t slot_of(ac_task_t *t, size_t cap) {
  return ((uintptr_t)t >> 4) * 0x9e3779b97f4a7c15u % cap;
}

static int grow_tasks(void) {
  size_t cap = cap_tasks ? 2 * cap_tasks : 256;
  TaskRec *n = calloc(cap, sizeof *n);
  if (!n)
    return -1;
  for (size_t i = 0; i < cap_tasks; i++)
    if (trace_tasks[i].task) {
      size_t j = slot_of(trace_tasks[i].task, cap);
      while (n[j].task)
        j = (j + 1) % cap;
      n[j] = trace_tasks[i];
    }
  free(trace_tasks);
  trace_tasks = n;
  cap_tasks = cap;
  return 0;
}

static TaskRec *task_rec(ac_task_t *t) {
  if (2 * (used_tasks + 1) > cap_tasks && grow_tasks() != 0)
    return NULL;
  size_t j = slot_of(t, cap_tasks);
  while (trace_tasks[j].task && trace_tasks[j].task != t)
    j = (j + 1) % cap_tasks;
  if (!trace_tasks[j].task) {
    memset(&trace_tasks[j], 0, sizeof trace_tasks[j]);
    trace_tasks[j].task = t;
    trace_tasks[j].id = next_id++;
    used_tasks++;
  }
  return &trace_tasks[j];
}

/* Keeps a finished task's totals and frees its slot (backward shift, so
   probing stays correct without tombstones). */
static void task_done(TaskRec *r) {
  if (nfinished == cap_finished) {
    size_t cap = cap_finished ? 2 * cap_finished : 64;
    TaskRec *n = realloc(finished, cap * sizeof *n);
    if (n) {
      finished = n;
      cap_finished = cap;
    }
  }
  if (nfinished < cap_finished)
    finished[nfinished++] = *r;
  size_t i = (size_t)(r - trace_tasks);
  trace_tasks[i].task = NULL;
  used_tasks--;
  for (size_t j = (i + 1) % cap_tasks; trace_tasks[j].task; j = (j + 1) % cap_tasks) {
    size_t home = slot_of(trace_tasks[j].task, cap_tasks);
    bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
    if (movable) {
      trace_tasks[i] = trace_tasks[j];
      trace_tasks[j].task = NULL;
      i = j;
    }
  }
}

/* ==== the poll hook ==== */

static bool cancel_this(const ac_future_vtable_t *vt) {
  if (cancel_at < 0)
    return false;
  const char *name = vt->name ? vt->name : "";
  bool chosen = cancel_task ? !strcmp(name, cancel_task)
                            : strcmp(name, "main") != 0;
  if (!chosen)
    return false;
  return ++cancel_polls == (uint64_t)cancel_at;
}

static void note_cancel(const ac_future_vtable_t *vt, const void *fut) {
  const ac_debug_func_t *fn = ac_debug_find(vt);
  if (!fn) {
    snprintf(cancel_note, sizeof cancel_note, "%s", vt->name ? vt->name : "?");
    return;
  }
  Key k = innermost(fn, fut);
  const ac_debug_state_t *st = &k.fn->states[k.state];
  if (k.fn == fn)
    snprintf(cancel_note, sizeof cancel_note, "%s in %s at %s:%u", fn->name,
             st->name, k.fn->file, st->line);
  else
    snprintf(cancel_note, sizeof cancel_note, "%s in %s at %s:%u (task %s)",
             k.fn->name, st->name, k.fn->file, st->line, fn->name);
}

ac_poll_t ac__hook_poll(ac_task_t *t, void *fut, ac_context_t *cx, void *out) {
  const ac_future_vtable_t *vt = ac__task_vt(t);
  if (ac__hooks & HOOK_CANCEL) {
    pthread_mutex_lock(&lock);
    bool drop = cancel_this(vt);
    if (drop) /* said now: a run that then hangs is killed before exit */
      note_cancel(vt, fut);
    pthread_mutex_unlock(&lock);
    if (drop)
      fprintf(stderr, "ac-cancel: dropped %s\n", cancel_note);
    if (drop) {
      /* t is the slot; abort takes the handle (handle.c) */
      ac_task_abort(ac__task_handle(t)); /* ac__task_run cancels it */
      return AC_POLL_PENDING;
    }
  }
  const ac_debug_func_t *fn =
      ac__hooks & HOOK_TRACE ? ac_debug_find(vt) : NULL;
  if (!fn)
    return vt->poll(fut, cx, out);
  uint64_t start = now_ns();
  Key from = innermost(fn, fut);
  pthread_mutex_lock(&lock);
  TaskRec *tr = task_rec(t);
  /* A slot freed by a task that was dropped unfinished, reused: the new
     task's future starts at Start, which no polled frame goes back to. */
  if (tr && tr->polls && (tr->vt != vt || state_index(fn, fut) == 0)) {
    task_done(tr);
    tr = task_rec(t);
  }
  if (tr && tr->pending_since) {
    uint64_t waited = start - tr->pending_since;
    tr->pending_ns += waited;
    StateRec *w = state_rec(tr->waiting);
    if (w) {
      w->pending_ns += waited;
      w->waits++;
      if (waited > w->max_pending_ns)
        w->max_pending_ns = waited;
    }
  }
  pthread_mutex_unlock(&lock);
  ac_poll_t r = vt->poll(fut, cx, out);
  uint64_t end = now_ns();
  pthread_mutex_lock(&lock);
  tr = task_rec(t);
  StateRec *s = state_rec(from);
  if (s) {
    s->polls++;
    s->run_ns += end - start;
  }
  if (tr) {
    tr->vt = vt;
    tr->polls++;
    tr->run_ns += end - start;
    if (r == AC_POLL_READY) {
      tr->done = true;
      task_done(tr);
    } else {
      tr->pending_since = end;
      tr->waiting = innermost(fn, fut);
    }
  }
  pthread_mutex_unlock(&lock);
  return r;
}

/* ==== the file ==== */

static void put_field(FILE *f, const char *s) {
  for (; s && *s; s++)
    fputc(*s == '\t' || *s == '\n' ? ' ' : *s, f);
}

static void write_task(FILE *f, const TaskRec *r) {
  fprintf(f, "task\t%llu\t", (unsigned long long)r->id);
  put_field(f, r->vt && r->vt->name ? r->vt->name : "?");
  fprintf(f, "\t%s\t%llu\t%llu\t%llu\n", r->done ? "done" : "unfinished",
          (unsigned long long)r->polls, (unsigned long long)r->run_ns,
          (unsigned long long)r->pending_ns);
}

static void write_trace(void) {
  FILE *f = fopen(trace_path, "w");
  if (!f) {
    perror(trace_path);
    return;
  }
  pthread_mutex_lock(&lock);
  fputs("# acc trace 1\n# await\tfile\tline\tcol\tfunction\tstate\t"
        "expression\tpolls\trun_ns\twaits\tpending_ns\tmax_pending_ns\n"
        "# task\tid\tfunction\tdone|unfinished\tpolls\trun_ns\t"
        "pending_ns\n", f);
  for (size_t i = 0; i < nstates; i++) {
    const StateRec *r = &states[i];
    const ac_debug_state_t *st = &r->key.fn->states[r->key.state];
    fputs("await\t", f);
    put_field(f, r->key.fn->file);
    fprintf(f, "\t%u\t%u\t", st->line, st->col);
    put_field(f, r->key.fn->name);
    fputc('\t', f);
    put_field(f, st->name);
    fputc('\t', f);
    put_field(f, st->expr ? st->expr : "-");
    fprintf(f, "\t%llu\t%llu\t%llu\t%llu\t%llu\n",
            (unsigned long long)r->polls, (unsigned long long)r->run_ns,
            (unsigned long long)r->waits, (unsigned long long)r->pending_ns,
            (unsigned long long)r->max_pending_ns);
  }
  for (size_t i = 0; i < nfinished; i++)
    write_task(f, &finished[i]);
  for (size_t i = 0; i < cap_tasks; i++)
    if (trace_tasks[i].task)
      write_task(f, &trace_tasks[i]);
  pthread_mutex_unlock(&lock);
  fclose(f);
}

/* What a runtime still held when it was freed (after shutdown dropped
   every unfinished task): handles never joined, timers, registered fds. */
static char runtime_left[128];

void ac__hook_runtime_freed(const ac_runtime_stats_t *st) {
  if (!(ac__hooks & HOOK_CANCEL) || !(st->tasks || st->timers || st->fds))
    return;
  pthread_mutex_lock(&lock);
  snprintf(runtime_left, sizeof runtime_left, "tasks=%zu timers=%zu fds=%zu",
           st->tasks, st->timers, st->fds);
  pthread_mutex_unlock(&lock);
}

static int open_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d)
    return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d));)
    n += e->d_name[0] != '.';
  closedir(d);
  return n - 1; /* the directory's own fd */
}

/* For `acc test --cancel`, which compares these with the uncancelled run. */
static void report_cancel(void) {
  fprintf(stderr, "ac-cancel: polls %llu\n", (unsigned long long)cancel_polls);
  fprintf(stderr, "ac-cancel: fds-open %d\n", open_fds());
  if (runtime_left[0])
    fprintf(stderr, "ac-cancel: runtime-left %s\n", runtime_left);
}

static void read_env(void) {
  const char *path = getenv("AC_TRACE");
  if (path && *path) {
    trace_path = path;
    atexit(write_trace);
    __atomic_or_fetch(&ac__hooks, HOOK_TRACE, __ATOMIC_RELAXED);
  }
  const char *at = getenv("AC_CANCEL_AT");
  if (at && *at) {
    cancel_at = strtol(at, NULL, 10);
    const char *name = getenv("AC_CANCEL_TASK");
    cancel_task = name && *name ? name : NULL;
    atexit(report_cancel);
    __atomic_or_fetch(&ac__hooks, HOOK_CANCEL, __ATOMIC_RELAXED);
  }
}

/* Called by ac_runtime_new: reads the variables once per process. */
void ac__hooks_init(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, read_env);
}
