/*
 * future_types.c: how the source writes a future, read from declarations
 * alone: a call of an async function makes one, and a future type is
 * `__typeof__(f(...))`, `f__frame` or a typedef of either; a declarator's
 * pointer and array derivations say how far from a future its name is.
 * The parser records struct members of future types with these
 * (ast_decl.c), and futures.c follows expressions from them.
 */
#include "futures.h"
#include "parse.h"

#include <string.h>

Decl *async_callee(const Node *call) {
  if (!call || call->kind != ND_CALL || call->lhs->kind != ND_IDENT)
    return NULL;
  Decl *d = call->lhs->decl;
  if (!d || d->kind != DK_FUNC)
    return NULL;
  if (d->is_async || (d->first && d->first->is_async))
    return d;
  return NULL;
}

Decl *future_spec(const DeclSpec *spec) {
  for (int guard = 0; spec && guard < 64; guard++) {
    Decl *f = async_callee(spec->typeof_expr);
    if (f)
      return f;
    Decl *t = spec->typedef_name;
    if (!t)
      return NULL;
    if (t->frame_of)
      return t->frame_of;
    spec = t->spec;
  }
  return NULL;
}

/* The number of pointer and array derivations of a declarator, at the
   top level of its text: `*p` 1, `a[3][4]` 2, `(*fp)(int)` -1 (a function
   or a pointer to one: its calls give the future). */
int ast_derivations(size_t begin, size_t name_off, size_t end) {
  const char *t = ast_source_text();
  int n = 0, depth = 0;
  for (size_t i = begin; i < end; i++) {
    char c = t[i];
    if (c == '_' && !strncmp(t + i, "__attribute__", 13))
      return n; /* nothing after it derives */
    if (c == '(' && i > name_off)
      return -1;
    if (c == '(')
      depth++;
    else if (c == ')')
      depth--;
    else if (c == '*' && i < name_off)
      n++;
    else if (c == '[' && depth == 0)
      n++;
  }
  return n;
}
