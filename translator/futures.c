/*
 * futures.c: which async function's future an expression holds.
 *
 * The sync erasure gives a future of f the type of f's result, so the
 * oracle cannot tell a future from a value, nor a future of f from one of
 * g with the same result type.  acc follows futures through the source
 * instead: a call of an async function makes one; a variable, a struct
 * member or a function result declared with a future type holds one, as
 * does an element of an array of them or the target of a pointer to one.
 * A future type is written `__typeof__(f(...))`, `f__frame` (the name acc
 * declares for every async function), or a typedef of either.
 *
 * Each declaration counts its derivations (`*` and `[]` in its
 * declarator): `__typeof__(f(0)) *p` is a pointer to a future, so `p` is
 * none and `*p` and `p[0]` are, `&x` is none either.  How a declaration
 * writes a future type, and its derivations, are in future_types.c, which
 * the parser uses too; this file follows expressions, with the oracle.
 */
#include "futures.h"
#include "parse.h"

#include <string.h>

static int derivations(const Decl *d) {
  return ast_derivations(d->begin, d->name_off, d->end);
}

/* The variables whose initializers are being followed: `long x = x = 5;`
   names x in its own initializer, which must not be followed again. */
static const Decl *followed[64];
static int nfollowed;

static bool following(const Decl *d) {
  for (int i = 0; i < nfollowed; i++)
    if (followed[i] == d)
      return true;
  return nfollowed == (int)(sizeof followed / sizeof *followed);
}

static void follow_push(const Decl *d) { followed[nfollowed++] = d; }
static void follow_pop(void) { nfollowed--; }

/* The future an lvalue or call holds, with how many derivations it has
   left to take off (0: it is a future itself). */
static Decl *future_level(const Node *e, Oracle *o, int *level) {
  switch (e->kind) {
  case ND_CALL: {
    Decl *f = async_callee(e);
    if (f) {
      *level = 0;
      return f;
    }
    /* a plain function, or a pointer to one, that returns a future */
    Decl *d = e->lhs->kind == ND_IDENT ? e->lhs->decl
              : e->lhs->kind == ND_DEREF && e->lhs->lhs->kind == ND_IDENT
                  ? e->lhs->lhs->decl : NULL;
    f = d && (d->kind == DK_FUNC || derivations(d) < 0) ? future_spec(d->spec)
                                                         : NULL;
    *level = 0;
    return f;
  }
  case ND_IDENT: {
    Decl *d = e->decl;
    if (!d || d->kind != DK_VAR)
      return NULL;
    if (d->init && d->init->kind != ND_INIT_LIST && derivations(d) == 0 &&
        !future_spec(d->spec) && !following(d)) { /* __auto_type x = f(1); */
      follow_push(d);
      Decl *f = future_of(d->init, o);
      follow_pop();
      if (f) {
        *level = 0;
        return f;
      }
    }
    *level = derivations(d);
    return *level >= 0 ? future_spec(d->spec) : NULL;
  }
  case ND_MEMBER: case ND_ARROW: {
    /* the member the oracle resolves; without one, any of that name */
    size_t off = o ? oracle_member_decl(o, e->begin, e->end) : (size_t)-1;
    MemberFuture *m = o ? (off != (size_t)-1 ? ast_member_future_at(off)
                                             : NULL)
                        : ast_member_future_named(e->name);
    if (!m)
      return NULL;
    *level = m->level;
    return m->fn;
  }
  case ND_INDEX: case ND_DEREF: {
    Decl *f = future_level(e->lhs, o, level);
    if (!f || *level <= 0)
      return NULL;
    --*level;
    return f;
  }
  case ND_ADDR: {
    Decl *f = future_level(e->lhs, o, level);
    ++*level;
    return f;
  }
  case ND_COMMA:
    return future_level(e->rhs, o, level);
  case ND_COND: {
    int a = 0, b = 0;
    Decl *x = future_level(e->then ? e->then : e->cond, o, &a);
    Decl *y = future_level(e->els, o, &b);
    *level = a;
    return x && y && x->first == y->first && a == b ? x : NULL;
  }
  case ND_ASSIGN:
    return future_level(e->lhs, o, level);
  default:
    return NULL;
  }
}

/* An initializer that names its own variable (`x = x = 2`) or another
   whose initializer names it back would lead future_level in a circle. */
static int depth;

Decl *future_of(const Node *e, Oracle *o) {
  if (!e || depth > 16)
    return NULL;
  int level = 0;
  depth++;
  Decl *f = future_level(e, o, &level);
  depth--;
  return f && level == 0 ? f : NULL;
}
