/*
 * sema_once.c: a future variable awaited again after it completed.
 *
 * A future runs once: awaiting it completes it, and a second await would
 * poll a finished frame (at run time that aborts with a message; see
 * docs/language.md).  Where the second await is certain to follow the
 * first, with nothing storing a new future in the variable in between,
 * it is reported here:
 *
 *   __auto_type f = g(1);
 *   long a = await f;
 *   long b = await f;        <- error: 'f' is awaited again after it completed
 *
 * The walk follows the body in order and keeps the set of future
 * variables that have certainly completed.  Only what runs for sure
 * counts: the right side of && and ||, the arms of ?: and of if, loop
 * bodies and switch cases add nothing to the set; a label empties it
 * (a goto may come from anywhere); any use of the variable other than
 * `await v` (an assignment, its address taken) takes it out.
 */
#include "futures.h"
#include "sema.h"

#include <string.h>

typedef struct Once {
  Oracle *o;
  Vec done;   /* Decl*: certainly completed */
  Vec where;  /* Node*: the await that completed each */
} Once;

static int find(Once *s, Decl *d) {
  for (int i = 0; i < s->done.len; i++)
    if (s->done.items[i] == d)
      return i;
  return -1;
}

static void forget(Once *s, Decl *d) {
  int i = find(s, d);
  if (i < 0)
    return;
  s->done.items[i] = s->done.items[s->done.len - 1];
  s->where.items[i] = s->where.items[s->where.len - 1];
  s->done.len--;
  s->where.len--;
}

/* The future variable `await e` completes, or NULL. */
static Decl *awaited_var(Once *s, Node *e) {
  if (e->kind != ND_IDENT || !e->decl || e->decl->kind != DK_VAR ||
      !e->decl->is_local || !future_of(e, s->o))
    return NULL;
  return e->decl;
}

static void walk(Once *s, Node *n);

/* Walks n on a path that may not run: what it completes is dropped, what
   it forgets stays forgotten. */
static void maybe(Once *s, Node *n) {
  Vec done = s->done, where = s->where;
  Once inner = {s->o, {0}, {0}};
  for (int i = 0; i < done.len; i++) {
    vec_push(&inner.done, done.items[i]);
    vec_push(&inner.where, where.items[i]);
  }
  walk(&inner, n);
  for (int i = 0; i < done.len; i++)
    if (find(&inner, done.items[i]) < 0)
      forget(s, done.items[i]);
}

static void walk_kids(Once *s, Node *n) {
  Node *kids[] = {n->lhs, n->rhs, n->cond, n->then, n->els,
                  n->init, n->inc, n->body};
  for (size_t i = 0; i < sizeof kids / sizeof *kids; i++)
    walk(s, kids[i]);
  for (int i = 0; n->kind != ND_SWITCH && i < n->args.len; i++)
    walk(s, n->args.items[i]);
  for (int i = 0; i < n->decls.len; i++) {
    Decl *d = n->decls.items[i];
    forget(s, d); /* a new object each time its declaration runs */
    walk(s, d->init);
  }
}

static void walk(Once *s, Node *n) {
  if (!n)
    return;
  switch (n->kind) {
  case ND_AWAIT: {
    Decl *d = awaited_var(s, n->lhs);
    if (!d) {
      walk(s, n->lhs);
      return;
    }
    int i = find(s, d);
    if (i >= 0) {
      error_at(n->lhs->begin, "future '%s' is awaited again after it "
               "completed", d->name);
      note_at(((Node *)s->where.items[i])->op_off, "it completed here");
      return;
    }
    vec_push(&s->done, d);
    vec_push(&s->where, n);
    return;
  }
  case ND_SIZEOF_EXPR: case ND_ALIGNOF_EXPR: /* not evaluated */
    return;
  case ND_IDENT: /* another use: it may hold a new future after it */
    if (n->decl)
      forget(s, n->decl);
    return;
  case ND_LOGAND: case ND_LOGOR:
    walk(s, n->lhs);
    maybe(s, n->rhs);
    return;
  case ND_COND: case ND_IF:
    walk(s, n->cond);
    maybe(s, n->then);
    maybe(s, n->els);
    return;
  case ND_WHILE: case ND_FOR: case ND_SWITCH:
    walk(s, n->init);
    walk(s, n->cond);
    maybe(s, n->body);
    maybe(s, n->inc);
    return;
  case ND_DO:
    maybe(s, n->body);
    maybe(s, n->cond);
    return;
  case ND_LABEL: case ND_CASE: case ND_DEFAULT:
    s->done.len = s->where.len = 0;
    walk(s, n->body);
    return;
  case ND_STMT_EXPR: case ND_GENERIC: case ND_CALL:
    if (n->kind == ND_CALL && n->lhs->kind == ND_IDENT &&
        !strcmp(n->lhs->name, "__builtin_choose_expr")) {
      for (int i = 0; i < n->args.len; i++)
        maybe(s, n->args.items[i]);
      return;
    }
    if (n->kind == ND_GENERIC) {
      for (int i = 0; i < n->args.len; i++)
        maybe(s, n->args.items[i]);
      return;
    }
    walk_kids(s, n);
    return;
  default:
    walk_kids(s, n);
    return;
  }
}

void sema_check_awaited_once(Node *fn, Oracle *o) {
  Once s = {o, {0}, {0}};
  walk(&s, fn->body);
}
