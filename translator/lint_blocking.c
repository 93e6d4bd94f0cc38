/*
 * lint_blocking.c: -Wblocking, a warning for a call inside an async body to
 * a function known to block the calling thread.  An async body runs on a
 * runtime worker; while it sleeps in sleep(), a read of a blocking fd or a
 * pthread_mutex_lock, no other task on that worker runs (the current-thread
 * executor stops altogether).  The warning names the async alternative.
 *
 * The list is the table below, one row per function (docs/cli.md prints
 * it).  Some rows warn only in the case that blocks: stdio reads only on
 * `stdin` (a regular file does not wait for a person); recv/send not when
 * their flags say MSG_DONTWAIT.  read/write/accept/connect always warn:
 * acc cannot see whether the descriptor was made non-blocking.  A function
 * defined in the same file is the user's own, whatever its name.
 *
 * The user extends or trims the list per file:
 *   #pragma acc blocking(db_query, flush_all)   their own blocking functions
 *   #pragma acc nonblocking(read, write)        fds known to be non-blocking
 */
#include "lint.h"
#include "pragma.h"

#include <string.h>

typedef enum When {
  ALWAYS,
  STDIN_IMPLIED, /* reads stdin by definition: getchar, scanf, gets */
  STDIN_LAST,    /* the stream is the last argument: fgets(b, n, stdin) */
  STDIN_FIRST,   /* the stream is the first argument: fscanf(stdin, ...) */
  NO_DONTWAIT,   /* unless the flags (argument `arg`) hold MSG_DONTWAIT */
} When;

typedef struct Blocking {
  const char *name;
  When when;
  int arg;          /* NO_DONTWAIT: index of the flags argument */
  const char *use;  /* the async alternative */
} Blocking;

#define SLEEP "use 'await ac_sleep_ms(ms)'"
#define READ "use 'await ac_read(f, buf, len)' on an fd registered with " \
             "ac_fd_open"
#define WRITE "use 'await ac_write(f, buf, len)' on an fd registered with " \
              "ac_fd_open"
#define READY "use 'await ac_readable(f)' or 'await ac_writable(f)'"
#define STDIN "use 'await ac_read(f, buf, len)' on STDIN_FILENO registered " \
              "with ac_fd_open, or run it in a thread with ac_spawn_blocking"
#define THREAD "run it in a thread with ac_spawn_blocking"
#define MUTEX "use 'await ac_mutex_lock(m)'"
#define SEM "use 'await ac_semaphore_acquire(s, n)'"
#define COND "use 'await ac_notified(n)'"
#define JOIN "spawn the work as a task and 'await ac_join_int(handle)', or " \
             "run it with ac_spawn_blocking"

static const Blocking table[] = {
    /* sleeping */
    {"sleep", ALWAYS, 0, SLEEP},
    {"usleep", ALWAYS, 0, SLEEP},
    {"nanosleep", ALWAYS, 0, SLEEP},
    {"clock_nanosleep", ALWAYS, 0, SLEEP},
    {"thrd_sleep", ALWAYS, 0, SLEEP},
    {"pause", ALWAYS, 0, "await the event it waits for"},
    /* descriptors */
    {"read", ALWAYS, 0, READ},
    {"readv", ALWAYS, 0, READ},
    {"pread", ALWAYS, 0, READ},
    {"write", ALWAYS, 0, WRITE},
    {"writev", ALWAYS, 0, WRITE},
    {"pwrite", ALWAYS, 0, WRITE},
    {"recv", NO_DONTWAIT, 3, READ},
    {"recvfrom", NO_DONTWAIT, 3, READ},
    {"recvmsg", NO_DONTWAIT, 2, READ},
    {"send", NO_DONTWAIT, 3, WRITE},
    {"sendto", NO_DONTWAIT, 3, WRITE},
    {"sendmsg", NO_DONTWAIT, 2, WRITE},
    {"accept", ALWAYS, 0, "use 'await ac_accept(listener)'"},
    {"accept4", ALWAYS, 0, "use 'await ac_accept(listener)'"},
    {"connect", ALWAYS, 0, "use 'await ac_connect(f, addr, len)'"},
    {"poll", ALWAYS, 0, READY},
    {"ppoll", ALWAYS, 0, READY},
    {"select", ALWAYS, 0, READY},
    {"pselect", ALWAYS, 0, READY},
    {"epoll_wait", ALWAYS, 0, READY},
    {"epoll_pwait", ALWAYS, 0, READY},
    /* standard input */
    {"getchar", STDIN_IMPLIED, 0, STDIN},
    {"gets", STDIN_IMPLIED, 0, STDIN},
    {"scanf", STDIN_IMPLIED, 0, STDIN},
    {"vscanf", STDIN_IMPLIED, 0, STDIN},
    {"getchar_unlocked", STDIN_IMPLIED, 0, STDIN},
    {"fgets", STDIN_LAST, 0, STDIN},
    {"fgetc", STDIN_LAST, 0, STDIN},
    {"getc", STDIN_LAST, 0, STDIN},
    {"getc_unlocked", STDIN_LAST, 0, STDIN},
    {"fread", STDIN_LAST, 0, STDIN},
    {"getline", STDIN_LAST, 0, STDIN},
    {"getdelim", STDIN_LAST, 0, STDIN},
    {"fscanf", STDIN_FIRST, 0, STDIN},
    {"vfscanf", STDIN_FIRST, 0, STDIN},
    /* locks and threads */
    {"pthread_mutex_lock", ALWAYS, 0, MUTEX},
    {"pthread_rwlock_rdlock", ALWAYS, 0, MUTEX},
    {"pthread_rwlock_wrlock", ALWAYS, 0, MUTEX},
    {"mtx_lock", ALWAYS, 0, MUTEX},
    {"sem_wait", ALWAYS, 0, SEM},
    {"pthread_cond_wait", ALWAYS, 0, COND},
    {"pthread_cond_timedwait", ALWAYS, 0, COND},
    {"cnd_wait", ALWAYS, 0, COND},
    {"pthread_barrier_wait", ALWAYS, 0, COND},
    {"pthread_join", ALWAYS, 0, JOIN},
    {"thrd_join", ALWAYS, 0, JOIN},
    {"flock", ALWAYS, 0, THREAD},
    {"lockf", ALWAYS, 0, THREAD},
    /* child processes, signals, names, disks */
    {"system", ALWAYS, 0, THREAD},
    {"wait", ALWAYS, 0, THREAD},
    {"waitpid", ALWAYS, 0, THREAD},
    {"waitid", ALWAYS, 0, THREAD},
    {"wait3", ALWAYS, 0, THREAD},
    {"wait4", ALWAYS, 0, THREAD},
    {"sigwait", ALWAYS, 0, THREAD},
    {"sigwaitinfo", ALWAYS, 0, THREAD},
    {"sigsuspend", ALWAYS, 0, THREAD},
    {"getaddrinfo", ALWAYS, 0, THREAD},
    {"gethostbyname", ALWAYS, 0, THREAD},
    {"gethostbyaddr", ALWAYS, 0, THREAD},
    {"fsync", ALWAYS, 0, THREAD},
    {"fdatasync", ALWAYS, 0, THREAD},
    {"msgrcv", ALWAYS, 0, THREAD},
    {"msgsnd", ALWAYS, 0, THREAD},
    {"mq_receive", ALWAYS, 0, THREAD},
    {"mq_send", ALWAYS, 0, THREAD},
};

typedef struct Lint {
  const Source *src;
  bool werror;
  Vec added;       /* char*: #pragma acc blocking names */
  Vec removed;     /* char*: #pragma acc nonblocking names */
  const char *fn;  /* the async function being walked */
  int count;
} Lint;

static bool in_list(const Vec *v, const char *name) {
  for (int i = 0; i < v->len; i++)
    if (!strcmp(v->items[i], name))
      return true;
  return false;
}

static const Blocking *find_row(const char *name) {
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (!strcmp(table[i].name, name))
      return &table[i];
  return NULL;
}

/* A function this file defines is the user's own, whatever its name. */
static bool defined_here(const Decl *d) {
  for (const Decl *e = d->first ? d->first : d; e; e = e->next_decl)
    if (e->def)
      return true;
  return d->def != NULL;
}

static const Node *arg_at(const Node *call, int i) {
  return i >= 0 && i < call->args.len ? call->args.items[i] : NULL;
}

static bool is_stdin(const Node *e) {
  return e && e->kind == ND_IDENT && e->name && !strcmp(e->name, "stdin");
}

/* Whether the text of `e` names MSG_DONTWAIT (a macro the preprocessor
   may have left as a name or an enumerator). */
static bool says_dontwait(const Lint *L, const Node *e) {
  if (!e)
    return false;
  const char *text = L->src->text + e->begin;
  size_t n = e->end - e->begin;
  for (size_t i = 0; i + 12 <= n; i++)
    if (!strncmp(text + i, "MSG_DONTWAIT", 12))
      return true;
  return false;
}

static bool blocks(const Lint *L, const Blocking *row, const Node *call) {
  switch (row->when) {
  case STDIN_LAST:
    return is_stdin(arg_at(call, call->args.len - 1));
  case STDIN_FIRST:
    return is_stdin(arg_at(call, 0));
  case NO_DONTWAIT:
    return !says_dontwait(L, arg_at(call, row->arg));
  default:
    return true;
  }
}

static void report(Lint *L, const Node *call, const char *name,
                   const char *use) {
  L->count++;
  const char *flag = L->werror ? "-Werror=blocking" : "-Wblocking";
  if (L->werror)
    error_at(call->lhs->begin,
             "'%s' blocks the thread that runs async function '%s'; %s [%s]",
             name, L->fn, use, flag);
  else
    warn_at(call->lhs->begin,
            "'%s' blocks the thread that runs async function '%s'; %s [%s]",
            name, L->fn, use, flag);
}

static void check_call(Lint *L, const Node *call) {
  const Node *callee = call->lhs;
  if (callee->kind != ND_IDENT || !callee->name)
    return;
  const Decl *d = callee->decl;
  if (d && (d->kind != DK_FUNC || defined_here(d)))
    return; /* a variable (function pointer), or the user's own function */
  const char *name = callee->name;
  if (in_list(&L->removed, name))
    return;
  if (in_list(&L->added, name)) {
    report(L, call, name,
           "it is marked by '#pragma acc blocking': await an async form, or "
           "run it in a thread with ac_spawn_blocking");
    return;
  }
  const Blocking *row = find_row(name);
  if (row && blocks(L, row, call))
    report(L, call, name, row->use);
}

static void walk(Lint *L, const Node *n);

static void walk_vec(Lint *L, const Vec *v) {
  for (int i = 0; i < v->len; i++)
    walk(L, v->items[i]);
}

static void walk(Lint *L, const Node *n) {
  if (!n)
    return;
  switch (n->kind) {
  case ND_SIZEOF_EXPR:
  case ND_ALIGNOF_EXPR:
  case ND_SIZEOF_TYPE:
  case ND_ALIGNOF_TYPE:
  case ND_TYPES_COMPAT:
  case ND_OFFSETOF:
    return; /* not evaluated */
  case ND_GENERIC:
    walk_vec(L, &n->args); /* the selector is not evaluated */
    return;
  case ND_CALL:
    check_call(L, n);
    break;
  case ND_DECL_STMT:
    for (int i = 0; i < n->decls.len; i++) {
      const Decl *d = n->decls.items[i];
      if (d->kind == DK_VAR && d->spec && d->spec->storage != SC_STATIC &&
          d->spec->storage != SC_EXTERN)
        walk(L, d->init);
    }
    return;
  default:
    break;
  }
  walk(L, n->lhs);
  walk(L, n->rhs);
  walk(L, n->cond);
  walk(L, n->then);
  walk(L, n->els);
  walk(L, n->init);
  walk(L, n->inc);
  walk(L, n->body);
  walk_vec(L, &n->args);
}

static void read_pragmas(Lint *L) {
  const Vec *all = pragma_all(L->src);
  for (int i = 0; i < all->len; i++) {
    const AccPragma *pr = all->items[i];
    bool add = !strcmp(pr->name, "blocking");
    if (!add && strcmp(pr->name, "nonblocking"))
      continue;
    Vec words = {0};
    pragma_words(pr, &words);
    if (!words.len)
      warn_at(pr->name_off, "'#pragma acc %s' names no function; write "
                            "'#pragma acc %s(name, ...)'",
              pr->name, pr->name);
    for (int j = 0; j < words.len; j++)
      vec_push(add ? &L->added : &L->removed, words.items[j]);
  }
}

int lint_blocking(const Source *src, Node *tu, bool werror) {
  Lint L = {.src = src, .werror = werror};
  read_pragmas(&L);
  for (int i = 0; i < tu->args.len; i++) {
    const Node *n = tu->args.items[i];
    if (n->kind != ND_FUNC_DEF || !(n->spec->is_async || n->decl->is_async))
      continue;
    L.fn = n->decl->name;
    walk(&L, n->body);
  }
  return L.count;
}
